(* Writes one field past the end of a young array (an unchecked store), then asks for a
   minor collection: the hardened build reports the changed canary after the block. *)
let () =
  let keep = ref [] in
  for i = 1 to 100 do keep := Array.make 4 i :: !keep done;
  let a = Array.make 3 0 in
  Array.unsafe_set a 3 42;
  Gc.minor ();
  print_endline "not reached"; ignore (Sys.opaque_identity (a, !keep))
