(* Str: splitting (split, bounded_split, split_delim, bounded_split_delim, full_split,
   bounded_full_split) and the substring helpers (string_before, string_after,
   first_chars, last_chars), with empty texts, empty matches and leading or trailing
   delimiters. *)

let list l = "[" ^ String.concat "; " (List.map (Printf.sprintf "%S") l) ^ "]"

let full l =
  "["
  ^ String.concat "; "
      (List.map
         (function
           | Str.Text s -> Printf.sprintf "Text %S" s
           | Str.Delim s -> Printf.sprintf "Delim %S" s)
         l)
  ^ "]"

let texts =
  [ ""; "a"; "a,b,c"; ",a,,b,"; ",,,"; "no delimiters"; "  leading and trailing  ";
    "one\ntwo\n\nthree\n" ]

let () =
  List.iter
    (fun pat ->
      let re = Str.regexp pat in
      Printf.printf "== %S\n" pat;
      List.iter
        (fun t ->
          Printf.printf "%S\n" t;
          Printf.printf "  split       %s\n" (list (Str.split re t));
          Printf.printf "  split_delim %s\n" (list (Str.split_delim re t));
          Printf.printf "  full_split  %s\n" (full (Str.full_split re t));
          List.iter
            (fun n ->
              Printf.printf "  bounded %d: %s | %s | %s\n" n
                (list (Str.bounded_split re t n))
                (list (Str.bounded_split_delim re t n))
                (full (Str.bounded_full_split re t n)))
            [ 1; 2; 3 ])
        texts)
    [ ","; ",+"; "[ \n]+"; "\n"; ""; "x*"; "\\b"; "^"; "$" ];
  print_endline "== substrings";
  let s = "Hello, world" in
  let try_ name f n =
    match f s n with
    | r -> Printf.printf "%s %d: %S\n" name n r
    | exception Invalid_argument m -> Printf.printf "%s %d: Invalid_argument %S\n" name n m
  in
  List.iter
    (fun n ->
      try_ "string_before" Str.string_before n;
      try_ "string_after" Str.string_after n;
      try_ "first_chars" Str.first_chars n;
      try_ "last_chars" Str.last_chars n)
    [ 0; 5; 12; 13; -1 ];
  print_endline "== a CSV-like line";
  let line = "name = \"x\" ;  size=42;flag ; ; end" in
  List.iter
    (fun field ->
      match Str.bounded_split (Str.regexp " *= *") field 2 with
      | [ k; v ] -> Printf.printf "%S -> %S\n" k v
      | other -> Printf.printf "%s\n" (list other))
    (Str.split (Str.regexp " *; *") line)
