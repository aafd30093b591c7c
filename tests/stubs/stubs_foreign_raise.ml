(* An exception escapes caml_callback on a thread created in C (tests/stubs/wstub_thr.c):
   with no C primitive to unwind to, it is reported as uncaught (the at-exit functions run)
   and the process ends with status 2, as in the stock runtime. *)
external foreign : (int -> int) -> int -> int * int * int * int = "wstub_foreign"

let () =
  at_exit (fun () -> print_endline "at_exit ran");
  print_endline "before";
  let f i = if i = 2 then failwith "raised on the foreign thread" else i in
  let _, _, _, sum = foreign f 5 in
  Printf.printf "not reached %d\n" sum
