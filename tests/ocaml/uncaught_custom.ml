(* An uncaught custom exception with a payload: the runtime's default printer shows
   the constructor with its module path and the arguments (strings quoted, ints plain,
   other blocks as _). Exit status 2. Without OCAMLRUNPARAM=b: no backtrace. *)

exception My_error of int * string * float * int list

let () =
  print_endline "about to fail";
  raise (My_error (3, "three \"quoted\"\n", 2.5, [ 1 ]))
