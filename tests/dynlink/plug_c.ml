(* A plugin with a C primitive of its own (plug_stub.c, linked by ocamlmklib). *)
external triple : int -> int = "plug_triple"
let () =
  Printf.printf "triple 14 = %d\n" (triple 14);
  Registry.register "triple" triple
