(* Custom blocks made by C (caml_alloc_custom_mem, caml_alloc_custom) under Gc.Memprof at
   sampling rate 1: every block, and the memory caml_alloc_custom_mem says it holds outside
   the heap, is sampled as by the stock runtime (tests/stubs/wstub_rt.c). *)
external custom_mem : int -> int -> int -> unit = "wstub_custom_mem"
external custom_ratio : int -> int -> unit = "wstub_custom_ratio"

let () =
  let counts = Hashtbl.create 8 in
  let note kind (info : Gc.Memprof.allocation) =
    let src =
      match info.source with Normal -> "normal" | Marshal -> "marshal" | Custom -> "custom"
    in
    let key = Printf.sprintf "%s %s size=%d samples=%d" kind src info.size info.n_samples in
    Hashtbl.replace counts key (1 + try Hashtbl.find counts key with Not_found -> 0);
    None
  in
  let tracker =
    { Gc.Memprof.null_tracker with alloc_minor = note "minor"; alloc_major = note "major" }
  in
  let run name f =
    Hashtbl.reset counts;
    let _ = Gc.Memprof.start ~sampling_rate:1.0 tracker in
    f ();
    Gc.Memprof.stop ();
    let l = List.sort compare (Hashtbl.fold (fun k v acc -> (k, v) :: acc) counts []) in
    Printf.printf "%s:\n" name;
    List.iter (fun (k, v) -> Printf.printf "  %s x%d\n" k v) l
  in
  run "custom_mem, 64 bytes outside" (fun () -> custom_mem 10 1 64);
  run "custom_mem, nothing outside" (fun () -> custom_mem 10 2 0);
  run "custom_mem, 300 data words" (fun () -> custom_mem 3 300 1000);
  run "custom_mem, 1 MB outside" (fun () -> custom_mem 3 1 1_000_000);
  run "custom, mem/max" (fun () -> custom_ratio 10 100)
