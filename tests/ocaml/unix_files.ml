(* Unix primitives on file descriptors: open, read, write, lseek, pipes, dup, flags,
   channels on descriptors, select, lockf, terminals. *)

let tmpdir =
  let d = Filename.temp_file "unixfiles" "" in
  Sys.remove d; Sys.mkdir d 0o700; d

let show_err f =
  try f () with
  | Unix.Unix_error (e, cmd, arg) ->
    let arg = if String.starts_with ~prefix:tmpdir arg then "TMP" ^ String.sub arg (String.length tmpdir) (String.length arg - String.length tmpdir) else arg in
    Printf.printf "Unix_error(%s, %S, %S)\n" (Unix.error_message e) cmd arg
  | Invalid_argument m -> Printf.printf "Invalid_argument %S\n" m
  | Failure m -> Printf.printf "Failure %S\n" m
  | Sys_error m -> Printf.printf "Sys_error %S\n" m

let path name = Filename.concat tmpdir name

let () =
  let p = path "a.txt" in
  let fd = Unix.openfile p [Unix.O_WRONLY; Unix.O_CREAT; Unix.O_TRUNC] 0o644 in
  let n = Unix.write_substring fd "hello, world\n" 0 13 in
  Printf.printf "wrote %d\n" n;
  let n = Unix.single_write_substring fd "second line\n" 0 12 in
  Printf.printf "single wrote %d\n" n;
  Printf.printf "pos %d\n" (Unix.lseek fd 0 Unix.SEEK_CUR);
  Printf.printf "end %Ld\n" (Unix.LargeFile.lseek fd 0L Unix.SEEK_END);
  Unix.fsync fd;
  Unix.close fd;
  show_err (fun () -> Unix.close fd);
  let fd = Unix.openfile p [Unix.O_RDONLY] 0 in
  let buf = Bytes.make 40 '.' in
  let n = Unix.read fd buf 2 30 in
  Printf.printf "read %d: %S\n" n (Bytes.to_string buf);
  let n = Unix.read fd buf 0 10 in
  Printf.printf "read at eof %d\n" n;
  ignore (Unix.lseek fd 7 Unix.SEEK_SET);
  let n = Unix.read fd buf 0 5 in
  Printf.printf "after seek %d: %S\n" n (Bytes.sub_string buf 0 n);
  show_err (fun () -> ignore (Unix.lseek fd (-100) Unix.SEEK_CUR));
  show_err (fun () -> ignore (Unix.write_substring fd "x" 0 1));
  show_err (fun () -> ignore (Unix.read fd buf 30 20));
  Unix.close fd;
  (* open errors *)
  show_err (fun () -> ignore (Unix.openfile (path "missing") [Unix.O_RDONLY] 0));
  show_err (fun () -> ignore (Unix.openfile (path "a.txt") [Unix.O_WRONLY; Unix.O_CREAT; Unix.O_EXCL] 0o600));
  show_err (fun () -> ignore (Unix.openfile "bad\000name" [Unix.O_RDONLY] 0));
  show_err (fun () -> ignore (Unix.openfile tmpdir [Unix.O_WRONLY] 0));
  (* append, cloexec flags *)
  let fd = Unix.openfile p [Unix.O_WRONLY; Unix.O_APPEND; Unix.O_CLOEXEC; Unix.O_KEEPEXEC] 0 in
  ignore (Unix.write_substring fd "third\n" 0 6);
  Unix.set_close_on_exec fd;
  Unix.clear_close_on_exec fd;
  Unix.set_nonblock fd;
  Unix.clear_nonblock fd;
  Unix.close fd;
  show_err (fun () -> Unix.set_close_on_exec fd);
  show_err (fun () -> Unix.clear_close_on_exec fd);
  show_err (fun () -> Unix.set_nonblock fd);
  show_err (fun () -> Unix.clear_nonblock fd);
  show_err (fun () -> Unix.fsync fd);
  (* channels on descriptors *)
  let fd = Unix.openfile p [Unix.O_RDONLY] 0 in
  let ic = Unix.in_channel_of_descr fd in
  Printf.printf "same fd %b\n" (Unix.descr_of_in_channel ic = fd);
  (try while true do Printf.printf "line %S\n" (input_line ic) done with End_of_file -> ());
  close_in ic;
  let fd = Unix.openfile (path "b.txt") [Unix.O_WRONLY; Unix.O_CREAT] 0o600 in
  let oc = Unix.out_channel_of_descr fd in
  Printf.fprintf oc "via channel %d\n" 42;
  Printf.printf "same out fd %b\n" (Unix.descr_of_out_channel oc = fd);
  close_out oc;
  let ic = open_in (path "b.txt") in
  Printf.printf "b.txt: %S\n" (input_line ic);
  close_in ic;
  let dfd = Unix.openfile tmpdir [Unix.O_RDONLY] 0 in
  show_err (fun () -> ignore (Unix.in_channel_of_descr dfd));
  show_err (fun () -> ignore (Unix.out_channel_of_descr dfd));
  Unix.close dfd;
  show_err (fun () -> ignore (Unix.in_channel_of_descr dfd));
  show_err (fun () -> ignore (Unix.descr_of_in_channel ic));
  (* pipes, dup, dup2 *)
  let r, w = Unix.pipe () in
  let w2 = Unix.dup ~cloexec:true w in
  ignore (Unix.write_substring w2 "through dup" 0 11);
  Unix.close w2;
  let n = Unix.read r buf 0 40 in
  Printf.printf "pipe %S\n" (Bytes.sub_string buf 0 n);
  let r2, w3 = Unix.pipe ~cloexec:false () in
  Unix.dup2 w w3;
  ignore (Unix.write_substring w3 "via dup2" 0 8);
  Unix.dup2 ~cloexec:true w3 w3;
  Unix.dup2 ~cloexec:false w3 w3;
  Unix.dup2 w3 w3;
  let n = Unix.read r buf 0 40 in
  Printf.printf "pipe %S\n" (Bytes.sub_string buf 0 n);
  Unix.dup2 w w;
  Unix.close r2;
  show_err (fun () -> ignore (Unix.read r2 buf 0 1));
  show_err (fun () -> ignore (Unix.dup r2));
  show_err (fun () -> Unix.dup2 r2 w3);
  (* select *)
  let rs, ws, es = Unix.select [r] [w] [] 0.0 in
  Printf.printf "select empty pipe: %d %d %d\n" (List.length rs) (List.length ws) (List.length es);
  ignore (Unix.write_substring w "x" 0 1);
  let rs, ws, _ = Unix.select [r; r] [w; w3] [] 1.5 in
  Printf.printf "select: r %b %d w %d\n" (rs = [r; r]) (List.length rs) (List.length ws);
  Printf.printf "order kept reversed: %b\n" (ws = [w3; w]);
  show_err (fun () -> ignore (Unix.select [r2] [] [] 0.0));
  show_err (fun () -> ignore (Unix.select [] [w] [] 1e10));
  show_err (fun () -> ignore (Unix.select [] [w] [] Float.nan));
  let _, ws, _ = Unix.select [] [w] [] (-1.0) in
  Printf.printf "no timeout: %d\n" (List.length ws);
  show_err (fun () -> ignore (Unix.select [(Obj.magic (-1) : Unix.file_descr)] [] [] 0.0));
  show_err (fun () -> ignore (Unix.select [] [] [(Obj.magic 5000 : Unix.file_descr)] 0.0));
  (* large write/read through a pipe, non-blocking partial write *)
  Unix.set_nonblock w;
  let big = Bytes.make 300000 'z' in
  let n = Unix.write w big 0 300000 in
  Printf.printf "partial nonblocking write < total: %b (> 0: %b)\n" (n < 300000) (n > 0);
  show_err (fun () -> ignore (Unix.write w big 0 300000));
  show_err (fun () -> ignore (Unix.single_write w big 0 10));
  Unix.set_nonblock r;
  let total = ref 0 in
  (try while true do
       let k = Unix.read r big 0 300000 in
       if k > 65536 then print_endline "read more than the buffer";
       total := !total + k done
   with Unix.Unix_error (Unix.EAGAIN, cmd, _) -> Printf.printf "drained (%s) %b\n" cmd (!total = n + 1));
  Unix.close r; Unix.close w; Unix.close w3;
  (* write errors: EPIPE is reported when SIGPIPE is ignored *)
  ignore (Sys.signal Sys.sigpipe Sys.Signal_ignore);
  let r, w = Unix.pipe () in
  Unix.close r;
  show_err (fun () -> ignore (Unix.write_substring w "x" 0 1));
  show_err (fun () -> ignore (Unix.single_write_substring w "x" 0 1));
  Printf.printf "empty single_write %d\n" (Unix.single_write_substring w "" 0 0);
  Printf.printf "empty write %d\n" (Unix.write_substring w "" 0 0);
  Unix.close w;
  show_err (fun () -> ignore (Unix.write_substring w "abc" 1 5));
  (* lockf *)
  let fd = Unix.openfile p [Unix.O_RDWR] 0 in
  Unix.lockf fd Unix.F_LOCK 0;
  Unix.lockf fd Unix.F_TEST 10;
  Unix.lockf fd Unix.F_ULOCK 0;
  Unix.lockf fd Unix.F_TLOCK 5;
  Unix.lockf fd Unix.F_RLOCK 5;
  show_err (fun () -> Unix.lockf fd Unix.F_TRLOCK (-5));
  ignore (Unix.lseek fd 10 Unix.SEEK_SET);
  Unix.lockf fd Unix.F_TRLOCK (-5);
  show_err (fun () -> Unix.lockf fd (Obj.magic 9 : Unix.lock_command) 0);
  print_endline "locks ok";
  Unix.close fd;
  show_err (fun () -> Unix.lockf fd Unix.F_LOCK 0);
  (* terminals: not a tty *)
  let fd = Unix.openfile p [Unix.O_RDONLY] 0 in
  Printf.printf "isatty file %b\n" (Unix.isatty fd);
  show_err (fun () -> ignore (Unix.tcgetattr fd));
  show_err (fun () -> Unix.tcdrain fd);
  show_err (fun () -> Unix.tcflush fd Unix.TCIOFLUSH);
  show_err (fun () -> Unix.tcflow fd Unix.TCOON);
  show_err (fun () -> Unix.tcsendbreak fd 0);
  Unix.close fd;
  Printf.printf "isatty closed %b\n" (Unix.isatty fd);
  Sys.remove p; Sys.remove (path "b.txt"); Sys.rmdir tmpdir;
  print_endline "done"
