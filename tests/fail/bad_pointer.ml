(* Stores a pointer into the middle of a block (one word past its start) in a live record,
   then runs a major cycle: the heap verification finds a field that points to no block. *)
type r = { mutable f : Obj.t }
let () =
  let target = Array.make 10 1 in
  let r = { f = Obj.repr 0 } in
  Gc.full_major ();
  r.f <- Obj.add_offset (Obj.repr target) 8l;
  Gc.full_major ();
  print_endline "not reached"; ignore (Sys.opaque_identity (r, target))
