(* at_exit: functions run in reverse order of registration at normal termination,
   each exactly once, output from them appears, and an at_exit function may itself
   register another. Exit status 0 after an explicit exit 0. *)

let () =
  for i = 1 to 5 do
    at_exit (fun () -> Printf.printf "at_exit %d\n" i)
  done;
  at_exit (fun () ->
      print_endline "registering late";
      at_exit (fun () -> print_endline "late one"));
  at_exit (fun () -> prerr_endline "stderr from at_exit");
  print_endline "main body";
  (* Out_channel buffered data is flushed by the std exit handler *)
  print_string "no newline at the end";
  exit 0
