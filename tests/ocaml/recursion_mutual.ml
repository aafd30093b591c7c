(* Mutual recursion: top-level and local, across several functions, with
   recursive values and a recursive-descent expression evaluator. *)

let rec is_even n = if n = 0 then true else is_odd (n - 1)
and is_odd n = if n = 0 then false else is_even (n - 1)

(* Hofstadter Female and Male sequences *)
let rec female n = if n = 0 then 1 else n - male (female (n - 1))
and male n = if n = 0 then 0 else n - female (male (n - 1))

(* a three-way cycle *)
let rec a n acc = if n <= 0 then acc ^ "." else b (n - 1) (acc ^ "a")
and b n acc = if n <= 0 then acc ^ "." else c (n - 1) (acc ^ "b")
and c n acc = if n <= 0 then acc ^ "." else a (n - 1) (acc ^ "c")

type expr = Num of int | Add of expr * expr | Mul of expr * expr | Neg of expr

(* recursive descent parser over a char list *)
let parse s =
  let pos = ref 0 in
  let peek () = if !pos < String.length s then Some s.[!pos] else None in
  let advance () = incr pos in
  let rec skip () = match peek () with Some ' ' -> advance (); skip () | _ -> () in
  let rec expr () =
    let t = term () in
    skip ();
    match peek () with
    | Some '+' -> advance (); Add (t, expr ())
    | Some '-' -> advance (); Add (t, Neg (expr ()))
    | _ -> t
  and term () =
    let f = factor () in
    skip ();
    match peek () with Some '*' -> advance (); Mul (f, term ()) | _ -> f
  and factor () =
    skip ();
    match peek () with
    | Some '(' -> advance (); let e = expr () in skip (); advance (); e
    | Some '-' -> advance (); Neg (factor ())
    | _ ->
      let start = !pos in
      while (match peek () with Some '0'..'9' -> true | _ -> false) do advance () done;
      Num (int_of_string (String.sub s start (!pos - start)))
  in
  expr ()

let rec eval = function
  | Num n -> n
  | Add (x, y) -> eval x + eval y
  | Mul (x, y) -> eval x * eval y
  | Neg x -> - (eval x)

let rec show = function
  | Num n -> string_of_int n
  | Add (x, y) -> "(" ^ show x ^ " + " ^ show y ^ ")"
  | Mul (x, y) -> show x ^ " * " ^ show_atom y
  | Neg x -> "-" ^ show_atom x
and show_atom e = match e with Num _ -> show e | _ -> "(" ^ show e ^ ")"

(* recursive values *)
let rec ones = 1 :: twos
and twos = 2 :: ones

type tree = Node of string * forest
and forest = tree list

let rec tree_size (Node (_, f)) = 1 + forest_size f
and forest_size = function [] -> 0 | t :: rest -> tree_size t + forest_size rest

let rec tree_show (Node (n, f)) = n ^ (if f = [] then "" else "[" ^ forest_show f ^ "]")
and forest_show f = String.concat "," (List.map tree_show f)

let () =
  Printf.printf "even/odd: %b %b %b\n" (is_even 1000) (is_odd 1001) (is_even 77777);
  for i = 0 to 15 do Printf.printf "%d/%d " (female i) (male i) done;
  print_newline ();
  print_endline (a 10 "");
  List.iter (fun s ->
      let e = parse s in
      Printf.printf "%s => %s = %d\n" s (show e) (eval e))
    [ "1 + 2 * 3"; "(1 + 2) * 3"; "-4 * -(2 + 3)"; "10 - 3 - 2"; "2 * 3 * 4 + 1" ];
  let rec take n l = if n = 0 then [] else match l with [] -> [] | x :: r -> x :: take (n - 1) r in
  List.iter (Printf.printf "%d") (take 9 ones);
  print_newline ();
  let t = Node ("a", [ Node ("b", []); Node ("c", [ Node ("d", []); Node ("e", []) ]); Node ("f", []) ]) in
  Printf.printf "tree %s size %d\n" (tree_show t) (tree_size t);
  (* local mutual recursion with closures capturing outer state *)
  let count = ref 0 in
  let rec ping n = incr count; if n > 0 then pong (n - 1)
  and pong n = incr count; if n > 0 then ping (n - 2) in
  ping 1000;
  Printf.printf "ping-pong calls: %d\n" !count
