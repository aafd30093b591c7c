(* Uses the str library, loaded before it as str.cma (its primitives bound at run time). *)
let () =
  print_endline (Str.global_replace (Str.regexp "a+") "X" "baaad caat");
  Registry.register "str" (fun x -> List.length (Str.split (Str.regexp ",") (String.make x ',' ^ "a")))
