(* A signal handler that ends the program: its last act is a tail call to exit, so exit
   runs where the handler's own frame was, inside the event frame of the poll point. The
   at_exit functions run once, buffered output is flushed, and the status is the
   handler's. *)

let () =
  at_exit (fun () -> print_endline "at_exit: ran");
  print_string "buffered before the signal; ";
  Sys.set_signal Sys.sigusr1
    (Sys.Signal_handle
       (fun n ->
         Printf.printf "handler for sigusr1: %b\n" (n = Sys.sigusr1);
         exit 3));
  ignore (Sys.command "kill -USR1 $PPID");
  print_endline "not reached"
