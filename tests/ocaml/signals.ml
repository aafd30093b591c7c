(* Signal handlers: Sys.signal/Sys.set_signal with Signal_handle, a signal sent to the
   runtime by a child shell (kill -USR1 $PPID via Sys.command), the handler running at
   the next poll point, an exception raised from a handler, Signal_ignore, restoring
   Signal_default, and the OCaml signal numbers. *)

let got = ref []

let wait_for pred =
  let i = ref 0 in
  while not (pred ()) && !i < 2_000_000 do incr i; if !i land 1023 = 0 then ignore (Sys.opaque_identity (Array.make 4 0)) done;
  pred ()

let () =
  Printf.printf "sigusr1 %d sigusr2 %d sigint %d sigterm %d sigalrm %d\n" Sys.sigusr1 Sys.sigusr2 Sys.sigint Sys.sigterm Sys.sigalrm;
  let old = Sys.signal Sys.sigusr1 (Sys.Signal_handle (fun n -> got := n :: !got)) in
  Printf.printf "previous behaviour was default: %b\n" (old = Sys.Signal_default);
  flush stdout;
  let rc = Sys.command "kill -USR1 $PPID" in
  Printf.printf "kill returned %d\n" rc;
  Printf.printf "handler ran: %b, with sigusr1: %b\n" (wait_for (fun () -> !got <> [])) (!got = [ Sys.sigusr1 ]);
  (* a handler that raises: the exception surfaces in the main code *)
  Sys.set_signal Sys.sigusr2 (Sys.Signal_handle (fun _ -> raise Exit));
  flush stdout;
  (match
     ignore (Sys.command "kill -USR2 $PPID");
     ignore (wait_for (fun () -> false))
   with
   | () -> print_endline "no exception from the handler?"
   | exception Exit -> print_endline "Exit raised by the USR2 handler");
  (* ignored signal *)
  Sys.set_signal Sys.sigusr1 Sys.Signal_ignore;
  got := [];
  ignore (Sys.command "kill -USR1 $PPID");
  let n = ref 0 in
  for _ = 1 to 1_000_000 do incr n done;
  Printf.printf "ignored signal: handler not called %b\n" (!got = []);
  (* several signals of the same kind while a handler is installed *)
  let count = ref 0 in
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> incr count));
  for _ = 1 to 3 do
    ignore (Sys.command "kill -USR1 $PPID");
    ignore (wait_for (fun () -> !count > 0))
  done;
  Printf.printf "handled at least once: %b\n" (!count >= 1);
  Sys.set_signal Sys.sigusr1 Sys.Signal_default;
  (match Sys.signal 1000 Sys.Signal_ignore with _ -> () | exception Invalid_argument m -> Printf.printf "bad signal number: %s\n" m);
  print_endline "done"
