(* Weak arrays, ephemerons and finalisers shared between domains, with Gc calls made
   from several domains. *)
let () =
  let w = Weak.create 10 in
  let finalised = Atomic.make 0 in
  let keep = ref [] in
  let d = Domain.spawn (fun () ->
    for i = 0 to 9 do
      let v = Bytes.make (i + 1) 'x' in
      Gc.finalise (fun _ -> Atomic.incr finalised) v;
      Weak.set w i (Some v);
      if i mod 2 = 0 then keep := v :: !keep
    done) in
  Domain.join d;
  Gc.full_major ();
  let d2 = Domain.spawn (fun () -> Gc.full_major (); Gc.minor ()) in
  Domain.join d2;
  Gc.full_major ();
  let alive = ref [] in
  for i = 0 to 9 do if Weak.check w i then alive := i :: !alive done;
  Printf.printf "alive slots: %s\n" (String.concat " " (List.map string_of_int (List.rev !alive)));
  Printf.printf "kept %d\n" (List.length !keep);
  let module E = Ephemeron.K1.Make (struct type t = string let equal = (=) let hash = Hashtbl.hash end) in
  let t = E.create 8 in
  let k = String.make 3 'k' in
  let d3 = Domain.spawn (fun () -> E.replace t k 42; E.replace t (String.make 2 'z') 7) in
  Domain.join d3;
  Gc.full_major ();
  Printf.printf "ephemeron lookup %d, finalisers run >= 5: %b\n"
    (E.find t k) (Atomic.get finalised >= 5)
