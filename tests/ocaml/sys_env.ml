(* Sys and the process environment: argv (see sys_env.args), getenv/getenv_opt (see
   sys_env.env), file_exists/is_directory/is_regular_file, readdir (sorted), mkdir/rmdir,
   rename/remove, getcwd-relative paths (printed only as booleans), Filename functions,
   word_size/int_size/big_endian/os_type/backend_type/ocaml_version, interactive,
   Sys.time advancing (not printed), and Sys.command on a trivial shell command. *)

let () =
  Printf.printf "argc %d\n" (Array.length Sys.argv);
  Printf.printf "argv.(0) basename %S\n" (Filename.basename Sys.argv.(0));
  Array.iteri (fun i a -> if i > 0 then Printf.printf "argv.(%d) = %S\n" i a) Sys.argv;
  Printf.printf "executable_name basename: %S\n" (Filename.basename Sys.executable_name);
  List.iter (fun k -> Printf.printf "getenv %s = %s\n" k (match Sys.getenv_opt k with Some v -> Printf.sprintf "%S" v | None -> "<unset>"))
    [ "WARDEN_TEST_VAR"; "WARDEN_TEST_EMPTY"; "WARDEN_TEST_SPACES"; "WARDEN_DEFINITELY_UNSET" ];
  (match Sys.getenv "WARDEN_DEFINITELY_UNSET" with _ -> () | exception Not_found -> print_endline "getenv unset: Not_found");
  Printf.printf "word_size %d int_size %d big_endian %b os_type %s unix %b win32 %b cygwin %b\n" Sys.word_size Sys.int_size Sys.big_endian
    Sys.os_type Sys.unix Sys.win32 Sys.cygwin;
  Printf.printf "backend bytecode: %b\n" (Sys.backend_type = Sys.Bytecode);
  Printf.printf "ocaml_version %s, max_array_length %d, max_string_length %d, max_floatarray_length %d\n" Sys.ocaml_version
    Sys.max_array_length Sys.max_string_length Sys.max_floatarray_length;
  Printf.printf "interactive %b\n" !Sys.interactive;
  (* a scratch directory inside TMPDIR *)
  let base = Filename.get_temp_dir_name () in
  let dir = Filename.concat base "warden_sys_env_dir" in
  if Sys.file_exists dir then begin
    Array.iter (fun f -> Sys.remove (Filename.concat dir f)) (Sys.readdir dir); Sys.rmdir dir end;
  Sys.mkdir dir 0o755;
  Printf.printf "mkdir: exists %b is_directory %b is_regular_file %b\n" (Sys.file_exists dir) (Sys.is_directory dir) (Sys.is_regular_file dir);
  List.iter (fun n -> let oc = open_out (Filename.concat dir n) in output_string oc n; close_out oc) [ "b.txt"; "a.txt"; "c.dat" ];
  let entries = Sys.readdir dir in
  Array.sort compare entries;
  Printf.printf "readdir: %s\n" (String.concat " " (Array.to_list entries));
  Sys.rename (Filename.concat dir "c.dat") (Filename.concat dir "d.dat");
  Printf.printf "after rename: c %b d %b\n" (Sys.file_exists (Filename.concat dir "c.dat")) (Sys.file_exists (Filename.concat dir "d.dat"));
  (match Sys.mkdir dir 0o755 with () -> print_endline "mkdir twice?" | exception Sys_error _ -> print_endline "mkdir existing: Sys_error");
  (match Sys.rmdir dir with () -> print_endline "rmdir non-empty?" | exception Sys_error _ -> print_endline "rmdir non-empty: Sys_error");
  Array.iter (fun f -> Sys.remove (Filename.concat dir f)) (Sys.readdir dir);
  Sys.rmdir dir;
  Printf.printf "after rmdir: exists %b\n" (Sys.file_exists dir);
  (match Sys.is_directory "/definitely/not/here" with _ -> () | exception Sys_error m -> Printf.printf "is_directory missing: %s\n" m);
  (* the working directory is a fresh empty directory created by the harness *)
  Printf.printf "cwd is absolute: %b, cwd entries: %d\n" (not (Filename.is_relative (Sys.getcwd ()))) (Array.length (Sys.readdir "."));
  Sys.chdir base;
  Printf.printf "after chdir, cwd = TMPDIR: %b\n" (Sys.getcwd () = base || Filename.basename (Sys.getcwd ()) = Filename.basename base);
  (* Filename *)
  List.iter (fun p -> Printf.printf "%-18S base %-10S dir %-10S ext %-6S chop %S relative %b implicit %b\n" p (Filename.basename p)
                (Filename.dirname p) (Filename.extension p) (Filename.remove_extension p) (Filename.is_relative p) (Filename.is_implicit p))
    [ "/usr/lib/x.ml"; "a/b/c.tar.gz"; "file"; "./rel.txt"; "../up"; "/"; "dir/"; ".hidden"; "" ];
  Printf.printf "concat %S, check_suffix %b, chop_suffix %S, quote %s, null %s, dir_sep %s, current %s parent %s\n"
    (Filename.concat "a/" "b") (Filename.check_suffix "x.ml" ".ml") (Filename.chop_suffix "x.ml" ".ml") (Filename.quote "it's")
    Filename.null Filename.dir_sep Filename.current_dir_name Filename.parent_dir_name;
  (* time advances but is not printed *)
  let t0 = Sys.time () in
  let x = ref 0 in
  for i = 1 to 100_000 do x := !x + i done;
  Printf.printf "time is monotonic: %b (%d)\n" (Sys.time () >= t0) !x;
  Printf.printf "Sys.command true = %d, false = %d, exit 7 = %d\n" (Sys.command "true") (Sys.command "false") (Sys.command "exit 7");
  flush stdout;
  ignore (Sys.command "echo from a child shell");
  Printf.printf "Sys.opaque_identity %d\n" (Sys.opaque_identity 5)
