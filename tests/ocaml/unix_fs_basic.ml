(* Unix file-system primitives: stat family, names, links, directories, permissions,
   truncation, times, access, umask, cwd. Prints only relations and error constructors. *)

let err_name e =
  match e with
  | Unix.ENOENT -> "ENOENT" | Unix.EEXIST -> "EEXIST" | Unix.ENOTDIR -> "ENOTDIR"
  | Unix.EISDIR -> "EISDIR" | Unix.ENOTEMPTY -> "ENOTEMPTY" | Unix.EBADF -> "EBADF"
  | Unix.EACCES -> "EACCES" | Unix.EINVAL -> "EINVAL" | Unix.EPERM -> "EPERM"
  | Unix.ELOOP -> "ELOOP" | Unix.EOVERFLOW -> "EOVERFLOW" | Unix.EXDEV -> "EXDEV"
  | Unix.EUNKNOWNERR n -> Printf.sprintf "EUNKNOWNERR %d" n
  | e -> "other: " ^ Unix.error_message e

let base = ref ""
let rel s =
  (* strip the temporary directory so names are stable *)
  let b = !base in
  let lb = String.length b in
  if lb > 0 && String.length s >= lb && String.sub s 0 lb = b then
    "<tmp>" ^ String.sub s lb (String.length s - lb)
  else s

let try_ name f =
  match f () with
  | () -> Printf.printf "%s: ok\n" name
  | exception Unix.Unix_error (e, cmd, arg) ->
    Printf.printf "%s: Unix_error(%s, %S, %S)\n" name (err_name e) cmd (rel arg)
  | exception End_of_file -> Printf.printf "%s: End_of_file\n" name

let kind_name = function
  | Unix.S_REG -> "S_REG" | Unix.S_DIR -> "S_DIR" | Unix.S_CHR -> "S_CHR"
  | Unix.S_BLK -> "S_BLK" | Unix.S_LNK -> "S_LNK" | Unix.S_FIFO -> "S_FIFO"
  | Unix.S_SOCK -> "S_SOCK"

let write_file path s =
  let oc = open_out_bin path in
  output_string oc s;
  close_out oc

let () =
  let tmp = Filename.get_temp_dir_name () in
  let dir = Filename.concat tmp "ufs_test_dir" in
  Unix.mkdir dir 0o755;
  (* Resolve the real name of the directory so outputs can be relativised. *)
  base := Unix.realpath dir;
  let p name = Filename.concat dir name in
  let old_umask = Unix.umask 0o022 in
  ignore old_umask;
  Printf.printf "umask back: %o\n" (Unix.umask 0o022);

  (* stat on a regular file *)
  let f = p "file.txt" in
  write_file f "hello, world";
  Unix.chmod f 0o640;
  let st = Unix.stat f in
  Printf.printf "kind=%s perm=%o size=%d nlink=%d\n" (kind_name st.Unix.st_kind)
    st.Unix.st_perm st.Unix.st_size st.Unix.st_nlink;
  Printf.printf "uid=euid %b gid=egid-or-other %b\n" (st.Unix.st_uid = Unix.geteuid ())
    (st.Unix.st_gid >= 0);
  let st64 = Unix.LargeFile.stat f in
  Printf.printf "64: size=%Ld same ino %b same dev %b\n" st64.Unix.LargeFile.st_size
    (st64.Unix.LargeFile.st_ino = st.Unix.st_ino) (st64.Unix.LargeFile.st_dev = st.Unix.st_dev);
  let d = Unix.stat dir in
  Printf.printf "dir kind=%s perm=%o\n" (kind_name d.Unix.st_kind) d.Unix.st_perm;
  try_ "stat missing" (fun () -> ignore (Unix.stat (p "nope")));
  try_ "stat nul" (fun () -> ignore (Unix.stat "a\000b"));
  try_ "lstat nul" (fun () -> ignore (Unix.lstat "a\000b"));
  try_ "stat64 missing" (fun () -> ignore (Unix.LargeFile.stat (p "nope")));
  try_ "stat through file" (fun () -> ignore (Unix.stat (p "file.txt/x")));

  (* fstat *)
  let fd = Unix.openfile f [Unix.O_RDWR] 0 in
  let fs = Unix.fstat fd in
  Printf.printf "fstat size=%d same ino %b\n" fs.Unix.st_size (fs.Unix.st_ino = st.Unix.st_ino);
  Unix.ftruncate fd 5;
  Printf.printf "after ftruncate 5: %d\n" (Unix.fstat fd).Unix.st_size;
  Unix.LargeFile.ftruncate fd 100L;
  Printf.printf "after ftruncate64 100: %Ld\n" (Unix.LargeFile.fstat fd).Unix.LargeFile.st_size;
  Unix.fchmod fd 0o600;
  Printf.printf "after fchmod: %o\n" (Unix.fstat fd).Unix.st_perm;
  Unix.fchown fd (-1) (-1);
  Unix.close fd;
  try_ "fstat closed" (fun () -> ignore (Unix.fstat fd));
  try_ "fstat64 closed" (fun () -> ignore (Unix.LargeFile.fstat fd));
  try_ "ftruncate closed" (fun () -> Unix.ftruncate fd 0);
  try_ "fchmod closed" (fun () -> Unix.fchmod fd 0o600);
  try_ "fchown closed" (fun () -> Unix.fchown fd 0 0);
  Unix.truncate f 3;
  Printf.printf "after truncate 3: %d\n" (Unix.stat f).Unix.st_size;
  Unix.LargeFile.truncate f 7L;
  Printf.printf "after truncate64 7: %d\n" (Unix.stat f).Unix.st_size;
  try_ "truncate missing" (fun () -> Unix.truncate (p "nope") 0);
  try_ "truncate negative" (fun () -> Unix.truncate f (-1));
  try_ "chown self" (fun () -> Unix.chown f (-1) (-1));
  try_ "chown missing" (fun () -> Unix.chown (p "nope") (-1) (-1));
  try_ "chmod missing" (fun () -> Unix.chmod (p "nope") 0o644);

  (* links *)
  let l = p "hard" in
  Unix.link f l;
  Printf.printf "nlink after link: %d\n" (Unix.stat f).Unix.st_nlink;
  try_ "link exists" (fun () -> Unix.link f l);
  try_ "link missing" (fun () -> Unix.link (p "nope") (p "hard2"));
  Printf.printf "has_symlink: %b\n" (Unix.has_symlink ());
  let s = p "sym" in
  Unix.symlink "file.txt" s;
  Printf.printf "readlink: %s\n" (Unix.readlink s);
  Printf.printf "lstat kind=%s stat kind=%s\n" (kind_name (Unix.lstat s).Unix.st_kind)
    (kind_name (Unix.stat s).Unix.st_kind);
  Printf.printf "lstat64 kind=%s\n" (kind_name (Unix.LargeFile.lstat s).Unix.LargeFile.st_kind);
  Printf.printf "realpath sym: %s\n" (rel (Unix.realpath s));
  try_ "realpath missing" (fun () -> ignore (Unix.realpath (p "nope")));
  try_ "realpath nul" (fun () -> ignore (Unix.realpath "x\000"));
  try_ "symlink exists" (fun () -> Unix.symlink ~to_dir:true "x" s);
  try_ "readlink regular" (fun () -> ignore (Unix.readlink f));
  try_ "readlink missing" (fun () -> ignore (Unix.readlink (p "nope")));
  (* link ~follow *)
  Unix.link ~follow:true s (p "hard_follow");
  Printf.printf "follow:true kind=%s\n" (kind_name (Unix.lstat (p "hard_follow")).Unix.st_kind);
  Unix.link ~follow:false s (p "hard_nofollow");
  Printf.printf "follow:false kind=%s\n" (kind_name (Unix.lstat (p "hard_nofollow")).Unix.st_kind);
  let dangling = p "dangling" in
  Unix.symlink "nowhere" dangling;
  try_ "stat dangling" (fun () -> ignore (Unix.stat dangling));
  try_ "lstat dangling" (fun () -> ignore (Unix.lstat dangling));
  let loop = p "loop" in
  Unix.symlink "loop" loop;
  try_ "stat loop" (fun () -> ignore (Unix.stat loop));

  (* rename / unlink *)
  Unix.rename l (p "renamed");
  try_ "rename missing" (fun () -> Unix.rename (p "nope") (p "other"));
  try_ "rename nul dst" (fun () -> Unix.rename f "a\000");
  try_ "unlink missing" (fun () -> Unix.unlink (p "nope"));
  try_ "unlink dir" (fun () -> Unix.unlink dir);

  (* mkfifo *)
  Unix.mkfifo (p "fifo") 0o600;
  Printf.printf "fifo kind=%s perm=%o\n" (kind_name (Unix.stat (p "fifo")).Unix.st_kind)
    (Unix.stat (p "fifo")).Unix.st_perm;
  try_ "mkfifo exists" (fun () -> Unix.mkfifo (p "fifo") 0o600);

  (* mkdir / rmdir *)
  let sub = p "sub" in
  Unix.mkdir sub 0o700;
  Printf.printf "sub perm=%o\n" (Unix.stat sub).Unix.st_perm;
  try_ "mkdir exists" (fun () -> Unix.mkdir sub 0o700);
  write_file (Filename.concat sub "inner") "x";
  try_ "rmdir nonempty" (fun () -> Unix.rmdir sub);
  try_ "rmdir file" (fun () -> Unix.rmdir f);
  try_ "rmdir missing" (fun () -> Unix.rmdir (p "nope"));

  (* access *)
  try_ "access R W" (fun () -> Unix.access f [Unix.R_OK; Unix.W_OK]);
  try_ "access F" (fun () -> Unix.access f [Unix.F_OK]);
  try_ "access []" (fun () -> Unix.access f []);
  try_ "access missing" (fun () -> Unix.access (p "nope") [Unix.F_OK]);
  Unix.chmod f 0o644;
  try_ "access X" (fun () -> Unix.access f [Unix.X_OK]);

  (* utimes *)
  Unix.utimes f 1000000000.25 1500000000.5;
  let st = Unix.stat f in
  Printf.printf "atime=%.2f mtime=%.2f\n" st.Unix.st_atime st.Unix.st_mtime;
  Unix.utimes f 0.0 0.0;
  let st = Unix.stat f in
  Printf.printf "now: %b\n" (st.Unix.st_mtime > 1600000000.0);
  try_ "utimes missing" (fun () -> Unix.utimes (p "nope") 1.0 1.0);

  (* directories *)
  let names = ref [] in
  let h = Unix.opendir dir in
  (try
     while true do
       names := Unix.readdir h :: !names
     done
   with End_of_file -> ());
  List.iter print_endline (List.sort compare !names);
  try_ "readdir at end" (fun () -> ignore (Unix.readdir h));
  Unix.rewinddir h;
  let n = ref 0 in
  (try
     while true do
       ignore (Unix.readdir h);
       incr n
     done
   with End_of_file -> ());
  Printf.printf "after rewind: %d entries\n" !n;
  Unix.closedir h;
  try_ "readdir closed" (fun () -> ignore (Unix.readdir h));
  try_ "rewinddir closed" (fun () -> Unix.rewinddir h);
  try_ "closedir twice" (fun () -> Unix.closedir h);
  try_ "opendir missing" (fun () -> ignore (Unix.opendir (p "nope")));
  try_ "opendir file" (fun () -> ignore (Unix.opendir f));
  try_ "opendir nul" (fun () -> ignore (Unix.opendir "\000"));

  (* cwd *)
  let cwd0 = Unix.getcwd () in
  Printf.printf "getcwd = Sys.getcwd: %b\n" (cwd0 = Sys.getcwd ());
  Unix.chdir sub;
  Printf.printf "in sub: %s\n" (rel (Unix.getcwd ()));
  Printf.printf "relative stat: %s\n" (kind_name (Unix.stat "inner").Unix.st_kind);
  Unix.chdir cwd0;
  try_ "chdir missing" (fun () -> Unix.chdir (p "nope"));
  try_ "chdir file" (fun () -> Unix.chdir f);
  (* chroot would succeed for root: only its failures are tried. *)
  try_ "chroot missing" (fun () -> Unix.chroot (p "nope"));

  (* cleanup *)
  Unix.unlink (Filename.concat sub "inner");
  Unix.rmdir sub;
  List.iter (fun n -> Unix.unlink (p n))
    ["file.txt"; "renamed"; "sym"; "hard_follow"; "hard_nofollow"; "dangling"; "loop"; "fifo"];
  Unix.rmdir dir;
  Printf.printf "gone: %b\n" (not (Sys.file_exists dir))
