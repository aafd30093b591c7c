(* Unix users, groups and the environment. *)

let try_it name f =
  try f () with
  | Unix.Unix_error (e, cmd, arg) ->
      Printf.printf "%s: Unix_error (%s, %S, %S)\n%!" name (Unix.error_message e) cmd arg
  | Not_found -> Printf.printf "%s: Not_found\n%!" name

let show_pw p =
  Printf.sprintf "%s:%s:%d:%d:%s:%s:%s" p.Unix.pw_name p.Unix.pw_passwd p.Unix.pw_uid
    p.Unix.pw_gid p.Unix.pw_gecos p.Unix.pw_dir p.Unix.pw_shell

let show_gr g =
  Printf.sprintf "%s:%s:%d:%s" g.Unix.gr_name g.Unix.gr_passwd g.Unix.gr_gid
    (String.concat "," (Array.to_list g.Unix.gr_mem))

let () =
  Printf.printf "uid %b gid %b\n" (Unix.getuid () = Unix.geteuid ()) (Unix.getgid () = Unix.getegid ());
  try_it "getpwuid 0" (fun () -> print_endline (show_pw (Unix.getpwuid 0)));
  try_it "getpwnam root" (fun () -> print_endline (show_pw (Unix.getpwnam "root")));
  try_it "getgrgid 0" (fun () -> print_endline (show_gr (Unix.getgrgid 0)));
  try_it "getgrnam root" (fun () -> print_endline (show_gr (Unix.getgrnam "root")));
  try_it "my entry" (fun () ->
    let p = Unix.getpwuid (Unix.getuid ()) in
    Printf.printf "my entry: same uid %b\n" (p.Unix.pw_uid = Unix.getuid ()));
  try_it "getpwnam missing" (fun () -> ignore (Unix.getpwnam "no-such-user-xyz"));
  try_it "getpwnam nul" (fun () -> ignore (Unix.getpwnam "ro\000ot"));
  try_it "getgrnam missing" (fun () -> ignore (Unix.getgrnam "no-such-group-xyz"));
  try_it "getgrnam nul" (fun () -> ignore (Unix.getgrnam "ro\000ot"));
  try_it "getpwuid missing" (fun () -> ignore (Unix.getpwuid 987654321));
  try_it "getgrgid missing" (fun () -> ignore (Unix.getgrgid 987654321));
  let groups = Unix.getgroups () in
  Printf.printf "getgroups: %d groups, sorted list %s\n" (Array.length groups)
    (String.concat "," (List.map string_of_int (List.sort compare (Array.to_list groups))));
  try_it "initgroups nul" (fun () -> Unix.initgroups "a\000" 0);
  (* setuid/setgid to the current ids succeed *)
  try_it "setuid" (fun () -> Unix.setuid (Unix.getuid ()); print_endline "setuid: ok");
  try_it "setgid" (fun () -> Unix.setgid (Unix.getgid ()); print_endline "setgid: ok");
  try_it "setgroups" (fun () -> Unix.setgroups groups; print_endline "setgroups: ok");
  try_it "getlogin" (fun () -> ignore (Unix.getlogin ()); print_endline "getlogin: a name");
  (* the environment *)
  Unix.putenv "WARDEN_UNIX_TEST" "one=two";
  Printf.printf "getenv: %s\n" (Sys.getenv "WARDEN_UNIX_TEST");
  let has e = Array.exists (fun s -> s = e) in
  Printf.printf "environment has it %b, unsafe too %b\n"
    (has "WARDEN_UNIX_TEST=one=two" (Unix.environment ()))
    (has "WARDEN_UNIX_TEST=one=two" (Unix.unsafe_environment ()));
  Unix.putenv "WARDEN_UNIX_TEST" "";
  Printf.printf "emptied: %S\n" (Sys.getenv "WARDEN_UNIX_TEST");
  Printf.printf "same size as Sys: %b\n"
    (Array.length (Unix.environment ()) = Array.length (Unix.unsafe_environment ()));
  try_it "putenv nul name" (fun () -> Unix.putenv "A\000B" "x");
  try_it "putenv nul value" (fun () -> Unix.putenv "AB" "x\000");
  (* a child sees the variable *)
  Unix.putenv "WARDEN_CHILD" "seen";
  flush stdout;
  (match Unix.fork () with
   | 0 -> Unix.execv "/bin/sh" [| "sh"; "-c"; "echo child $WARDEN_CHILD" |]
   | pid -> ignore (Unix.waitpid [] pid));
  print_endline "done"
