(* Str on long texts and backtracking-heavy patterns: a megabyte of text through greedy
   loops over groups (millions of backtracking entries, kept and then unwound), searches
   with and without a first-character set, global replacement and splitting of the whole
   text, a long literal, back-references over long groups, and nested loops whose body
   may match the empty string (exponential paths, kept small). *)

let mb = 1 lsl 20

(* A megabyte of 'a' and 'b' (every third byte a 'b'), deterministic. *)
let ab = String.init mb (fun i -> if i mod 3 = 2 then 'b' else 'a')

(* Its first 256 KB, for the cases that allocate per match. *)
let quarter = String.sub ab 0 (mb / 4)

let time_free_report name f =
  match f () with
  | r -> Printf.printf "%-40s %s\n" name r
  | exception Not_found -> Printf.printf "%-40s Not_found\n" name
  | exception Failure m -> Printf.printf "%-40s Failure %S\n" name m

let groups n =
  String.concat " "
    (List.init (n + 1) (fun i ->
         match (Str.group_beginning i, Str.group_end i) with
         | b, e -> Printf.sprintf "%d-%d" b e
         | exception Not_found -> "-"
         | exception Invalid_argument _ -> "none"))

let () =
  time_free_report "group loop to the end of 1 MB" (fun () ->
      let ok = Str.string_match (Str.regexp "\\(a\\|b\\)*$") ab 0 in
      Printf.sprintf "%b %s" ok (groups 1));
  time_free_report "group loop, then fail, over 1 MB" (fun () ->
      string_of_bool (Str.string_match (Str.regexp "\\(a\\|b\\)*c") ab 0));
  time_free_report "nested groups over 1 MB" (fun () ->
      let ok = Str.string_match (Str.regexp "\\(\\(a\\)\\|\\(b\\)\\)*\\(a\\)$") ab 0 in
      Printf.sprintf "%b %s" ok (groups 4));
  time_free_report "backtrack into the loop by two" (fun () ->
      let ok = Str.string_match (Str.regexp "\\(a\\|b\\)*ba$") quarter 0 in
      Printf.sprintf "%b %s" ok (groups 1));
  time_free_report "simple star over 1 MB" (fun () ->
      let ok = Str.string_match (Str.regexp "[ab]*") ab 0 in
      Printf.sprintf "%b %d" ok (Str.match_end ()));
  time_free_report "dot star then literal, fail" (fun () ->
      string_of_bool (Str.string_match (Str.regexp ".*ba\\(ab\\)c") ab 0));
  let needle = ab ^ "needle" in
  time_free_report "search with first chars" (fun () ->
      string_of_int (Str.search_forward (Str.regexp "ne+dle") needle 0));
  time_free_report "search without first chars" (fun () ->
      string_of_int (Str.search_forward (Str.regexp "\\(\\)ne+dle") needle 0));
  time_free_report "search backward" (fun () ->
      string_of_int (Str.search_backward (Str.regexp "bb\\|ba") ab (mb - 1)));
  time_free_report "search backward, none" (fun () ->
      string_of_int (Str.search_backward (Str.regexp "bab") ab (mb - 1)));
  time_free_report "count matches of b" (fun () ->
      let re = Str.regexp "b" in
      let rec count pos n =
        match Str.search_forward re ab pos with
        | i -> count (i + 1) (n + 1)
        | exception Not_found -> n
      in
      string_of_int (count 0 0));
  time_free_report "global_replace over 256 KB" (fun () ->
      let r = Str.global_replace (Str.regexp "\\(a\\)b") "<\\1>" quarter in
      Printf.sprintf "%d %S" (String.length r) (String.sub r 0 20));
  time_free_report "split over 256 KB" (fun () ->
      let l = Str.split (Str.regexp "b+") quarter in
      Printf.sprintf "%d %S" (List.length l) (List.nth l 1000));
  time_free_report "full_split over 64 KB" (fun () ->
      let l = Str.full_split (Str.regexp "ab") (String.sub ab 0 65536) in
      Printf.sprintf "%d" (List.length l));
  time_free_report "long literal" (fun () ->
      let lit = String.sub ab 3 100_000 in
      let i = Str.search_forward (Str.regexp_string lit) ab 1 in
      Printf.sprintf "%d %d" i (Str.match_end ()));
  time_free_report "long literal, case folded" (fun () ->
      let lit = String.uppercase_ascii (String.sub ab 4 100_000) in
      let i = Str.search_forward (Str.regexp_string_case_fold lit) ab 2 in
      Printf.sprintf "%d %d" i (Str.match_end ()));
  time_free_report "back-reference to a long group" (fun () ->
      let half = String.sub ab 0 3000 in
      let t = half ^ half in
      let ok = Str.string_match (Str.regexp "\\(.*\\)\\1$") t 0 in
      Printf.sprintf "%b %s" ok (groups 1));
  time_free_report "back-reference, fail" (fun () ->
      let t = String.sub ab 0 2000 ^ "x" in
      string_of_bool (Str.string_match (Str.regexp "\\(.*\\)\\1$") t 0));
  List.iter
    (fun n ->
      time_free_report (Printf.sprintf "nested nullable loops, %d a's" n) (fun () ->
          let t = String.make n 'a' in
          let r1 = Str.string_match (Str.regexp "\\(a*\\)*b") t 0 in
          let r2 = Str.string_match (Str.regexp "\\(a*\\)*$") t 0 in
          Printf.sprintf "%b %b %s" r1 r2 (groups 1)))
    [ 1; 5; 14 ];
  time_free_report "alternatives retried at every position" (fun () ->
      let t = String.make 2000 'a' in
      string_of_bool (Str.string_match (Str.regexp "\\(a\\|aa\\)*c") (String.sub t 0 24) 0));
  time_free_report "partial match over 256 KB" (fun () ->
      let ok = Str.string_partial_match (Str.regexp "\\(a\\|b\\)*c") quarter 0 in
      Printf.sprintf "%b %s" ok (groups 1))
