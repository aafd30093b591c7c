(* Str: searching forward and backward (with and without a first-character set),
   replacement templates (\0-\9, \\, other escapes, their errors), global_replace,
   replace_first, global_substitute, substitute_first and replace_matched. *)

let fwd pat text pos =
  let re = Str.regexp pat in
  match Str.search_forward re text pos with
  | i -> Printf.printf "fwd %-16S %-22S %2d: %d %S\n" pat text pos i (Str.matched_string text)
  | exception Not_found -> Printf.printf "fwd %-16S %-22S %2d: Not_found\n" pat text pos
  | exception Invalid_argument m -> Printf.printf "fwd %-16S %-22S %2d: Invalid_argument %S\n" pat text pos m

let bwd pat text pos =
  let re = Str.regexp pat in
  match Str.search_backward re text pos with
  | i -> Printf.printf "bwd %-16S %-22S %2d: %d %S\n" pat text pos i (Str.matched_string text)
  | exception Not_found -> Printf.printf "bwd %-16S %-22S %2d: Not_found\n" pat text pos
  | exception Invalid_argument m -> Printf.printf "bwd %-16S %-22S %2d: Invalid_argument %S\n" pat text pos m

let all_forward pat text =
  let re = Str.regexp pat in
  let rec go pos acc =
    if pos > String.length text then List.rev acc
    else
      match Str.search_forward re text pos with
      | i ->
          let e = Str.match_end () in
          go (if e > i then e else i + 1) ((i, Str.matched_string text) :: acc)
      | exception Not_found -> List.rev acc
  in
  Printf.printf "all %S in %S: %s\n" pat text
    (String.concat " " (List.map (fun (i, s) -> Printf.sprintf "%d:%S" i s) (go 0 [])))

let all_backward pat text =
  let re = Str.regexp pat in
  let rec go pos acc =
    if pos < 0 then List.rev acc
    else
      match Str.search_backward re text pos with
      | i -> go (i - 1) ((i, Str.matched_string text) :: acc)
      | exception Not_found -> List.rev acc
  in
  Printf.printf "all backward %S in %S: %s\n" pat text
    (String.concat " "
       (List.map (fun (i, s) -> Printf.sprintf "%d:%S" i s) (go (String.length text) [])))

let show f =
  match f () with
  | s -> Printf.printf "  %S\n" s
  | exception Failure m -> Printf.printf "  Failure %S\n" m
  | exception Invalid_argument m -> Printf.printf "  Invalid_argument %S\n" m
  | exception Not_found -> print_endline "  Not_found"

let () =
  print_endline "-- search_forward";
  fwd "b+" "aaabbbccc" 0;
  fwd "b+" "aaabbbccc" 4;
  fwd "b+" "aaabbbccc" 6;
  fwd "b*" "aaabbbccc" 0;
  fwd "b*" "aaabbbccc" 9;
  fwd "x" "aaabbbccc" 0;
  fwd "c" "abc" 3;
  fwd "" "abc" 3;
  fwd "$" "abc" 0;
  fwd "^" "ab\ncd" 1;
  fwd "c" "abc" 4;
  fwd "c" "abc" (-1);
  fwd "[0-9]+" "order 66 and 1138" 0;
  fwd "[0-9]+" "order 66 and 1138" 8;
  fwd "\\bthe\\b" "other then the end" 0;
  fwd "the\\|then" "other then the end" 1;
  fwd "[a-z]*e" "abcde fghe" 0;
  fwd "\\(a\\|b\\)*c" "xxabababcxx" 0;
  fwd "\\(ab\\)*c" "xxabababcxx" 3;
  fwd "a\\|b*" "xxx" 0;
  print_endline "-- search_backward";
  bwd "b+" "aaabbbccc" 9;
  bwd "b+" "aaabbbccc" 4;
  bwd "b+" "aaabbbccc" 2;
  bwd "c" "abc" 3;
  bwd "" "abc" 3;
  bwd "^" "ab\ncd" 4;
  bwd "x" "abc" 3;
  bwd "a" "abc" 0;
  bwd "a" "abc" 4;
  bwd "a" "abc" (-1);
  bwd "[0-9]+" "order 66 and 1138" 16;
  bwd "\\bthe\\b" "other then the end" 17;
  bwd "\000" "a\000b" 3;
  bwd "b\\|\000" "abc" 3;
  all_forward "[aeiou]" "regular expressions";
  all_forward "o*" "foo boo";
  all_forward "\\b" "two words";
  all_forward "[A-Z][a-z]*" "Hello There General Kenobi";
  all_backward "[aeiou]+" "beautiful queue";
  all_backward "x*" "axxb";
  print_endline "-- global_replace and replace_first";
  let gr pat tpl text =
    Printf.printf "global_replace %S %S %S\n" pat tpl text;
    show (fun () -> Str.global_replace (Str.regexp pat) tpl text)
  and rf pat tpl text =
    Printf.printf "replace_first %S %S %S\n" pat tpl text;
    show (fun () -> Str.replace_first (Str.regexp pat) tpl text)
  in
  gr "a" "b" "banana";
  gr "an" "[\\0]" "banana";
  gr "\\([a-z]+\\)@\\([a-z]+\\)" "\\2 at \\1" "mail bob@example or alice@test now";
  gr "x*" "-" "abc";
  gr "x*" "-" "";
  gr "b*" "<\\0>" "abbbcb";
  gr "^" "> " "one\ntwo\nthree";
  gr "$" ";" "one\ntwo";
  gr "[ \t]+" " " "a  \t b\t\tc   ";
  gr "\\(a\\)\\|\\(b\\)" "[\\1|\\2]" "ab";
  gr "a" "\\\\" "aXa";
  gr "a" "\\n\\t\\q" "aXa";
  gr "a" "x\\" "aXa";
  gr "\\(a\\)" "\\2" "aXa";
  gr "\\(a\\)" "\\9" "aXa";
  gr "a" "\\1" "bbb";
  gr "a" "\\1" "bab";
  gr "\\(x\\)?a" "<\\1>" "a";
  gr "\\(x\\)?a" "<\\0>" "xa a";
  gr "\\([0-9]\\)\\([0-9]\\)\\([0-9]\\)\\([0-9]\\)\\([0-9]\\)\\([0-9]\\)\\([0-9]\\)\\([0-9]\\)\\([0-9]\\)"
    "\\9\\8\\7\\6\\5\\4\\3\\2\\1\\0" "123456789";
  rf "o" "0" "foo boo";
  rf "\\(o+\\)" "<\\1\\1>" "foo boo";
  rf "z" "Z" "foo boo";
  rf "" "^" "abc";
  rf "o" "\\" "foo";
  Printf.printf "case fold: %S\n"
    (Str.global_replace (Str.regexp_case_fold "straße") "street" "STRAßE Straße straße");
  print_endline "-- substitute";
  let upper s = String.uppercase_ascii (Str.matched_string s) in
  Printf.printf "%S\n" (Str.global_substitute (Str.regexp "[a-z]+") upper "abc 12 de-f");
  Printf.printf "%S\n" (Str.substitute_first (Str.regexp "[a-z]+") upper "12 abc de-f");
  Printf.printf "%S\n"
    (Str.global_substitute (Str.regexp "\\([0-9]+\\)")
       (fun s -> string_of_int (2 * int_of_string (Str.matched_group 1 s)))
       "1 + 20 = 300");
  Printf.printf "%S\n"
    (Str.global_substitute (Str.regexp "a*")
       (fun s -> Printf.sprintf "(%d,%d)" (Str.match_beginning ()) (Str.match_end ()) ^ Str.matched_string s)
       "baaac");
  print_endline "-- replace_matched";
  ignore (Str.search_forward (Str.regexp "\\([a-z]+\\)-\\([0-9]+\\)") "id: abc-123 ok" 0);
  show (fun () -> Str.replace_matched "\\2/\\1 (\\0)" "id: abc-123 ok");
  show (fun () -> Str.replace_matched "\\3" "id: abc-123 ok");
  show (fun () -> Str.replace_matched "plain \\\\ text" "id: abc-123 ok");
  show (fun () -> Str.replace_matched "\\" "id: abc-123 ok");
  show (fun () -> Str.replace_matched "\\1\\" "id: abc-123 ok");
  show (fun () -> Str.replace_matched "\\3\\" "id: abc-123 ok");
  show (fun () -> Str.replace_matched "\\z\\" "id: abc-123 ok");
  ignore (Str.string_match (Str.regexp "x") "y" 0);
  show (fun () -> Str.replace_matched "\\0" "y");
  show (fun () -> Str.replace_matched "no groups needed" "y");
  (* An uncaught error from a replacement template ends the program. *)
  print_endline (Str.global_replace (Str.regexp "\\(a\\)\\|b") "<\\1>" "ab")
