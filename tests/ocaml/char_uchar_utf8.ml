(* Char, Uchar and UTF-8 decoding of strings: Char functions over all 256 codes,
   Uchar validity and conversions, decoding a mixed UTF-8 text with
   String.get_utf_8_uchar (including invalid sequences and replacement characters),
   and re-encoding with Buffer. *)

let () =
  let lower = ref 0 and upper = ref 0 and escaped_len = ref 0 in
  for i = 0 to 255 do
    let c = Char.chr i in
    if Char.lowercase_ascii c <> c then incr upper;
    if Char.uppercase_ascii c <> c then incr lower;
    escaped_len := !escaped_len + String.length (Char.escaped c)
  done;
  Printf.printf "upper %d lower %d total escaped length %d\n" !upper !lower !escaped_len;
  List.iter (fun c -> Printf.printf "%d:%s " (Char.code c) (Char.escaped c)) [ 'a'; '\n'; '\t'; '\\'; '\''; '"'; '\000'; '\127'; '\200'; ' ' ];
  print_newline ();
  Printf.printf "compare %d equal %b\n" (Char.compare 'a' 'b') (Char.equal 'x' 'x');
  (* Uchar *)
  let u = Uchar.of_int 0x1F600 in
  Printf.printf "uchar %d valid %b %b %b, is_char %b, min %x max %x bom %x rep %x\n" (Uchar.to_int u) (Uchar.is_valid 0xD7FF)
    (Uchar.is_valid 0xD800) (Uchar.is_valid 0x110000) (Uchar.is_char u) (Uchar.to_int Uchar.min) (Uchar.to_int Uchar.max)
    (Uchar.to_int Uchar.bom) (Uchar.to_int Uchar.rep);
  Printf.printf "succ %x pred %x of_char %x to_char %c utf_8_byte_length %d utf_16_byte_length %d\n"
    (Uchar.to_int (Uchar.succ (Uchar.of_int 0xD7FF))) (Uchar.to_int (Uchar.pred (Uchar.of_int 0xE000)))
    (Uchar.to_int (Uchar.of_char '\255')) (Uchar.to_char (Uchar.of_int 65)) (Uchar.utf_8_byte_length u) (Uchar.utf_16_byte_length u);
  (match Uchar.to_char u with _ -> () | exception Invalid_argument m -> Printf.printf "to_char: %s\n" m);
  (match Uchar.succ Uchar.max with _ -> () | exception Invalid_argument m -> Printf.printf "succ max: %s\n" m);
  (* decode a text *)
  let text = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xff bad \xc3 trunc \xe2\x82 \xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big \xc0\xaf overlong" in
  Printf.printf "valid utf-8: %b\n" (String.is_valid_utf_8 text);
  let i = ref 0 in
  let b = Buffer.create 64 in
  while !i < String.length text do
    let d = String.get_utf_8_uchar text !i in
    let cp = Uchar.to_int (Uchar.utf_decode_uchar d) in
    let n = Uchar.utf_decode_length d in
    if Uchar.utf_decode_is_valid d then (if cp > 127 then Printf.printf "[%d: U+%04X len %d]\n" !i cp n)
    else Printf.printf "[%d: invalid, len %d, replacement U+%04X]\n" !i n cp;
    Buffer.add_utf_8_uchar b (Uchar.utf_decode_uchar d);
    i := !i + n
  done;
  let clean = Buffer.contents b in
  Printf.printf "cleaned valid: %b, length %d\n" (String.is_valid_utf_8 clean) (String.length clean);
  (* count code points and re-encode as UTF-16 *)
  let count s = let n = ref 0 and i = ref 0 in
    while !i < String.length s do incr n; i := !i + Uchar.utf_decode_length (String.get_utf_8_uchar s !i) done; !n in
  Printf.printf "code points: %d\n" (count clean);
  let b16 = Buffer.create 64 in
  let i = ref 0 in
  while !i < String.length clean do
    let d = String.get_utf_8_uchar clean !i in
    Buffer.add_utf_16be_uchar b16 (Uchar.utf_decode_uchar d);
    i := !i + Uchar.utf_decode_length d
  done;
  let s16 = Buffer.contents b16 in
  Printf.printf "utf-16be length %d valid %b\n" (String.length s16) (String.is_valid_utf_16be s16);
  let d = String.get_utf_16be_uchar s16 6 in
  Printf.printf "utf-16 decode at 6: U+%04X len %d\n" (Uchar.to_int (Uchar.utf_decode_uchar d)) (Uchar.utf_decode_length d);
  let d = String.get_utf_16le_uchar "\x00\xd8" 0 in
  Printf.printf "lone surrogate in utf-16le: valid %b len %d\n" (Uchar.utf_decode_is_valid d) (Uchar.utf_decode_length d);
  (* utf_decode constructors *)
  let dd = Uchar.utf_decode 3 (Uchar.of_int 0x20AC) and inv = Uchar.utf_decode_invalid 2 in
  Printf.printf "utf_decode: %d %b / %d %b\n" (Uchar.utf_decode_length dd) (Uchar.utf_decode_is_valid dd) (Uchar.utf_decode_length inv) (Uchar.utf_decode_is_valid inv)
