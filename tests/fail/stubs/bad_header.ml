(* Overwrites the header of a young block (the word before field 0) with an absurd size
   through an unchecked store (a stub), then asks for a minor collection: the walk of the minor arena
   finds the broken frame. *)
external store : 'a -> int -> 'b -> unit = "wfail_store"
(* an unchecked word store (tests/fail/stubs/wfail.c) *)
let () =
  let keep = Array.make 3 0 in
  let a : int array = Array.make 3 0 in
  store a (-1) (-1);
  Gc.minor ();
  print_endline "not reached"; ignore (Sys.opaque_identity (a, keep))
