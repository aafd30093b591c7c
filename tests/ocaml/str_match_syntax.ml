(* Str: the regexp syntax (characters, classes, repetition, alternation, groups,
   back-references, anchors, word boundaries, case folding, quoting) and the
   match positions, through Str.string_match and Str.string_partial_match. *)

let show_groups n text =
  let b = Buffer.create 32 in
  for i = 0 to n do
    let item =
      match Str.matched_group i text with
      | s ->
          Printf.sprintf "%d:%S@%d-%d" i s (Str.group_beginning i) (Str.group_end i)
      | exception Not_found -> Printf.sprintf "%d:-" i
      | exception Invalid_argument m -> Printf.sprintf "%d:!%s" i m
    in
    if i > 0 then Buffer.add_char b ' ';
    Buffer.add_string b item
  done;
  Buffer.contents b

(* [m pattern text pos ngroups]: does the pattern match at [pos]? *)
let m ?(fold = false) pat text pos ngroups =
  let re = if fold then Str.regexp_case_fold pat else Str.regexp pat in
  match Str.string_match re text pos with
  | true -> Printf.printf "%-24S %-20S %d: %s\n" pat text pos (show_groups ngroups text)
  | false -> Printf.printf "%-24S %-20S %d: no\n" pat text pos
  | exception Invalid_argument msg ->
      Printf.printf "%-24S %-20S %d: Invalid_argument %S\n" pat text pos msg

let p pat text pos ngroups =
  let re = Str.regexp pat in
  match Str.string_partial_match re text pos with
  | true -> Printf.printf "partial %-18S %-14S %d: %s\n" pat text pos (show_groups ngroups text)
  | false -> Printf.printf "partial %-18S %-14S %d: no\n" pat text pos
  | exception Invalid_argument msg ->
      Printf.printf "partial %-18S %-14S %d: Invalid_argument %S\n" pat text pos msg

let () =
  print_endline "-- characters and strings";
  m "abc" "abcdef" 0 0;
  m "abc" "xabcdef" 0 0;
  m "abc" "xabcdef" 1 0;
  m "abc" "ab" 0 0;
  m "" "anything" 3 0;
  m "" "" 0 0;
  m "a.c" "a\nc" 0 0;
  m "a.c" "a-c" 0 0;
  m "a\\.c" "a.c" 0 0;
  m "a\\.c" "abc" 0 0;
  m "a\000b" "a\000b" 0 0;
  m "x\000" "x\000" 0 0;
  m "\\*" "*" 0 0;
  m "a\\" "a\\" 0 0;
  m "\\q" "q" 0 0;
  print_endline "-- positions out of range";
  m "a" "abc" (-1) 0;
  m "a" "abc" 4 0;
  m "" "abc" 3 0;
  m "$" "abc" 3 0;
  print_endline "-- character classes";
  m "[abc]+" "cabbage" 0 0;
  m "[a-z]+" "hello World" 0 0;
  m "[^a-z]+" "HELLO world" 0 0;
  m "[]a]+" "a]a]b" 0 0;
  m "[^]a]+" "xyz]" 0 0;
  m "[a-]+" "a-a-b" 0 0;
  m "[0-9a-fA-F]+" "DEADbeef42xyz" 0 0;
  m "[^\n]*" "line one\nline two" 0 0;
  m "[\\]+" "\\\\x" 0 0;
  m "[z-a]" "m" 0 0;
  m "[.]" "x" 0 0;
  m "[.]" "." 0 0;
  m "[\128-\255]+" "\200\201abc" 0 0;
  print_endline "-- repetition";
  m "a*" "aaab" 0 0;
  m "a*" "baaa" 0 0;
  m "a+" "baaa" 0 0;
  m "a+" "aaab" 0 0;
  m "ab?c" "ac" 0 0;
  m "ab?c" "abc" 0 0;
  m "ab?c" "abbc" 0 0;
  m "a*ab" "aaaab" 0 0;
  m "a+a" "aaaa" 0 0;
  m "[ab]*b" "ababab" 0 0;
  m "[ab]*c" "ababab" 0 0;
  m ".*foo" "xfooyfoo" 0 0;
  m "a**" "aaa" 0 0;
  m "a+?" "aaa" 0 0;
  m "x?*" "xxxy" 0 0;
  m "*a" "*a" 0 0;
  m "+" "+" 0 0;
  print_endline "-- alternation and groups";
  m "cat\\|dog" "dogs" 0 0;
  m "cat\\|dog" "cats" 0 0;
  m "cat\\|dog" "cow" 0 0;
  m "\\(a\\|ab\\)c" "abc" 0 1;
  m "\\(a\\|ab\\)\\(c\\|bcd\\)" "abcd" 0 2;
  m "\\(a*\\)\\(b*\\)\\(c*\\)" "aabbbd" 0 3;
  m "\\(a\\)\\|\\(b\\)" "b" 0 2;
  m "\\(a\\)\\|\\(b\\)" "a" 0 2;
  m "\\(x\\)?y" "y" 0 1;
  m "\\(\\(a\\)\\(b\\)\\)+" "ababab" 0 3;
  m "\\(a\\|b\\)*" "abba" 0 1;
  m "\\(\\)" "" 0 1;
  m "\\(a*\\)*" "aaa" 0 1;
  m "\\(a*\\)+" "aaa" 0 1;
  m "\\(a*\\)*b" "aab" 0 1;
  m "\\(a?\\)*\\(b\\)" "aab" 0 2;
  m "\\(a\\)\\(b\\)\\(c\\)\\(d\\)\\(e\\)\\(f\\)\\(g\\)\\(h\\)\\(i\\)\\(j\\)\\(k\\)\\(l\\)"
    "abcdefghijkl" 0 12;
  m "\\(\\(\\(\\(\\(\\(\\(\\(\\(\\(\\(x\\)\\)\\)\\)\\)\\)\\)\\)\\)\\)\\)" "x" 0 11;
  print_endline "-- back-references";
  m "\\(a+\\)b\\1" "aabaa" 0 1;
  m "\\(a+\\)b\\1" "aaba" 0 1;
  m "\\(a+\\)b\\1$" "aaaba" 0 1;
  m "\\([a-z]*\\) \\1" "hello hello" 0 1;
  m "\\([a-z]*\\) \\1" "hello help" 0 1;
  m "\\(a\\)\\|b\\1" "b" 0 1;
  m "\\2\\(a\\)\\(b\\)" "ab" 0 2;
  m "\\(.\\)\\1" "xx" 0 1;
  m "\\(.\\)\\1" "x" 0 1;
  m "\\(a\\)\\(b\\)\\2\\1" "abba" 0 2;
  m ~fold:true "\\(a\\)\\1" "aA" 0 1;
  print_endline "-- anchors";
  m "^abc" "abc" 0 0;
  m "^abc" "xabc" 1 0;
  m "^abc" "x\nabc" 2 0;
  m "abc$" "abc" 0 0;
  m "abc$" "abc\nx" 0 0;
  m "abc$" "abcd" 0 0;
  m "^$" "" 0 0;
  m "^$" "a\n\nb" 2 0;
  m "a^b" "a^b" 0 0;
  m "a$b" "a$b" 0 0;
  m "\\(^a\\)*" "aaa" 0 1;
  print_endline "-- word boundaries";
  m "\\bfoo\\b" "foo bar" 0 0;
  m "\\bfoo\\b" "foobar" 0 0;
  m "foo\\b" "foo" 0 0;
  m "foo\\b" "foo_" 0 0;
  m "foo\\b" "foo-" 0 0;
  m " \\bbar" " bar" 0 0;
  m " \\bbar" "  bar" 1 0;
  m "\\b" "" 0 0;
  m "\\b" "a" 0 0;
  m "\\b" " " 0 0;
  m "x\\b\233" "x\233" 0 0;
  m "x\\b\215" "x\215" 0 0;
  m "x\\b\247" "x\247" 0 0;
  m "1\\b2" "12" 0 0;
  print_endline "-- case folding";
  m ~fold:true "hello" "HeLLo" 0 0;
  m ~fold:true "HELLO" "hello" 0 0;
  m ~fold:true "h" "H" 0 0;
  m ~fold:true "[a-c]+" "ABCabcD" 0 0;
  m ~fold:true "[^a-c]+" "xyzABC" 0 0;
  m ~fold:true "\233t\233" "\201T\201" 0 0;
  m ~fold:true "\215" "\247" 0 0;
  m ~fold:true "\223" "\223" 0 0;
  m ~fold:true "\255" "\223" 0 0;
  m ~fold:true "[\192-\222]+" "\224\254" 0 0;
  m ~fold:true "a*b" "AAAB" 0 0;
  m ~fold:true "a\000B" "A\000b" 0 0;
  m "hello" "HELLO" 0 0;
  print_endline "-- quote and regexp_string";
  let q = Str.quote "a.b*c+d?e[f]g^h$i\\j|k(l)" in
  Printf.printf "quote: %S\n" q;
  Printf.printf "quoted matches itself: %b\n"
    (Str.string_match (Str.regexp q) "a.b*c+d?e[f]g^h$i\\j|k(l)" 0);
  Printf.printf "quoted: %b\n" (Str.string_match (Str.regexp q) "aXb*c+d?e[f]g^h$i\\j|k(l)" 0);
  let rs = Str.regexp_string "1+1=2 [ok]" in
  Printf.printf "regexp_string: %b %b\n"
    (Str.string_match rs "1+1=2 [ok]!" 0) (Str.string_match rs "11=2 o" 0);
  let rs = Str.regexp_string_case_fold "MiXeD" in
  let lower = Str.string_match rs "mixed" 0 in
  let upper = Str.string_match rs "MIXED!" 0 in
  Printf.printf "regexp_string_case_fold: %b %b %d\n" lower upper (Str.match_end ());
  let empty = Str.string_match (Str.regexp_string "") "abc" 1 in
  Printf.printf "regexp_string empty: %b %d\n" empty (Str.match_end ());
  print_endline "-- partial matches";
  p "abc" "ab" 0 0;
  p "abc" "abc" 0 0;
  p "abc" "abd" 0 0;
  p "abc" "xab" 1 0;
  p "abc" "" 0 0;
  p "a*b" "aaa" 0 0;
  p "[a-c]+d" "abcabc" 0 0;
  p "\\(ab\\)*x" "ababa" 0 1;
  p "\\(\\(a\\)x\\)*" "ax" 0 2;
  p "\\(\\(a\\)x\\)*q" "axa" 0 2;
  p "\\(a\\)\\1" "a" 0 1;
  p "\\bfoo" "" 0 0;
  p "foo\\b" "foo" 0 0;
  p "x$" "x" 0 0;
  p "cat\\|dog" "do" 0 0;
  p "cat\\|dog" "dx" 0 0;
  p "abc" "ab" 3 0;
  p "abc" "ab" (-1) 0;
  print_endline "-- group accessors";
  ignore (Str.string_match (Str.regexp "\\(a\\)\\|\\(b\\)") "b" 0);
  (try ignore (Str.group_beginning 1) with Not_found -> print_endline "group_beginning 1: Not_found");
  (try ignore (Str.group_end 1) with Not_found -> print_endline "group_end 1: Not_found");
  (try ignore (Str.matched_group 3 "b") with Invalid_argument s -> Printf.printf "matched_group 3: %s\n" s);
  (try ignore (Str.group_beginning (-1)) with Invalid_argument s -> Printf.printf "group_beginning -1: %s\n" s);
  (try ignore (Str.group_end 3) with Invalid_argument s -> Printf.printf "group_end 3: %s\n" s);
  Printf.printf "match_beginning %d match_end %d matched_string %S\n"
    (Str.match_beginning ()) (Str.match_end ()) (Str.matched_string "b");
  ignore (Str.string_match (Str.regexp "zzz") "b" 0);
  (try ignore (Str.match_beginning ()) with Invalid_argument s -> Printf.printf "after failure: %s\n" s);
  (try ignore (Str.matched_string "b") with Invalid_argument s -> Printf.printf "after failure: %s\n" s);
  print_endline "-- syntax errors";
  let short p = if String.length p > 20 then Printf.sprintf "%d bytes" (String.length p) else p in
  List.iter
    (fun pat ->
      match Str.regexp pat with
      | _ -> Printf.printf "%S: ok\n" (short pat)
      | exception Failure msg -> Printf.printf "%S: Failure %S\n" (short pat) msg)
    [ "\\(abc"; "abc\\)"; "[abc"; "[]"; "[^]"; "a\\|"; "\\|"; "\\(\\)\\)";
      String.concat "" (List.init 64 (fun _ -> "\\(a*\\)*"));
      String.concat "" (List.init 65 (fun _ -> "\\(a*\\)*")) ];
  let many = Str.regexp (String.concat "" (List.init 64 (fun _ -> "\\(a*\\)*"))) in
  let matched = Str.string_match many "aaaa" 0 in
  Printf.printf "64 nullable loops: %b %d %S\n" matched (Str.match_end ()) (Str.matched_group 1 "aaaa")
