(* Puts a free-major poison word where a pointer is expected (as a read of a freed block
   would find it), then follows it: the program faults on the poison address, and the
   hardened build's fault handler reports a use after free. *)
let () =
  let r = ref (ref 0) in
  Obj.set_raw_field (Obj.repr r) 0 0xD701D7D7D701D6D8n;
  print_int !(!r);
  print_endline "not reached"
