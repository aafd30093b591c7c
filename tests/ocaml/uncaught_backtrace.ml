(* An uncaught exception with OCAMLRUNPARAM=b (see the .env file): with -g the runtime
   prints a backtrace after "Fatal error: exception ..."; without -g it says the program
   was not linked with -g. The exception crosses a re-raise and several frames. *)

exception Deep_trouble of string * int

let[@inline never] rec level n =
  if n = 0 then raise (Deep_trouble ("bottom", 0))
  else 1 + level (n - 1)

let[@inline never] middle () =
  try level 4 with Deep_trouble (s, k) -> raise (Deep_trouble (s ^ " (re-raised)", k + 1))

let () =
  print_endline "starting";
  let r = List.map (fun x -> x * 2) [ 1; 2; 3 ] in
  Printf.printf "%d\n" (List.length r);
  ignore (middle ())
