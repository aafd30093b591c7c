(* Gc.get/Gc.set round trips of the settable parameters, Gc.compact, Gc.major_slice,
   Gc.minor, explicit collections under allocation, and sanity properties of Gc.stat /
   quick_stat / counters / minor_words (printed only as booleans, since the numbers are
   implementation details). *)

let () =
  let c = Gc.get () in
  Gc.set { c with Gc.minor_heap_size = 65536; Gc.space_overhead = 90; Gc.max_overhead = 400;
                  Gc.window_size = 5; Gc.custom_major_ratio = 50; Gc.custom_minor_ratio = 80;
                  Gc.custom_minor_max_size = 4096 };
  let c' = Gc.get () in
  Printf.printf "minor_heap_size %d space_overhead %d custom_major_ratio %d custom_minor_ratio %d custom_minor_max_size %d\n"
    c'.Gc.minor_heap_size c'.Gc.space_overhead c'.Gc.custom_major_ratio c'.Gc.custom_minor_ratio c'.Gc.custom_minor_max_size;
  Gc.set { c' with Gc.minor_heap_size = 1 lsl 20 };
  Printf.printf "minor_heap_size after second set: %d\n" (Gc.get ()).Gc.minor_heap_size;
  let live = ref [] in
  for i = 1 to 200_000 do
    let v = Array.make (i mod 7) i in
    if i mod 100 = 0 then live := v :: !live
  done;
  Gc.minor ();
  ignore (Gc.major_slice 0);
  Gc.major ();
  Gc.full_major ();
  Gc.compact ();
  Printf.printf "live data intact after collections: %d arrays, sum %d\n" (List.length !live)
    (List.fold_left (fun acc a -> acc + Array.fold_left ( + ) 0 a) 0 !live);
  let s = Gc.stat () and q = Gc.quick_stat () in
  Printf.printf "stat: minor_words > 0 %b, major_collections > 0 %b, minor_collections > 0 %b, compactions >= 1 %b, heap_words > 0 %b\n"
    (s.Gc.minor_words > 0.) (s.Gc.major_collections > 0) (s.Gc.minor_collections > 0) (s.Gc.compactions >= 1) (s.Gc.heap_words > 0);
  Printf.printf "quick_stat consistent: %b\n" (q.Gc.major_collections >= s.Gc.major_collections);
  let (mi, pro, ma) = Gc.counters () in
  Printf.printf "counters non-negative: %b, minor_words grows: %b\n" (mi >= 0. && pro >= 0. && ma >= 0.)
    (let a = Gc.minor_words () in ignore (Sys.opaque_identity (Array.make 100 0)); Gc.minor_words () >= a);
  Printf.printf "allocated_bytes positive: %b\n" (Gc.allocated_bytes () > 0.);
  (* an alarm is called at the end of major cycles *)
  let calls = ref 0 in
  let alarm = Gc.create_alarm (fun () -> incr calls) in
  Gc.full_major ();
  Gc.full_major ();
  Gc.delete_alarm alarm;
  Printf.printf "alarm called at least once: %b\n" (!calls >= 1);
  Printf.printf "Gc.stat after everything: forced_major_collections >= 4 %b\n" ((Gc.quick_stat ()).Gc.forced_major_collections >= 4)
