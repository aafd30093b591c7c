(* Moves a closure's code pointer one word back, into the operands of the instruction before
   the function (a forged or stale code pointer), then runs a major cycle: the heap
   verification finds a code value that is not an instruction boundary. *)
let f x = x + 1
let () =
  let g = Sys.opaque_identity (fun y -> f y * 2) in
  let code : int = Obj.obj (Obj.field (Obj.repr g) 0) in
  Obj.set_field (Obj.repr g) 0 (Obj.repr (code - 1));
  Gc.full_major ();
  print_endline "not reached";
  let _ = Sys.opaque_identity g in ()
