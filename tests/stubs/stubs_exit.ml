(* Leaving the program from inside a callback, through C frames; an uncaught exception
   raised by C. *)
external apply : ('a -> 'b) -> 'a -> 'b = "wstub_apply"
external raise_ : int -> string = "wstub_raise"

let () =
  at_exit (fun () -> print_endline "at_exit ran");
  if Array.length Sys.argv > 1 then begin
    print_endline "raising from C, uncaught";
    ignore (raise_ 0)
  end;
  print_endline "exiting from a callback";
  apply (fun () -> exit 3) ();
  print_endline "not reached"
