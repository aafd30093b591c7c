(* Writes one field past the end of a young array (an unchecked store by a stub), then asks for a
   minor collection: the hardened build reports the changed canary after the block. *)
external store : 'a -> int -> 'b -> unit = "wfail_store"
(* an unchecked word store (tests/fail/stubs/wfail.c) *)
let () =
  let keep = ref [] in
  for i = 1 to 100 do keep := Array.make 4 i :: !keep done;
  let a = Array.make 3 0 in
  store a 3 42;
  Gc.minor ();
  print_endline "not reached"; ignore (Sys.opaque_identity (a, !keep))
