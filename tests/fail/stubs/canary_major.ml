(* Writes one field past the end of a large (major) array, then runs a major cycle: the
   hardened build reports the changed canary after the block. *)
external store : 'a -> int -> 'b -> unit = "wfail_store"
(* an unchecked word store (tests/fail/stubs/wfail.c) *)
let () =
  let a = Array.make 1000 0 in
  store a 1000 7;
  Gc.full_major ();
  print_endline "not reached"; ignore (Sys.opaque_identity a)
