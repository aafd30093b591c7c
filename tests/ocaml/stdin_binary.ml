(* Reading stdin as binary: set_binary_mode_in, input_char/input_byte, really_input_string,
   input with a small buffer, and In_channel.input_all for the rest. The stdin file
   contains NUL bytes, all 256 byte values and a trailing text part. *)

let () =
  set_binary_mode_in stdin true;
  let magic = really_input_string stdin 4 in
  Printf.printf "magic %S\n" magic;
  let b1 = input_byte stdin in
  let c = input_char stdin in
  Printf.printf "byte %d char %C\n" b1 c;
  let buf = Bytes.create 7 in
  let n = input stdin buf 0 7 in
  Printf.printf "input: %d bytes %S\n" n (Bytes.sub_string buf 0 n);
  let table = really_input_string stdin 256 in
  let ok = ref true in
  String.iteri (fun i ch -> if Char.code ch <> i then ok := false) table;
  Printf.printf "256-byte table intact: %b\n" !ok;
  let rest = In_channel.input_all stdin in
  Printf.printf "rest: %d bytes: %S\n" (String.length rest) rest;
  Printf.printf "input_all again: %S\n" (In_channel.input_all stdin);
  (match input_byte stdin with _ -> print_endline "more?" | exception End_of_file -> print_endline "End_of_file")
