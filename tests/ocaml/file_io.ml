(* File I/O through Stdlib channels in a temporary file: open_out/open_out_gen flags,
   output functions, seek_out/pos_out, open_in, input_line, input_char, really_input,
   really_input_string, input (partial reads), seek_in/pos_in, in_channel_length,
   binary vs text mode, append mode, End_of_file, Sys_error on missing files, and
   reading a file larger than the channel buffer. *)

let () =
  let name = Filename.temp_file "warden_io" ".txt" in
  let oc = open_out name in
  output_string oc "line one\n";
  output_char oc 'X';
  output_string oc "\nline three\n";
  Printf.fprintf oc "%d %s %.2f\n" 4 "four" 4.0;
  output_bytes oc (Bytes.of_string "bytes line\n");
  output oc (Bytes.of_string "__partial output__\n") 2 8;
  output_string oc "\n";
  output_substring oc "0123456789" 3 4;
  output_string oc "\nno newline at end";
  Printf.printf "pos_out before close: %d\n" (pos_out oc);
  close_out oc;
  close_out oc;
  print_endline "closing twice is fine";
  let ic = open_in name in
  Printf.printf "in_channel_length: %d\n" (in_channel_length ic);
  let rec read_lines acc = match input_line ic with l -> read_lines (l :: acc) | exception End_of_file -> List.rev acc in
  let lines = read_lines [] in
  List.iteri (fun i l -> Printf.printf "%d: %S\n" i l) lines;
  seek_in ic 5;
  let c = input_char ic in
  Printf.printf "after seek 5 and input_char: pos %d, char %C\n" (pos_in ic) c;
  let buf = Bytes.create 8 in
  really_input ic buf 0 8;
  Printf.printf "really_input: %S, pos %d\n" (Bytes.to_string buf) (pos_in ic);
  Printf.printf "really_input_string: %S\n" (really_input_string ic 6);
  let n = input ic buf 0 8 in
  Printf.printf "input got %d bytes: %S\n" n (Bytes.sub_string buf 0 n);
  seek_in ic (in_channel_length ic - 3);
  Printf.printf "tail: %S\n" (really_input_string ic 3);
  (match input_char ic with _ -> print_endline "read past end?" | exception End_of_file -> print_endline "input_char: End_of_file");
  Printf.printf "input at end returns %d\n" (input ic buf 0 8);
  (match really_input_string ic 1 with _ -> () | exception End_of_file -> print_endline "really_input_string: End_of_file");
  seek_in ic 0;
  Printf.printf "input_byte %d\n" (input_byte ic);
  close_in ic;
  close_in_noerr ic;
  (* append mode *)
  let oc = open_out_gen [ Open_append; Open_wronly ] 0o644 name in
  output_string oc "\nappended";
  close_out oc;
  let ic = open_in_bin name in
  let len = in_channel_length ic in
  let all = really_input_string ic len in
  close_in ic;
  Printf.printf "after append: %d bytes, ends with %S\n" len (String.sub all (len - 9) 9);
  (* truncate with Open_trunc, seek_out to overwrite *)
  let oc = open_out_gen [ Open_wronly; Open_trunc; Open_binary ] 0o644 name in
  output_string oc "0123456789";
  seek_out oc 3;
  output_string oc "abc";
  Printf.printf "pos_out after overwrite: %d, out_channel_length %d\n" (pos_out oc) (out_channel_length oc);
  close_out oc;
  let ic = open_in_bin name in
  Printf.printf "overwritten: %S\n" (really_input_string ic (in_channel_length ic));
  close_in ic;
  (* binary data with all byte values, and CRLF kept as is *)
  let oc = open_out_bin name in
  for i = 0 to 255 do output_byte oc i done;
  output_string oc "\r\nend\r\n";
  output_binary_int oc 0x12345678;
  output_binary_int oc (-2);
  close_out oc;
  let ic = open_in_bin name in
  let bytes = really_input_string ic 256 in
  let ok = ref true in
  String.iteri (fun i c -> if Char.code c <> i then ok := false) bytes;
  Printf.printf "256 byte values intact: %b\n" !ok;
  Printf.printf "crlf line: %S\n" (input_line ic);
  Printf.printf "next: %S\n" (really_input_string ic 5);
  let i1 = input_binary_int ic in
  let i2 = input_binary_int ic in
  Printf.printf "binary ints: %x %d\n" i1 i2;
  close_in ic;
  (* a file larger than the channel buffer (64 KiB) *)
  let oc = open_out_bin name in
  for i = 0 to 99_999 do output_string oc (Printf.sprintf "%06d\n" i) done;
  close_out oc;
  let ic = open_in_bin name in
  let count = ref 0 and sum = ref 0 in
  (try while true do let l = input_line ic in incr count; sum := !sum + int_of_string l done with End_of_file -> ());
  Printf.printf "big file: %d lines, sum %d, length %d\n" !count !sum (in_channel_length ic);
  seek_in ic 350_000;
  Printf.printf "line at 350000: %S\n" (input_line ic);
  close_in ic;
  Sys.remove name;
  (* errors *)
  (match open_in "/nonexistent/dir/file" with
   | _ -> print_endline "opened?"
   | exception Sys_error m -> Printf.printf "Sys_error: %s\n" m);
  (match open_out "/nonexistent/dir/file" with
   | _ -> print_endline "opened?"
   | exception Sys_error m -> Printf.printf "Sys_error: %s\n" m);
  (match Sys.remove name with
   | () -> print_endline "removed twice?"
   | exception Sys_error _ -> print_endline "Sys_error removing a missing file");
  let oc = open_out_bin name in
  close_out oc;
  (match output_string oc "x" with
   | () -> print_endline "wrote to closed channel without error (buffered)"
   | exception Sys_error m -> Printf.printf "write to closed channel: Sys_error %s\n" m);
  Sys.remove name
