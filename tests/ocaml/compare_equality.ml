(* Polymorphic comparison and equality: compare on ints, floats (nan ordering), strings,
   lists, tuples, variants, records, arrays of different lengths, boxed integers,
   mixed constant/non-constant constructors; = vs ==; min/max; "compare: functional
   value" on closures; cyclic values with ==; and Stdlib.( < ) on nan. *)

type t = A | B | C of int | D of string | E of int * int

let show_cmp name c = Printf.printf "%-34s %d\n" name (if c < 0 then -1 else if c > 0 then 1 else 0)

let () =
  show_cmp "compare 1 2" (compare 1 2);
  show_cmp "compare min_int max_int" (compare min_int max_int);
  show_cmp "compare 'a' 'b'" (compare 'a' 'b');
  show_cmp "compare \"abc\" \"abd\"" (compare "abc" "abd");
  show_cmp "compare \"ab\" \"abc\"" (compare "ab" "abc");
  show_cmp "compare \"\\255\" \"a\"" (compare "\255" "a");
  show_cmp "compare 1.0 2.0" (compare 1.0 2.0);
  show_cmp "compare nan nan" (compare nan nan);
  show_cmp "compare nan neg_infinity" (compare nan neg_infinity);
  show_cmp "compare neg_infinity nan" (compare neg_infinity nan);
  show_cmp "compare -0. 0." (compare (-0.) 0.);
  show_cmp "compare [1;2] [1;2;3]" (compare [ 1; 2 ] [ 1; 2; 3 ]);
  show_cmp "compare [] [1]" (compare [] [ 1 ]);
  show_cmp "compare (1,\"b\") (1,\"a\")" (compare (1, "b") (1, "a"));
  show_cmp "compare A B" (compare A B);
  show_cmp "compare B (C 0)" (compare B (C 0));
  show_cmp "compare (C 5) (D \"\")" (compare (C 5) (D ""));
  show_cmp "compare (E (1,2)) (C 9)" (compare (E (1, 2)) (C 9));
  show_cmp "compare (C 2) (C 1)" (compare (C 2) (C 1));
  show_cmp "compare [|1;2|] [|1;2;3|]" (compare [| 1; 2 |] [| 1; 2; 3 |]);
  show_cmp "compare [|3|] [|1;2|]" (compare [| 3 |] [| 1; 2 |]);
  show_cmp "compare [|1.;nan|] [|1.;0.|]" (compare [| 1.; nan |] [| 1.; 0. |]);
  show_cmp "compare 1l 2l" (compare 1l 2l);
  show_cmp "compare (-1L) 1L" (compare (-1L) 1L);
  show_cmp "compare None (Some 0)" (compare None (Some 0));
  show_cmp "compare (Some nan) (Some nan)" (compare (Some nan) (Some nan));
  show_cmp "compare `A `B" (compare `A `B);
  show_cmp "compare (ref 1) (ref 2)" (compare (ref 1) (ref 2));
  show_cmp "compare (Ok 1) (Error 0)" (compare (Ok 1) (Error 0));
  Printf.printf "nan = nan %b, nan <> nan %b, nan < 1. %b, nan > 1. %b, nan <= nan %b\n" (nan = nan) (nan <> nan) (nan < 1.) (nan > 1.) (nan <= nan);
  Printf.printf "[nan] = [nan] %b, compare [nan] [nan] = %d\n" ([ nan ] = [ nan ]) (compare [ nan ] [ nan ]);
  Printf.printf "min nan 1. = %g, max 1. nan = %g, min 1 2 = %d, max \"a\" \"b\" = %s\n" (min nan 1.) (max 1. nan) (min 1 2) (max "a" "b");
  Printf.printf "physical: %b %b %b %b\n" (1 == 1) ("a" == "a" ^ "") ([] == []) (let x = [ 1 ] in x == x);
  Printf.printf "structural: %b %b %b\n" ("ab" = "a" ^ "b") ((1, [ 2 ]) = (1, [ 2 ])) ([| 1. |] = [| 1. |]);
  (* functional values *)
  let f = fun x -> x + 1 in
  let g = fun x -> x + 2 in
  (match compare f f with c -> Printf.printf "compare f f (the same closure) = %d\n" c | exception Invalid_argument m -> Printf.printf "compare f f: Invalid_argument %S\n" m);
  (match compare f g with _ -> print_endline "compared functions?" | exception Invalid_argument m -> Printf.printf "compare f g: Invalid_argument %S\n" m);
  (match f = f with _ -> print_endline "equal functions?" | exception Invalid_argument m -> Printf.printf "f = f: Invalid_argument %S\n" m);
  (match (1, f) = (2, f) with b -> Printf.printf "(1,f) = (2,f) short-circuits: %b\n" b | exception Invalid_argument m -> Printf.printf "(1,f)=(2,f): %s\n" m);
  (match [ f ] < [ f ] with _ -> () | exception Invalid_argument m -> Printf.printf "[f] < [f]: Invalid_argument %S\n" m);
  Printf.printf "f == f %b\n" (f == f);
  (match Hashtbl.hash f with h -> Printf.printf "hash of a closure does not raise: %b\n" (h >= 0));
  (* objects compare by identity *)
  let o1 = object method x = 1 end and o2 = object method x = 1 end in
  Printf.printf "objects: o1 = o1 %b, o1 = o2 %b\n" (o1 = o1) (o1 = o2);
  (* cyclic structures: == works, = on cyclic data would loop so is not attempted *)
  let rec cyc = 1 :: cyc in
  Printf.printf "cyclic == %b, List.hd %d\n" (cyc == List.tl cyc) (List.hd cyc);
  (* sorting with compare on heterogeneous constructors *)
  let l = List.sort compare [ E (1, 1); A; D "x"; C 3; B; C (-1); D "a"; E (0, 5) ] in
  Printf.printf "sorted: %s\n" (String.concat " " (List.map (function A -> "A" | B -> "B" | C n -> Printf.sprintf "C%d" n
                                                                   | D s -> "D" ^ s | E (a, b) -> Printf.sprintf "E%d,%d" a b) l));
  let fl = List.sort compare [ 3.; nan; -1.; neg_infinity; 0.; -0.; infinity; nan ] in
  Printf.printf "sorted floats: %s\n" (String.concat " " (List.map string_of_float fl));
  Printf.printf "String.compare vs compare agree: %b\n" (List.for_all (fun (a, b) -> compare a b = String.compare a b) [ ("a", "b"); ("b", "a"); ("", "x"); ("abc", "abc") ]);
  (* large structural equality, not recursion-limited *)
  let big1 = List.init 100_000 (fun i -> (i, string_of_int i)) and big2 = List.init 100_000 (fun i -> (i, string_of_int i)) in
  Printf.printf "big lists equal %b, compare %d\n" (big1 = big2) (compare big1 big2)
