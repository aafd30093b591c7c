(* Unix file-system primitives: edge cases. Sub-second time stamps, umask and modes,
   large sizes, several directory handles at once, a dir_handle as an abstract value,
   long link targets, link ~follow on a dangling link, and error names kept intact while
   other domains collect. *)

let err_name = function
  | Unix.ENOENT -> "ENOENT" | Unix.EEXIST -> "EEXIST" | Unix.EINVAL -> "EINVAL"
  | Unix.EBADF -> "EBADF" | Unix.ENOTDIR -> "ENOTDIR" | Unix.ENAMETOOLONG -> "ENAMETOOLONG"
  | e -> "other: " ^ Unix.error_message e

let try_ name f =
  match f () with
  | () -> Printf.printf "%s: ok\n" name
  | exception Unix.Unix_error (e, cmd, _) -> Printf.printf "%s: Unix_error(%s, %S)\n" name (err_name e) cmd
  | exception Invalid_argument m -> Printf.printf "%s: Invalid_argument %S\n" name m
  | exception Failure m -> Printf.printf "%s: Failure %S\n" name m

let write_file path s =
  let oc = open_out_bin path in
  output_string oc s;
  close_out oc

let () =
  let dir = Filename.concat (Filename.get_temp_dir_name ()) "ufs_edges" in
  Unix.mkdir dir 0o700;
  let p n = Filename.concat dir n in
  let f = p "f" in
  write_file f "data";

  (* Sub-second time stamps, through utimes (microseconds) and stat (nanoseconds). *)
  List.iter (fun (a, m) ->
      Unix.utimes f a m;
      let st = Unix.stat f in
      let st64 = Unix.LargeFile.lstat f in
      Printf.printf "utimes %.6f %.6f -> %.9f %.9f (64 same: %b)\n" a m st.Unix.st_atime
        st.Unix.st_mtime (st64.Unix.LargeFile.st_mtime = st.Unix.st_mtime))
    [ (1.5, 2.25); (1234567890.999999, 987654321.000001); (0.0, 1.0); (1.0, 0.0);
      (4102444800.123, 4102444800.5) ];
  try_ "utimes negative fraction" (fun () -> Unix.utimes f (-1.5) 2.0);
  (match Unix.utimes f (-2.0) (-3.0) with
   | () -> Printf.printf "negative whole: %.1f %.1f\n" (Unix.stat f).Unix.st_atime (Unix.stat f).Unix.st_mtime
   | exception Unix.Unix_error (e, _, _) -> Printf.printf "negative whole: %s\n" (err_name e));

  (* umask applies to mkdir, mkfifo and the new modes. *)
  let old = Unix.umask 0o077 in
  Unix.mkdir (p "d") 0o777;
  Unix.mkfifo (p "fifo") 0o666;
  Printf.printf "under umask 077: dir %o fifo %o\n" (Unix.stat (p "d")).Unix.st_perm
    (Unix.stat (p "fifo")).Unix.st_perm;
  Printf.printf "umask returns the previous mask: %o\n" (Unix.umask 0o027);
  Printf.printf "and again: %o\n" (Unix.umask old);
  Unix.chmod (p "d") 0o1755;
  Printf.printf "sticky: %o\n" (Unix.stat (p "d")).Unix.st_perm;
  Unix.chmod (p "d") 0o755;

  (* Large sizes: a sparse file of 5 GB. *)
  (match Unix.LargeFile.truncate f 5_000_000_000L with
   | () ->
     Printf.printf "large: %Ld %d\n" (Unix.LargeFile.stat f).Unix.LargeFile.st_size
       (Unix.stat f).Unix.st_size
   | exception Unix.Unix_error (e, _, _) -> Printf.printf "large: %s\n" (err_name e));
  Unix.truncate f 0;
  try_ "truncate64 negative" (fun () -> Unix.LargeFile.truncate f (-5L));
  Printf.printf "size now %d\n" (Unix.stat f).Unix.st_size;
  Printf.printf "/dev/null kind is S_CHR: %b\n" ((Unix.stat "/dev/null").Unix.st_kind = Unix.S_CHR);
  Printf.printf "fstat stdin/out/err work: %b\n"
    (List.for_all (fun fd -> (Unix.fstat fd).Unix.st_nlink >= 0) [Unix.stdin; Unix.stdout; Unix.stderr]);

  (* Links: a long target, and ~follow on a dangling link. *)
  let long = String.make 1000 'x' in
  Unix.symlink long (p "long");
  Printf.printf "long target back: %b\n" (Unix.readlink (p "long") = long);
  try_ "stat long (ENAMETOOLONG or ENOENT)" (fun () ->
      try ignore (Unix.stat (p "long"))
      with Unix.Unix_error ((Unix.ENAMETOOLONG | Unix.ENOENT), c, a) ->
        raise (Unix.Unix_error (Unix.ENOENT, c, a)));
  Unix.symlink "missing-target" (p "dangling");
  try_ "link follow dangling" (fun () -> Unix.link ~follow:true (p "dangling") (p "l1"));
  try_ "link nofollow dangling" (fun () -> Unix.link ~follow:false (p "dangling") (p "l2"));
  Printf.printf "l2 is a link: %b\n" ((Unix.lstat (p "l2")).Unix.st_kind = Unix.S_LNK);
  try_ "symlink ~to_dir:false" (fun () -> Unix.symlink ~to_dir:false "d" (p "dl"));
  Printf.printf "via dl: %b\n" ((Unix.stat (p "dl")).Unix.st_kind = Unix.S_DIR);
  Printf.printf "realpath dl = realpath d: %b\n" (Unix.realpath (p "dl") = Unix.realpath (p "d"));
  Printf.printf "realpath . = getcwd: %b\n" (Unix.realpath "." = Unix.getcwd ());

  (* Several handles at once, interleaved; each sees every entry once. *)
  for i = 1 to 5 do write_file (Filename.concat (p "d") (string_of_int i)) "" done;
  let h1 = Unix.opendir (p "d") and h2 = Unix.opendir (p "d") in
  let rec all h acc = match Unix.readdir h with
    | n -> all h (n :: acc)
    | exception End_of_file -> List.sort compare acc in
  let first = Unix.readdir h1 in
  let rest2 = all h2 [] in
  let rest1 = all h1 [first] in
  Printf.printf "h1: %s\nh2: %s\n" (String.concat " " rest1) (String.concat " " rest2);
  Unix.closedir h1;
  Printf.printf "h2 still works after closing h1: %b\n"
    (Unix.rewinddir h2; List.length (all h2 []) = 7);
  Unix.closedir h2;
  try_ "closedir h1 again" (fun () -> Unix.closedir h1);
  (* A dir_handle is abstract: compare refuses it, hashing ignores it. *)
  let h3 = Unix.opendir dir in
  try_ "compare handles" (fun () -> ignore (compare h3 h3));
  Printf.printf "hash is a constant: %b\n" (Hashtbl.hash h3 = Hashtbl.hash (Unix.opendir (p "d")));
  try_ "marshal handle" (fun () -> ignore (Marshal.to_string h3 []));
  Unix.closedir h3;
  (* Many open/close cycles. *)
  for _ = 1 to 2000 do Unix.closedir (Unix.opendir dir) done;
  print_endline "2000 opendir/closedir: ok";

  (* Error names stay intact while other domains allocate and collect. *)
  let worker k () =
    let bad = ref 0 in
    for i = 1 to 3000 do
      let name = Printf.sprintf "%s/missing-%d-%d" dir k i in
      let junk = List.init 50 (fun j -> Bytes.make (j + 1) 'z') in
      (match Unix.stat name with
       | _ -> incr bad
       | exception Unix.Unix_error (Unix.ENOENT, "stat", a) -> if a <> name then incr bad);
      (match Unix.opendir name with
       | _ -> incr bad
       | exception Unix.Unix_error (Unix.ENOENT, "opendir", a) -> if a <> name then incr bad);
      ignore (Sys.opaque_identity junk)
    done;
    !bad in
  let ds = List.init 3 (fun k -> Domain.spawn (worker k)) in
  let gc = Domain.spawn (fun () -> for _ = 1 to 200 do Gc.minor () done; 0) in
  let bad = List.fold_left (fun acc d -> acc + Domain.join d) (Domain.join gc) ds in
  Printf.printf "mismatched error names: %d\n" bad;

  (* Directory listings read from several domains in parallel. *)
  let lister () =
    let ok = ref true in
    for _ = 1 to 200 do
      let h = Unix.opendir (p "d") in
      if List.length (all h []) <> 7 then ok := false;
      Unix.closedir h
    done;
    !ok in
  let ls = List.init 3 (fun _ -> Domain.spawn lister) in
  Printf.printf "parallel listings: %b\n" (List.for_all Domain.join ls);

  (* cleanup *)
  for i = 1 to 5 do Unix.unlink (Filename.concat (p "d") (string_of_int i)) done;
  List.iter (fun n -> Unix.unlink (p n)) ["f"; "fifo"; "long"; "dangling"; "l2"; "dl"];
  Unix.rmdir (p "d");
  Unix.rmdir dir;
  print_endline "done"
