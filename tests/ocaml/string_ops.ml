(* String functions: split_on_char, concat, trim, index/rindex/contains, sub, map/mapi,
   uppercase/lowercase/capitalize, escaped, starts_with/ends_with, compare/equal, fold,
   exists/for_all, cat, iteri, to_seq, binary getters, and string_of_* conversions. *)

let q s = Printf.sprintf "%S" s

let () =
  let s = "  Hello, World! The quick brown fox.  " in
  Printf.printf "length %d trim %s\n" (String.length s) (q (String.trim s));
  Printf.printf "split ' ': [%s]\n" (String.concat "|" (String.split_on_char ' ' s));
  Printf.printf "split ',': [%s]\n" (String.concat "|" (String.split_on_char ',' "a,b,,c,"));
  Printf.printf "split empty: %d pieces\n" (List.length (String.split_on_char ',' ""));
  Printf.printf "concat: %s\n" (String.concat ", " [ "x"; "y"; "z" ]);
  Printf.printf "upper %s lower %s cap %s uncap %s\n" (String.uppercase_ascii "abcXYZ\xe9") (String.lowercase_ascii "ABCxyz\xc9")
    (String.capitalize_ascii "hello") (String.uncapitalize_ascii "HELLO");
  Printf.printf "index %d rindex %d index_from %d rindex_from %d\n" (String.index s 'o') (String.rindex s 'o')
    (String.index_from s 10 'o') (String.rindex_from s 10 'o');
  Printf.printf "index_opt %s contains %b contains_from %b rcontains_from %b\n"
    (match String.index_opt s 'Z' with None -> "None" | Some i -> string_of_int i) (String.contains s 'W')
    (String.contains_from s 20 'H') (String.rcontains_from s 5 'H');
  Printf.printf "sub %s\n" (q (String.sub s 2 5));
  Printf.printf "map %s mapi %s\n" (String.map (fun c -> if c = 'o' then '0' else c) "foo boo")
    (String.mapi (fun i c -> if i mod 2 = 0 then Char.uppercase_ascii c else c) "abcdefg");
  Printf.printf "escaped %s\n" (String.escaped "tab\there \"quotes\" back\\slash \n nl \001 \255 é");
  Printf.printf "starts_with %b %b ends_with %b %b\n" (String.starts_with ~prefix:"  He" s) (String.starts_with ~prefix:"He" s)
    (String.ends_with ~suffix:".  " s) (String.ends_with ~suffix:"x" s);
  Printf.printf "compare %d %d %d equal %b\n" (String.compare "abc" "abd") (String.compare "b" "abc") (String.compare "" "")
    (String.equal "x" (String.make 1 'x'));
  Printf.printf "compare prefix: %d %d\n" (compare "abc" "abcd") (compare "abcd" "abc");
  Printf.printf "fold_left %d fold_right %s\n" (String.fold_left (fun acc c -> acc + Char.code c) 0 "abc")
    (String.fold_right (fun c acc -> acc ^ String.make 1 c) "abc" "");
  Printf.printf "exists %b for_all %b\n" (String.exists (fun c -> c = '!') s) (String.for_all (fun c -> c <> '\n') s);
  Printf.printf "cat %s make %s init %s\n" (String.cat "ab" "cd") (String.make 3 'z') (String.init 5 (fun i -> Char.chr (97 + i)));
  String.iteri (fun i c -> if i < 3 then Printf.printf "[%d:%c]" i c) "xyz!";
  print_newline ();
  Printf.printf "to_seq length %d, of_seq %s\n" (Seq.length (String.to_seq s)) (String.of_seq (List.to_seq [ 'o'; 'k' ]));
  Printf.printf "get_uint8 %d get_int8 %d get_uint16_le %d get_int16_be %d get_int32_le %ld get_int64_be %Ld\n"
    (String.get_uint8 "\255" 0) (String.get_int8 "\255" 0) (String.get_uint16_le "\001\002" 0) (String.get_int16_be "\255\254" 0)
    (String.get_int32_le "\001\000\000\128" 0) (String.get_int64_be "\000\000\000\000\000\000\001\000" 0);
  Printf.printf "string_of_int %s string_of_bool %s string_of_float %s\n" (string_of_int (-17)) (string_of_bool true) (string_of_float 2.);
  Printf.printf "bool_of_string %b int_of_char %d\n" (bool_of_string "false") (int_of_char 'A');
  Printf.printf "^ and length: %d\n" (String.length ("abc" ^ String.make 100 ' '));
  Printf.printf "empty %s, is empty %b\n" (q String.empty) (String.length String.empty = 0);
  (* strings are immutable: Bytes copies are independent *)
  let b = Bytes.of_string "immutable" in
  Bytes.set b 0 'I';
  let s2 = Bytes.to_string b in
  Bytes.set b 1 'M';
  Printf.printf "copies: %s %s\n" s2 (Bytes.to_string b);
  (* split and join a CSV-like text *)
  let text = "name,age,city\nalice,30,paris\nbob,25,\"new york\"\n" in
  let rows = List.filter (fun l -> l <> "") (String.split_on_char '\n' text) in
  List.iter (fun row -> Printf.printf "%d fields: %s\n" (List.length (String.split_on_char ',' row)) (String.concat " | " (String.split_on_char ',' row))) rows;
  (* word frequency *)
  let words = String.split_on_char ' ' "the cat and the dog and the bird" in
  let h = Hashtbl.create 8 in
  List.iter (fun w -> Hashtbl.replace h w (1 + Option.value ~default:0 (Hashtbl.find_opt h w))) words;
  let counts = List.sort compare (Hashtbl.fold (fun w c acc -> (w, c) :: acc) h []) in
  print_endline (String.concat ", " (List.map (fun (w, c) -> Printf.sprintf "%s=%d" w c) counts));
  (* hash-consed literals are shared; equal strings built differently are equal but not physically *)
  let a = "lit" and b = "lit" in
  let c = String.concat "" [ "l"; "it" ] in
  Printf.printf "a = c %b, a == c %b, a = b %b\n" (a = c) (a == c) (a = b)
