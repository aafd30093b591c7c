(* Unix.map_file (shared and private mappings, growing files, offsets, inferred
   dimensions, errors) and the terminal attributes of a pseudo-terminal. *)

open Bigarray

let show_err f =
  try f () with
  | Unix.Unix_error (e, cmd, arg) ->
    Printf.printf "Unix_error(%s, %S, %S)\n" (Unix.error_message e) cmd arg
  | Invalid_argument m -> Printf.printf "Invalid_argument %S\n" m
  | Failure m -> Printf.printf "Failure %S\n" m

let tmpdir =
  let d = Filename.temp_file "unixmap" "" in
  Sys.remove d; Sys.mkdir d 0o700; d

let path name = Filename.concat tmpdir name

let file_size p =
  let ic = open_in_bin p in
  let n = in_channel_length ic in
  close_in ic; n

let file_bytes p =
  let ic = open_in_bin p in
  let s = really_input_string ic (in_channel_length ic) in
  close_in ic; s

let () =
  let p = path "m.bin" in
  let fd = Unix.openfile p [Unix.O_RDWR; Unix.O_CREAT; Unix.O_TRUNC] 0o600 in
  (* grows the file to 16 bytes *)
  let a = array1_of_genarray (Unix.map_file fd char c_layout true [|16|]) in
  Printf.printf "size after map %d, dim %d\n" (file_size p) (Array1.dim a);
  String.iteri (fun i c -> a.{i} <- c) "mapped contents!";
  Printf.printf "file: %S\n" (file_bytes p);
  (* inferred dimension, with an offset *)
  let b = Unix.map_file fd ~pos:4L char c_layout false [|-1|] in
  Printf.printf "inferred dims %d\n" (Genarray.nth_dim b 0);
  let b1 = array1_of_genarray b in
  b1.{0} <- 'X';
  Printf.printf "private write not in file: %S %c\n" (file_bytes p) a.{4};
  (* two dimensions, fortran layout, major dimension last *)
  let c = Unix.map_file fd int8_unsigned fortran_layout true [|2; -1|] in
  Printf.printf "fortran dims %d %d, c.{1,1} = %c\n" (Genarray.nth_dim c 0) (Genarray.nth_dim c 1)
    (Char.chr (Genarray.get c [|1; 1|]));
  let d = Unix.map_file fd int32 c_layout true [|2; 2|] in
  Printf.printf "int32 first %ld kind ok %b\n" (Genarray.get d [|0; 0|]) (Genarray.kind d = int32);
  let sub = Array1.sub a 8 8 in
  sub.{0} <- '#';
  Printf.printf "sub write: %S\n" (file_bytes p);
  (* growing with an offset *)
  let e = array1_of_genarray (Unix.map_file fd ~pos:100L int16_signed c_layout true [|10|]) in
  e.{9} <- 0x4142;
  Printf.printf "grown to %d\n" (file_size p);
  Array1.fill e 0;
  (* empty arrays *)
  let z = Unix.map_file fd char c_layout true [|0|] in
  Printf.printf "empty %d\n" (Genarray.nth_dim z 0);
  let z2 = Unix.map_file fd ~pos:120L char c_layout false [|-1|] in
  Printf.printf "empty inferred %d\n" (Genarray.nth_dim z2 0);
  (* errors *)
  show_err (fun () -> ignore (Unix.map_file fd char c_layout true [||]));
  show_err (fun () -> ignore (Unix.map_file fd char c_layout true (Array.make 17 1)));
  show_err (fun () -> ignore (Unix.map_file fd char c_layout true [|2; -1|]));
  show_err (fun () -> ignore (Unix.map_file fd char c_layout true [|-2|]));
  show_err (fun () -> ignore (Unix.map_file fd char fortran_layout true [|-1; 2|]));
  show_err (fun () -> ignore (Unix.map_file fd ~pos:1000L char c_layout true [|-1|]));
  show_err (fun () -> ignore (Unix.map_file fd int64 c_layout true [|-1; 7|]));
  show_err (fun () -> ignore (Unix.map_file fd ~pos:(-4096L) char c_layout true [|4|]));
  show_err (fun () -> ignore (Unix.map_file fd ~pos:3L char c_layout true [|-1; 3|]));
  let ro = Unix.openfile p [Unix.O_RDONLY] 0 in
  show_err (fun () -> ignore (Unix.map_file ro char c_layout true [|4|]));
  show_err (fun () -> ignore (Unix.map_file ro char c_layout true [|4000|]));
  Unix.close ro;
  Unix.close fd;
  show_err (fun () -> ignore (Unix.map_file fd char c_layout true [|4|]));
  (* the mapping outlives the descriptor *)
  Printf.printf "after close %c%c\n" a.{0} a.{15};
  Gc.full_major ();
  Sys.remove p; Sys.rmdir tmpdir

(* reading and writing bigarrays *)
let () =
  let r, w = Unix.pipe () in
  let src = Array1.init char c_layout 100 (fun i -> Char.chr (65 + i mod 26)) in
  Printf.printf "write_bigarray %d\n" (Unix.write_bigarray w src 10 20);
  Printf.printf "single_write_bigarray %d\n" (Unix.single_write_bigarray w src 0 5);
  let dst = Array1.create char c_layout 50 in
  Array1.fill dst '.';
  let n = Unix.read_bigarray r dst 3 40 in
  Printf.printf "read_bigarray %d: %s\n" n (String.init 50 (fun i -> dst.{i}));
  show_err (fun () -> ignore (Unix.read_bigarray r dst 40 20));
  show_err (fun () -> ignore (Unix.write_bigarray w src (-1) 2));
  show_err (fun () -> ignore (Unix.single_write_bigarray w src 99 2));
  Unix.close w;
  Printf.printf "eof %d\n" (Unix.read_bigarray r dst 0 10);
  show_err (fun () -> ignore (Unix.write_bigarray w src 0 1));
  show_err (fun () -> ignore (Unix.single_write_bigarray w src 0 1));
  Unix.close r;
  show_err (fun () -> ignore (Unix.read_bigarray r dst 0 1));
  let r, w = Unix.pipe () in
  Unix.set_nonblock w;
  let big = Array1.create char c_layout 300000 in
  Array1.fill big 'q';
  let n = Unix.write_bigarray w big 0 300000 in
  Printf.printf "partial %b\n" (n > 0 && n < 300000);
  show_err (fun () -> ignore (Unix.write_bigarray w big 0 300000));
  Unix.close r; Unix.close w

(* terminal attributes, on a pseudo-terminal when the system has one *)
let () =
  match Unix.openfile "/dev/ptmx" [Unix.O_RDWR; Unix.O_NOCTTY] 0 with
  | exception Unix.Unix_error _ -> print_endline "no pty"
  | fd ->
    Printf.printf "isatty ptmx %b\n" (Unix.isatty fd);
    let t = Unix.tcgetattr fd in
    Printf.printf "got attrs: csize %d cstopb %d\n" t.Unix.c_csize t.Unix.c_cstopb;
    let t2 = { t with Unix.c_echo = not t.Unix.c_echo; c_csize = 7; c_obaud = 9600; c_ibaud = 9600; c_vmin = 3 } in
    Unix.tcsetattr fd Unix.TCSANOW t2;
    let t3 = Unix.tcgetattr fd in
    Printf.printf "set echo %b csize %d obaud %d vmin %d\n" (t3.Unix.c_echo = t2.Unix.c_echo)
      t3.Unix.c_csize t3.Unix.c_obaud t3.Unix.c_vmin;
    show_err (fun () -> Unix.tcsetattr fd Unix.TCSADRAIN { t with Unix.c_csize = 9 });
    show_err (fun () -> Unix.tcsetattr fd Unix.TCSAFLUSH { t with Unix.c_obaud = 12345 });
    show_err (fun () -> Unix.tcsetattr fd Unix.TCSANOW { t with Unix.c_cstopb = 0 });
    Unix.tcsetattr fd Unix.TCSANOW t;
    Printf.printf "restored %b\n" (Unix.tcgetattr fd = t);
    Unix.tcflush fd Unix.TCIFLUSH;
    Unix.close fd
