(* Unix signals: kill, sigprocmask, sigpending, sigsuspend, alarm, interval timers, sleep. *)

let names = [ Sys.sigusr1, "USR1"; Sys.sigusr2, "USR2"; Sys.sigalrm, "ALRM";
              Sys.sigint, "INT"; Sys.sigterm, "TERM"; Sys.sighup, "HUP" ]
let name s = try List.assoc s names with Not_found -> string_of_int s
let show l = "[" ^ String.concat ";" (List.map name (List.sort compare l)) ^ "]"

let log = ref []
let note s = log := s :: !log
let flush_log what =
  Printf.printf "%s: handlers ran [%s]\n%!" what (String.concat ";" (List.rev !log));
  log := []

let () =
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun s -> note ("usr1 " ^ name s)));
  Sys.set_signal Sys.sigusr2 (Sys.Signal_handle (fun s -> note ("usr2 " ^ name s)));
  Sys.set_signal Sys.sigalrm (Sys.Signal_handle (fun _ -> note "alrm"));
  (* kill runs the handler before returning *)
  Unix.kill (Unix.getpid ()) Sys.sigusr1;
  flush_log "kill";
  (* blocked: pending, then run when unblocked *)
  let old = Unix.sigprocmask Unix.SIG_BLOCK [Sys.sigusr1; Sys.sigusr2] in
  Printf.printf "old mask %s\n%!" (show old);
  Unix.kill (Unix.getpid ()) Sys.sigusr1;
  Unix.kill (Unix.getpid ()) Sys.sigusr2;
  flush_log "while blocked";
  Printf.printf "pending %s\n%!" (show (Unix.sigpending ()));
  let old = Unix.sigprocmask Unix.SIG_UNBLOCK [Sys.sigusr2] in
  Printf.printf "old mask %s\n%!" (show old);
  flush_log "after unblocking usr2";
  Printf.printf "pending %s\n%!" (show (Unix.sigpending ()));
  let old = Unix.sigprocmask Unix.SIG_SETMASK [Sys.sighup] in
  Printf.printf "old mask %s\n%!" (show old);
  flush_log "after setmask";
  let old = Unix.sigprocmask Unix.SIG_SETMASK [] in
  Printf.printf "old mask %s\n%!" (show old);
  Printf.printf "pending %s\n%!" (show (Unix.sigpending ()));
  (* a handler that raises, out of sigprocmask *)
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> failwith "from handler"));
  ignore (Unix.sigprocmask Unix.SIG_BLOCK [Sys.sigusr1]);
  Unix.kill (Unix.getpid ()) Sys.sigusr1;
  (try ignore (Unix.sigprocmask Unix.SIG_UNBLOCK [Sys.sigusr1]); print_endline "no raise"
   with Failure m -> Printf.printf "sigprocmask raised %S\n%!" m);
  Printf.printf "mask now %s\n%!" (show (Unix.sigprocmask Unix.SIG_BLOCK []));
  (try Unix.kill (Unix.getpid ()) Sys.sigusr1; print_endline "no raise"
   with Failure m -> Printf.printf "kill raised %S\n%!" m);
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun s -> note ("usr1 " ^ name s)));
  (* alarm *)
  Printf.printf "alarm 10 -> %d\n%!" (Unix.alarm 10);
  Printf.printf "alarm 0 -> %d\n%!" (Unix.alarm 0);
  (* interval timers *)
  let st = Unix.getitimer Unix.ITIMER_REAL in
  Printf.printf "real idle: %g %g\n%!" st.Unix.it_interval st.Unix.it_value;
  let old = Unix.setitimer Unix.ITIMER_REAL { Unix.it_interval = 0.; it_value = 100. } in
  Printf.printf "old: %g %g\n%!" old.Unix.it_interval old.Unix.it_value;
  let st = Unix.getitimer Unix.ITIMER_REAL in
  Printf.printf "running: %g, value in (99, 100] %b\n%!" st.Unix.it_interval
    (st.Unix.it_value > 99. && st.Unix.it_value <= 100.);
  let old = Unix.setitimer Unix.ITIMER_REAL { Unix.it_interval = 0.; it_value = 0. } in
  Printf.printf "old interval %g, value positive %b\n%!" old.Unix.it_interval (old.Unix.it_value > 0.);
  let old = Unix.setitimer Unix.ITIMER_VIRTUAL { Unix.it_interval = 2.5; it_value = 7.25 } in
  Printf.printf "virtual old: %g %g\n%!" old.Unix.it_interval old.Unix.it_value;
  let st = Unix.setitimer Unix.ITIMER_VIRTUAL { Unix.it_interval = 0.; it_value = 0. } in
  Printf.printf "virtual interval %g\n%!" st.Unix.it_interval;
  let st = Unix.getitimer Unix.ITIMER_PROF in
  Printf.printf "prof idle: %g %g\n%!" st.Unix.it_interval st.Unix.it_value;
  (try ignore (Unix.setitimer Unix.ITIMER_REAL { Unix.it_interval = -1.; it_value = 1. })
   with Unix.Unix_error (e, cmd, arg) ->
     Printf.printf "negative: %s %S %S\n%!" (Unix.error_message e) cmd arg);
  (* sigsuspend: wait for a timer's signal with it blocked outside *)
  ignore (Unix.sigprocmask Unix.SIG_BLOCK [Sys.sigalrm]);
  ignore (Unix.setitimer Unix.ITIMER_REAL { Unix.it_interval = 0.; it_value = 0.05 });
  Unix.sigsuspend [];
  ignore (Unix.sigprocmask Unix.SIG_UNBLOCK [Sys.sigalrm]);
  flush_log "after sigsuspend";
  (* sleep goes on after a signal; its handler runs *)
  ignore (Unix.setitimer Unix.ITIMER_REAL { Unix.it_interval = 0.; it_value = 0.02 });
  let t0 = Unix.gettimeofday () in
  Unix.sleepf 0.1;
  let dt = Unix.gettimeofday () -. t0 in
  Printf.printf "slept the whole time %b\n%!" (dt >= 0.099);
  flush_log "after sleep";
  Unix.sleepf (-1.);
  Unix.sleep 0;
  print_endline "negative sleep: ok";
  (* a signal that kills a child, and one that the child handles *)
  (* SIGTERM stays blocked in the child until its sigsuspend, so it cannot come early *)
  ignore (Unix.sigprocmask Unix.SIG_BLOCK [Sys.sigterm]);
  match Unix.fork () with
  | 0 ->
      Sys.set_signal Sys.sigterm (Sys.Signal_handle (fun _ -> Unix._exit 42));
      Unix.sigsuspend [];
      ignore (Unix.sigprocmask Unix.SIG_UNBLOCK [Sys.sigterm]);
      Unix._exit 1
  | pid ->
      Unix.kill pid Sys.sigterm;
      match Unix.waitpid [] pid with
      | _, Unix.WEXITED n -> Printf.printf "child handled sigterm: exit %d\n%!" n
      | _ -> print_endline "child: other status"
