(* Buffer: growth from tiny initial sizes, add_* functions, sub/blit/nth/truncate/reset,
   UTF-8/16 adders, binary integer adders, add_substitute, Buffer to channel, and seqs. *)

let () =
  let b = Buffer.create 1 in
  for i = 0 to 999 do Buffer.add_string b (string_of_int i) done;
  Printf.printf "length %d, first 20 %S, last 10 %S\n" (Buffer.length b) (Buffer.sub b 0 20)
    (Buffer.sub b (Buffer.length b - 10) 10);
  Printf.printf "nth 100 = %c\n" (Buffer.nth b 100);
  Buffer.truncate b 15;
  Printf.printf "truncated: %S\n" (Buffer.contents b);
  Buffer.add_char b '!';
  Buffer.add_substring b "hello world" 6 5;
  Buffer.add_bytes b (Bytes.of_string "<bytes>");
  Buffer.add_subbytes b (Bytes.of_string "0123456789") 3 4;
  Printf.printf "after adds: %S\n" (Buffer.contents b);
  let dst = Bytes.make 10 '.' in
  Buffer.blit b 2 dst 3 5;
  Printf.printf "blit: %S\n" (Bytes.to_string dst);
  Buffer.clear b;
  Printf.printf "cleared length %d\n" (Buffer.length b);
  Buffer.add_utf_8_uchar b (Uchar.of_int 0x41);
  Buffer.add_utf_8_uchar b (Uchar.of_int 0xe9);
  Buffer.add_utf_8_uchar b (Uchar.of_int 0x20ac);
  Buffer.add_utf_8_uchar b (Uchar.of_int 0x1f600);
  Printf.printf "utf-8: %S (%d bytes)\n" (Buffer.contents b) (Buffer.length b);
  let b16 = Buffer.create 4 in
  Buffer.add_utf_16le_uchar b16 (Uchar.of_int 0x1f600);
  Buffer.add_utf_16be_uchar b16 (Uchar.of_int 0x20ac);
  Printf.printf "utf-16: %S\n" (Buffer.contents b16);
  let bin = Buffer.create 8 in
  Buffer.add_uint8 bin 255; Buffer.add_int8 bin (-2);
  Buffer.add_uint16_le bin 0x1234; Buffer.add_uint16_be bin 0x1234;
  Buffer.add_int16_le bin (-2);
  Buffer.add_int32_le bin 0x01020304l; Buffer.add_int32_be bin (-1l);
  Buffer.add_int64_le bin 0x0102030405060708L; Buffer.add_int64_be bin Int64.min_int;
  Printf.printf "binary: %S\n" (Buffer.contents bin);
  let subst = Buffer.create 16 in
  Buffer.add_substitute subst (function "name" -> "World" | "n" -> "42" | v -> "<" ^ v ^ ">")
    "Hello $name, n=$n, braces ${name}s, paren $(other), dollar \\$ end";
  print_endline (Buffer.contents subst);
  let b2 = Buffer.create 4 in
  Buffer.add_buffer b2 subst;
  Buffer.add_seq b2 (String.to_seq "+seq");
  Printf.printf "add_buffer/add_seq: %d chars, ends %S\n" (Buffer.length b2) (Buffer.sub b2 (Buffer.length b2 - 8) 8);
  Printf.printf "to_seq count: %d\n" (Seq.length (Buffer.to_seq b2));
  Printf.printf "to_bytes equal: %b\n" (Bytes.to_string (Buffer.to_bytes b2) = Buffer.contents b2);
  Buffer.reset b2;
  Printf.printf "reset length %d\n" (Buffer.length b2);
  (* growth to a few megabytes *)
  let big = Buffer.create 16 in
  for _ = 1 to 100_000 do Buffer.add_string big "0123456789abcdef" done;
  Printf.printf "big: %d, char at 1234567: %c\n" (Buffer.length big) (Buffer.nth big 1234567);
  (* Buffer.output_buffer to stdout *)
  let out = Buffer.create 16 in
  Buffer.add_string out "output_buffer works\n";
  Buffer.output_buffer stdout out;
  (* add_channel from a file we write *)
  let name = Filename.temp_file "warden" ".txt" in
  let oc = open_out_bin name in
  output_string oc "channel data 0123456789";
  close_out oc;
  let ic = open_in_bin name in
  let fromc = Buffer.create 4 in
  Buffer.add_channel fromc ic 12;
  (try Buffer.add_channel fromc ic 100 with End_of_file -> print_endline "add_channel: End_of_file (partial data kept)");
  close_in ic;
  Sys.remove name;
  Printf.printf "from channel: %S\n" (Buffer.contents fromc);
  (* get integers back *)
  let s = Buffer.contents bin in
  Printf.printf "String.get_int32_le: %lx, get_int64_be: %Lx\n" (String.get_int32_le s 7) (String.get_int64_be s 23)
