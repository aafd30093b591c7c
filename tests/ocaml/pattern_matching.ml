(* Pattern matching compiled to the different bytecode shapes: dense integer switches
   (jump tables), sparse integers, character ranges, string matches (compiled to
   comparison trees), many constant and non-constant constructors (SWITCH on tags),
   nested and or-patterns, guards, array and record patterns, aliases, exception and
   lazy patterns, and polymorphic-variant dispatch. *)

type big = C00 | C01 | C02 | C03 | C04 | C05 | C06 | C07 | C08 | C09 | C10 | C11 | C12 | C13 | C14 | C15
         | B0 of int | B1 of string | B2 of int * int | B3 of float | B4 | B5 of big | B6 of { r : int } | B7 of int list

let small_int = function 0 -> "zero" | 1 -> "one" | 2 -> "two" | 3 -> "three" | 4 -> "four" | 5 -> "five" | _ -> "many"
let sparse = function -1000 -> "a" | 7 -> "b" | 1_000_000 -> "c" | 42 -> "d" | 4611686018427387903 -> "max" | -4611686018427387904 -> "min" | _ -> "?"
let char_class = function 'a' .. 'z' -> "lower" | 'A' .. 'Z' -> "upper" | '0' .. '9' -> "digit" | ' ' | '\t' | '\n' -> "space" | '\000' .. '\031' -> "control" | _ -> "other"

let keyword = function
  | "if" -> 1 | "then" -> 2 | "else" -> 3 | "let" -> 4 | "in" -> 5 | "match" -> 6 | "with" -> 7 | "fun" -> 8
  | "function" -> 9 | "type" -> 10 | "module" -> 11 | "" -> 12 | "a somewhat longer keyword string" -> 13 | _ -> 0

let rec describe = function
  | C00 | C01 | C02 -> "low"
  | C03 -> "three" | C04 -> "four" | C05 | C06 | C07 | C08 -> "mid" | C09 -> "nine"
  | C10 | C11 | C12 | C13 | C14 -> "high" | C15 -> "top"
  | B0 n when n < 0 -> "B0 negative" | B0 0 -> "B0 zero" | B0 n -> "B0 " ^ string_of_int n
  | B1 ("x" | "y") -> "B1 x or y" | B1 s -> "B1 " ^ s
  | B2 (a, b) when a = b -> "B2 diagonal" | B2 (0, _) | B2 (_, 0) -> "B2 axis" | B2 _ -> "B2"
  | B3 f when Float.is_nan f -> "B3 nan" | B3 _ -> "B3"
  | B4 -> "B4"
  | B5 (B5 _ as inner) -> "B5 of B5 (" ^ describe inner ^ ")" | B5 x -> "B5 of " ^ describe x
  | B6 { r = 0 } -> "B6 zero" | B6 { r } -> "B6 " ^ string_of_int r
  | B7 [] -> "B7 empty" | B7 [ x ] -> "B7 single " ^ string_of_int x | B7 (x :: y :: _) -> Printf.sprintf "B7 %d,%d,..." x y

let arrays = function [||] -> "empty" | [| x |] -> "one " ^ string_of_int x | [| x; y |] -> Printf.sprintf "two %d %d" x y | a -> "len " ^ string_of_int (Array.length a)

let tuples = function
  | (0, _, _) -> "first zero" | (_, 0, _) -> "second zero" | (_, _, 0) -> "third zero"
  | (a, b, c) when a + b = c -> "sum" | (a, b, c) when a * b = c -> "product" | _ -> "none"

type other = [ `F | `G ]
let variant = function `A -> "A" | `B n -> "B" ^ string_of_int n | `C (x, y) -> x ^ y | `D | `E -> "D or E" | #other -> "other"

let () =
  print_endline (String.concat " " (List.map small_int [ -1; 0; 1; 2; 3; 4; 5; 6; 100 ]));
  print_endline (String.concat " " (List.map sparse [ -1000; 7; 42; 1_000_000; max_int; min_int; 0 ]));
  print_endline (String.concat " " (List.map char_class [ 'q'; 'Q'; '5'; ' '; '\001'; '~'; '\200' ]));
  print_endline (String.concat " " (List.map (fun s -> string_of_int (keyword s))
                                      [ "if"; "then"; "else"; "let"; "in"; "match"; "with"; "fun"; "function"; "type"; "module"; "";
                                        "a somewhat longer keyword string"; "a somewhat longer keyword strinG"; "iff"; "i" ]));
  List.iter (fun v -> print_endline (describe v))
    [ C00; C02; C03; C07; C09; C12; C15; B0 (-3); B0 0; B0 9; B1 "x"; B1 "z"; B2 (2, 2); B2 (0, 5); B2 (1, 2); B3 nan; B3 1.;
      B4; B5 (B5 C01); B5 B4; B6 { r = 0 }; B6 { r = 4 }; B7 []; B7 [ 1 ]; B7 [ 1; 2; 3 ] ];
  print_endline (String.concat "; " (List.map arrays [ [||]; [| 1 |]; [| 1; 2 |]; [| 1; 2; 3 |] ]));
  print_endline (String.concat "; " (List.map tuples [ (0, 1, 2); (1, 0, 2); (1, 2, 0); (1, 2, 3); (2, 3, 6); (2, 3, 7) ]));
  print_endline (String.concat "; " (List.map variant [ `A; `B 3; `C ("c", "d"); `D; `E; `F; `G ]));
  (* a dense switch inside a hot loop *)
  let counts = Array.make 7 0 in
  for i = 0 to 99_999 do
    let k = match i mod 13 with 0 | 1 -> 0 | 2 -> 1 | 3 | 4 | 5 -> 2 | 6 -> 3 | 7 | 8 -> 4 | 9 -> 5 | _ -> 6 in
    counts.(k) <- counts.(k) + 1
  done;
  print_endline (String.concat " " (Array.to_list (Array.map string_of_int counts)));
  (* match with exception and lazy *)
  let f l = match List.find (fun x -> x > 2) l with x -> Some x | exception Not_found -> None in
  Printf.printf "exception pattern: %s %s\n" (match f [ 1; 5 ] with Some x -> string_of_int x | None -> "none") (match f [] with Some _ -> "some" | None -> "none");
  let lz = lazy (3 * 3) in
  (match lz with lazy 9 -> print_endline "lazy 9" | lazy _ -> print_endline "lazy other");
  (* alias and nested or-patterns *)
  (match [ (1, "a"); (2, "b") ] with
   | ((1 | 2) as k, ("a" | "b" as s)) :: ((_, _) as second) :: [] -> Printf.printf "alias: %d %s %s\n" k s (snd second)
   | _ -> print_endline "no match");
  (* record patterns with field punning and partial patterns *)
  let r = { contents = (1, [ 2; 3 ]) } in
  (match r with { contents = (a, [ b; c ]) } -> Printf.printf "record: %d %d %d\n" a b c | _ -> ());
  (* function with many cases on a pair of variants *)
  let both = function (Some a, Some b) -> a + b | (Some a, None) | (None, Some a) -> a | (None, None) -> 0 in
  Printf.printf "pairs: %d %d %d %d\n" (both (Some 1, Some 2)) (both (Some 5, None)) (both (None, Some 7)) (both (None, None))
