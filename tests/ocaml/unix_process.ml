(* Unix processes: fork, exec, wait, spawn, exit, kill and process statuses. *)

let err_name e =
  match e with
  | Unix.EUNKNOWNERR n -> Printf.sprintf "EUNKNOWNERR %d" n
  | e -> Unix.error_message e

let show_status = function
  | Unix.WEXITED n -> Printf.sprintf "WEXITED %d" n
  | Unix.WSIGNALED s -> Printf.sprintf "WSIGNALED %d" s
  | Unix.WSTOPPED s -> Printf.sprintf "WSTOPPED %d" s

let try_unix name f =
  try f (); Printf.printf "%s: ok\n%!" name with
  | Unix.Unix_error (e, cmd, arg) ->
      Printf.printf "%s: Unix_error (%s, %S, %S)\n%!" name (err_name e) cmd arg
  | Failure m -> Printf.printf "%s: Failure %S\n%!" name m

let child f =
  match Unix.fork () with
  | 0 -> (try f () with _ -> ()); Unix._exit 99
  | pid -> pid

let wait_for name pid =
  let p, st = Unix.waitpid [] pid in
  Printf.printf "%s: same pid %b, %s\n%!" name (p = pid) (show_status st)

let () =
  Printf.printf "getpid positive %b, getppid positive %b, differ %b\n%!"
    (Unix.getpid () > 0) (Unix.getppid () > 0) (Unix.getpid () <> Unix.getppid ());
  (* exit codes *)
  let pid = child (fun () -> Unix._exit 7) in
  wait_for "exit 7" pid;
  (* the child sees its parent *)
  let me = Unix.getpid () in
  let pid = child (fun () -> Unix._exit (if Unix.getppid () = me then 0 else 1)) in
  wait_for "child's parent" pid;
  (* _exit flushes nothing *)
  let pid = child (fun () -> print_string "lost"; Unix._exit 3) in
  wait_for "no flush" pid;
  (* killed by a signal *)
  let pid = child (fun () -> Unix.sleepf 30.) in
  Unix.kill pid Sys.sigterm;
  wait_for "sigterm" pid;
  let pid = child (fun () -> Unix.sleepf 30.) in
  Unix.kill pid Sys.sigkill;
  let p, st = Unix.wait () in
  Printf.printf "wait: same pid %b, %s (sigkill %d)\n%!" (p = pid) (show_status st) Sys.sigkill;
  (* stopped, then continued and killed *)
  let pid = child (fun () -> Unix.sleepf 30.) in
  Unix.kill pid Sys.sigstop;
  let _, st = Unix.waitpid [Unix.WUNTRACED] pid in
  Printf.printf "stopped: %s\n%!" (show_status st);
  Unix.kill pid Sys.sigkill;
  wait_for "killed" pid;
  (* WNOHANG *)
  let pid = child (fun () -> Unix.sleepf 30.) in
  let p, st = Unix.waitpid [Unix.WNOHANG] pid in
  Printf.printf "wnohang: %d %s\n%!" p (show_status st);
  Unix.kill pid Sys.sigkill;
  wait_for "wnohang then kill" pid;
  (* errors *)
  try_unix "wait without children" (fun () -> ignore (Unix.wait ()));
  try_unix "waitpid without children" (fun () -> ignore (Unix.waitpid [] (-1)));
  try_unix "kill bad signal" (fun () -> Unix.kill (Unix.getpid ()) 1000);
  try_unix "kill no process" (fun () -> Unix.kill 999999999 0);
  try_unix "kill self 0" (fun () -> Unix.kill (Unix.getpid ()) 0);
  (* exec failures, in the parent *)
  try_unix "execv nul path" (fun () -> Unix.execv "/bin/t\000rue" [| "x" |]);
  try_unix "execv nul arg" (fun () -> Unix.execv "/bin/true" [| "x"; "a\000b" |]);
  try_unix "execve nul env" (fun () -> Unix.execve "/bin/true" [| "x" |] [| "A=\000" |]);
  try_unix "execv missing" (fun () -> Unix.execv "/nonexistent/prog" [| "x" |]);
  try_unix "execve missing" (fun () -> Unix.execve "/nonexistent/prog" [| "x" |] [||]);
  try_unix "execvp missing" (fun () -> Unix.execvp "no-such-program-xyz" [| "x" |]);
  try_unix "execvpe missing" (fun () -> Unix.execvpe "no-such-program-xyz" [| "x" |] [||]);
  try_unix "execv directory" (fun () -> Unix.execv "/" [| "x" |]);
  (* exec in a child *)
  let pid = child (fun () -> Unix.execv "/bin/sh" [| "sh"; "-c"; "exit 4" |]) in
  wait_for "execv sh" pid;
  let pid = child (fun () -> Unix.execvp "sh" [| "sh"; "-c"; "echo execvp $0"; "zero" |]) in
  wait_for "execvp sh" pid;
  let pid = child (fun () ->
    Unix.execve "/bin/sh" [| "sh"; "-c"; "echo execve \"$FOO\"" |] [| "FOO=bar" |]) in
  wait_for "execve sh" pid;
  let pid = child (fun () ->
    Unix.execvpe "sh" [| "sh"; "-c"; "echo execvpe \"$FOO\"" |] [| "FOO=baz"; "PATH=/bin:/usr/bin" |]) in
  wait_for "execvpe sh" pid;
  (* create_process with redirections *)
  let r, w = Unix.pipe () in
  let pid = Unix.create_process "sh" [| "sh"; "-c"; "echo out; echo err >&2" |]
      Unix.stdin w w in
  Unix.close w;
  let ic = Unix.in_channel_of_descr r in
  let l1 = input_line ic in
  let l2 = input_line ic in
  close_in ic;
  Printf.printf "create_process: %s %s\n%!" l1 l2;
  wait_for "create_process" pid;
  let r, w = Unix.pipe () in
  let pid = Unix.create_process_env "/bin/sh" [| "sh"; "-c"; "echo \"$V\"" |]
      [| "V=from-env" |] Unix.stdin w Unix.stderr in
  Unix.close w;
  let ic = Unix.in_channel_of_descr r in
  Printf.printf "create_process_env: %s\n%!" (input_line ic);
  close_in ic;
  wait_for "create_process_env" pid;
  try_unix "create_process missing" (fun () ->
    ignore (Unix.create_process "/nonexistent/x" [| "x" |] Unix.stdin Unix.stdout Unix.stderr));
  try_unix "create_process nul" (fun () ->
    ignore (Unix.create_process "a\000b" [| "x" |] Unix.stdin Unix.stdout Unix.stderr));
  try_unix "create_process nul arg" (fun () ->
    ignore (Unix.create_process "sh" [| "x\000" |] Unix.stdin Unix.stdout Unix.stderr));
  try_unix "create_process_env nul" (fun () ->
    ignore (Unix.create_process_env "sh" [| "x" |] [| "\000" |] Unix.stdin Unix.stdout Unix.stderr));
  (* open_process uses the same machinery *)
  let ic = Unix.open_process_in "echo piped" in
  Printf.printf "open_process_in: %s\n%!" (input_line ic);
  Printf.printf "close: %s\n%!" (show_status (Unix.close_process_in ic));
  Printf.printf "system: %s\n%!" (show_status (Unix.system "exit 5"));
  (* a flushed fork: both print *)
  print_string "before fork\n";
  flush stdout;
  let pid = child (fun () -> print_string "in child\n"; flush stdout; Unix._exit 0) in
  wait_for "flushed fork" pid;
  try_unix "setsid in child" (fun () ->
    let pid = child (fun () -> Unix._exit (if Unix.setsid () = Unix.getpid () then 0 else 1)) in
    wait_for "setsid" pid);
  Printf.printf "nice 0 = nice 0: %b\n%!" (Unix.nice 0 = Unix.nice 0)

(* The spawn primitive directly: its own redirection logic. *)
external spawn : string -> string array -> string array option -> bool -> int array -> int
  = "caml_unix_spawn"

let () =
  let pid = spawn "sh" [| "sh"; "-c"; "echo err >&2" |] None true [| 0; 2; 1 |] in
  wait_for "spawn swapped" pid;
  let pid = spawn "/bin/sh" [| "sh"; "-c"; "echo \"$V\"" |] (Some [| "V=x" |]) false [| 0; 1; 1 |] in
  wait_for "spawn env" pid;
  try_unix "spawn without path search" (fun () -> ignore (spawn "sh" [| "sh" |] None false [| 0; 1; 2 |]));
  try_unix "spawn bad descriptor" (fun () -> ignore (spawn "sh" [| "sh" |] None true [| 0; 55; 2 |]))
