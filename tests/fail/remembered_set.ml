(* Stores a young pointer into a major block with a raw store (Obj.set_raw_field bypasses the
   write barrier), then asks for a minor collection: the scan of the major heap for young
   pointers finds a field the remembered set does not hold. Run with WARDEN_VERIFY=every,
   which scans at every minor collection. *)
let () =
  let major = Array.make 1000 0 in
  let young = ref 42 in
  let holder = Sys.opaque_identity [| Obj.repr young |] in
  let addr = Obj.raw_field (Obj.repr holder) 0 in
  Obj.set_raw_field (Obj.repr major) 5 addr;
  Gc.minor ();
  print_endline "not reached";
  ignore (Sys.opaque_identity (major, young))
