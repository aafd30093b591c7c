(* Digest: MD5 of strings, substrings, bytes, channels and files; to_hex/of_hex/from_hex
   and their errors; compare/equal; output/input; and the BLAKE2 variants (BLAKE128,
   BLAKE256, BLAKE512) through the same interface, on the standard test strings. *)

let inputs = [ ""; "a"; "abc"; "message digest"; "abcdefghijklmnopqrstuvwxyz";
               "The quick brown fox jumps over the lazy dog"; String.make 1000 'x';
               String.init 256 Char.chr ]

let () =
  List.iter (fun s -> Printf.printf "md5 %-16S %s\n" (if String.length s > 14 then String.sub s 0 14 ^ ".." else s) (Digest.to_hex (Digest.string s))) inputs;
  Printf.printf "MD5 module agrees: %b\n" (List.for_all (fun s -> Digest.MD5.to_hex (Digest.MD5.string s) = Digest.to_hex (Digest.string s)) inputs);
  Printf.printf "substring: %s\n" (Digest.to_hex (Digest.substring "xxabcxx" 2 3));
  Printf.printf "bytes: %s, subbytes %s\n" (Digest.to_hex (Digest.bytes (Bytes.of_string "abc"))) (Digest.to_hex (Digest.subbytes (Bytes.of_string "-abc-") 1 3));
  let d = Digest.string "abc" in
  Printf.printf "raw length %d, of_hex roundtrip %b, from_hex roundtrip %b\n" (String.length d) (Digest.of_hex (Digest.to_hex d) = d)
    (Digest.from_hex (String.uppercase_ascii (Digest.to_hex d)) = d);
  (match Digest.of_hex "zz" with _ -> () | exception Invalid_argument m -> Printf.printf "of_hex bad: %s\n" m);
  (match Digest.from_hex (String.make 32 'g') with _ -> () | exception Invalid_argument m -> Printf.printf "from_hex bad: %s\n" m);
  Printf.printf "compare %d equal %b\n" (Digest.compare (Digest.string "a") (Digest.string "b")) (Digest.equal d (Digest.string "abc"));
  let name = Filename.temp_file "warden_digest" ".bin" in
  let oc = open_out_bin name in
  for i = 0 to 99_999 do output_char oc (Char.chr (i land 255)) done;
  Digest.output oc d;
  close_out oc;
  Printf.printf "file: %s\n" (Digest.to_hex (Digest.file name));
  let ic = open_in_bin name in
  Printf.printf "channel 1000: %s\n" (Digest.to_hex (Digest.channel ic 1000));
  seek_in ic 100_000;
  Printf.printf "input back: %b\n" (Digest.input ic = d);
  seek_in ic 0;
  Printf.printf "channel -1 (to end): %s\n" (Digest.to_hex (Digest.channel ic (-1)));
  close_in ic;
  List.iter (fun (name, f) -> List.iter (fun s -> Printf.printf "%s %-8S %s\n" name (if String.length s > 6 then String.sub s 0 6 else s) (f s)) [ ""; "abc"; String.make 1000 'x' ])
    [ ("blake128", fun s -> Digest.BLAKE128.to_hex (Digest.BLAKE128.string s));
      ("blake256", fun s -> Digest.BLAKE256.to_hex (Digest.BLAKE256.string s));
      ("blake512", fun s -> Digest.BLAKE512.to_hex (Digest.BLAKE512.string s)) ];
  Printf.printf "hash lengths %d %d %d %d\n" Digest.BLAKE128.hash_length Digest.BLAKE256.hash_length Digest.BLAKE512.hash_length Digest.MD5.hash_length;
  Printf.printf "blake512 file: %s\n" (Digest.BLAKE512.to_hex (Digest.BLAKE512.file name));
  Printf.printf "blake256 substring: %s\n" (Digest.BLAKE256.to_hex (Digest.BLAKE256.substring "xxabcxx" 2 3));
  Sys.remove name
