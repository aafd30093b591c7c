(* Puts the uninitialised-minor poison word in a field of a live young block (as a primitive
   that forgot to initialise a field would leave it), then asks for a minor collection: the
   promotion reads the field and reports an uninitialised read. *)
let () =
  let r = ref 0 in
  let pair = Sys.opaque_identity (r, r) in
  Obj.set_raw_field (Obj.repr pair) 1 0xD710D7D7D710D6D8n;
  Gc.minor ();
  print_endline "not reached";
  ignore (Sys.opaque_identity pair)
