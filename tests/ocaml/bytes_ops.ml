(* Bytes: create/make/init, get/set, blit (overlapping), fill, sub, extend, cat,
   index, map, unsafe conversions, binary setters and getters of every width and
   endianness, UTF-8/16 encoders and validators, and iteration. *)

let hex b = String.concat "" (List.map (fun c -> Printf.sprintf "%02x" (Char.code c)) (List.of_seq (Bytes.to_seq b)))

let () =
  let b = Bytes.make 10 '-' in
  Bytes.set b 0 'A';
  Bytes.set b 9 'Z';
  Printf.printf "make/set: %s\n" (Bytes.to_string b);
  Bytes.blit_string "hello" 0 b 2 5;
  Printf.printf "blit_string: %s\n" (Bytes.to_string b);
  Bytes.blit b 2 b 4 5;
  Printf.printf "overlap right: %s\n" (Bytes.to_string b);
  Bytes.blit b 4 b 1 5;
  Printf.printf "overlap left: %s\n" (Bytes.to_string b);
  Bytes.fill b 3 4 '*';
  Printf.printf "fill: %s\n" (Bytes.to_string b);
  Printf.printf "sub: %s, sub_string: %s\n" (Bytes.to_string (Bytes.sub b 1 3)) (Bytes.sub_string b 5 5);
  Printf.printf "extend: %S %S\n" (Bytes.to_string (Bytes.extend (Bytes.of_string "abc") 1 2 |> fun x -> Bytes.fill x 0 1 '<'; Bytes.fill x 4 2 '>'; x))
    (Bytes.to_string (Bytes.extend (Bytes.of_string "abcdef") (-2) (-1)));
  Printf.printf "cat: %s, init: %s\n" (Bytes.to_string (Bytes.cat (Bytes.of_string "ab") (Bytes.of_string "cd")))
    (Bytes.to_string (Bytes.init 6 (fun i -> Char.chr (48 + i))));
  Printf.printf "index %d rindex %d contains %b\n" (Bytes.index b '*') (Bytes.rindex b '*') (Bytes.contains b 'Z');
  Printf.printf "map %s uppercase %s\n" (Bytes.to_string (Bytes.map Char.lowercase_ascii b)) (Bytes.to_string (Bytes.uppercase_ascii (Bytes.of_string "mixed Case")));
  Printf.printf "equal %b compare %d\n" (Bytes.equal (Bytes.of_string "x") (Bytes.of_string "x")) (Bytes.compare (Bytes.of_string "a") (Bytes.of_string "b"));
  let w = Bytes.make 32 '\000' in
  Bytes.set_uint8 w 0 200; Bytes.set_int8 w 1 (-100);
  Bytes.set_uint16_le w 2 0xBEEF; Bytes.set_uint16_be w 4 0xBEEF; Bytes.set_int16_ne w 6 (-2);
  Bytes.set_int32_le w 8 0x12345678l; Bytes.set_int32_be w 12 0x12345678l;
  Bytes.set_int64_le w 16 0x0123456789ABCDEFL; Bytes.set_int64_be w 24 (-2L);
  Printf.printf "binary: %s\n" (hex w);
  Printf.printf "get: %d %d %x %x %d %lx %lx %Lx %Ld\n" (Bytes.get_uint8 w 0) (Bytes.get_int8 w 1) (Bytes.get_uint16_le w 2)
    (Bytes.get_uint16_be w 4) (Bytes.get_int16_ne w 6) (Bytes.get_int32_le w 8) (Bytes.get_int32_be w 12)
    (Bytes.get_int64_le w 16) (Bytes.get_int64_be w 24);
  Printf.printf "signed 16: %d %d, unsigned 16: %d\n" (Bytes.get_int16_le w 2) (Bytes.get_int16_be w 4) (Bytes.get_uint16_le w 6);
  Printf.printf "unaligned int32 at 1: %lx, int64 at 3: %Lx\n" (Bytes.get_int32_le w 1) (Bytes.get_int64_be w 3);
  (* UTF encoders *)
  let u = Bytes.create 4 in
  List.iter (fun cp ->
      let n = Bytes.set_utf_8_uchar u 0 (Uchar.of_int cp) in
      let d = Bytes.get_utf_8_uchar u 0 in
      Printf.printf "U+%04X utf-8 %d bytes %s, decodes to U+%04X valid %b len %d\n" cp n (hex (Bytes.sub u 0 n))
        (Uchar.to_int (Uchar.utf_decode_uchar d)) (Uchar.utf_decode_is_valid d) (Uchar.utf_decode_length d))
    [ 0x24; 0xA2; 0x939; 0x20AC; 0xD55C; 0x10348; 0x10FFFF ];
  let u16 = Bytes.create 4 in
  let n = Bytes.set_utf_16be_uchar u16 0 (Uchar.of_int 0x1F600) in
  Printf.printf "utf-16be of U+1F600: %d bytes %s\n" n (hex u16);
  let n = Bytes.set_utf_16le_uchar u16 0 (Uchar.of_int 0xE9) in
  Printf.printf "utf-16le of U+00E9: %d bytes %s\n" n (hex (Bytes.sub u16 0 n));
  Printf.printf "set_utf_8_uchar without room: %d\n" (Bytes.set_utf_8_uchar (Bytes.create 1) 0 (Uchar.of_int 0x20AC));
  Printf.printf "is_valid_utf_8 %b %b, is_valid_utf_16be %b\n" (Bytes.is_valid_utf_8 (Bytes.of_string "h\xc3\xa9llo"))
    (Bytes.is_valid_utf_8 (Bytes.of_string "\xc3\x28")) (Bytes.is_valid_utf_16be (Bytes.of_string "\xd8\x3d\xde\x00"));
  let acc = ref 0 in
  Bytes.iteri (fun i c -> acc := !acc + i * Char.code c) (Bytes.of_string "weights");
  Printf.printf "iteri: %d\n" !acc;
  Printf.printf "fold: %d, exists %b, for_all %b\n" (Bytes.fold_left (fun a c -> a + Char.code c) 0 (Bytes.of_string "abc"))
    (Bytes.exists (fun c -> c = 'b') (Bytes.of_string "abc")) (Bytes.for_all (fun c -> c < 'z') (Bytes.of_string "abc"));
  Printf.printf "split_on_char via string: %d\n" (List.length (String.split_on_char 'a' (Bytes.to_string (Bytes.of_string "banana"))));
  Printf.printf "trim %S escaped %S\n" (Bytes.to_string (Bytes.trim (Bytes.of_string "\t x \n"))) (Bytes.to_string (Bytes.escaped (Bytes.of_string "a\nb\"")));
  Printf.printf "starts_with %b ends_with %b\n" (Bytes.starts_with ~prefix:(Bytes.of_string "ba") (Bytes.of_string "banana"))
    (Bytes.ends_with ~suffix:(Bytes.of_string "na") (Bytes.of_string "banana"))
