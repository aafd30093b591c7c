(* A signal blocked with Unix.sigprocmask is pending, its handler runs when it is unblocked. *)
let () =
  ignore (Unix.sigprocmask Unix.SIG_BLOCK [Sys.sigusr1]);
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> print_endline "handler ran"));
  ignore (Sys.command "kill -USR1 $PPID");
  print_endline "after kill (blocked)";
  Printf.printf "pending: %b\n" (List.mem Sys.sigusr1 (Unix.sigpending ()));
  ignore (Unix.sigprocmask Unix.SIG_UNBLOCK [Sys.sigusr1]);
  print_endline "after unblock"
