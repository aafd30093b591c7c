(* Currying: partial application, over-application, functions returning functions,
   labelled and optional arguments, and applications of many arities. *)

let add3 a b c = a + b + c
let add5 a b c d e = a + 10 * b + 100 * c + 1000 * d + 10000 * e

let returns_fun a b = if a > b then (fun c -> a + c) else (fun c -> b * c)

let rec sum_n n = if n = 0 then (fun acc -> acc) else (fun acc -> sum_n (n - 1) (acc + n))

let apply_twice f x = f (f x)

let labelled ~x ~y = x - y
let optional ?(scale = 2) ?offset v =
  let off = match offset with None -> 0 | Some o -> o in
  v * scale + off

let many a b c d e f g h = [a; b; c; d; e; f; g; h]

let id x = x

let () =
  let p1 = add3 1 in
  let p2 = p1 2 in
  Printf.printf "partial: %d %d %d\n" (p2 3) (p1 20 30) (add3 100 200 300);
  let q = add5 1 2 in
  let q' = q 3 4 in
  Printf.printf "add5: %d %d\n" (q' 5) (q 0 0 0);
  (* over-application: a function returning a function applied with extra args *)
  Printf.printf "over: %d %d\n" (returns_fun 5 3 10) (returns_fun 1 3 10);
  Printf.printf "sum_n: %d\n" (sum_n 100 0);
  Printf.printf "twice: %d\n" (apply_twice (add3 1 1) 0);
  Printf.printf "id over-application: %d\n" (id add3 1 2 3);
  Printf.printf "id id: %d\n" (id id id id 42);
  (* labels in any order, partial application by label *)
  let minus_y = labelled ~y:10 in
  Printf.printf "labelled: %d %d %d\n" (labelled ~x:3 ~y:1) (labelled ~y:1 ~x:3) (minus_y ~x:25);
  Printf.printf "optional: %d %d %d %d\n" (optional 5) (optional ~scale:3 5)
    (optional ~offset:7 5) (optional ~offset:1 ~scale:10 5);
  let l = many 1 2 3 4 in
  let l2 = l 5 6 in
  List.iter (Printf.printf "%d ") (l2 7 8);
  print_newline ();
  (* List.map with partial applications *)
  let ps = List.map add3 [1; 2; 3] in
  let ps2 = List.map (fun f -> f 10) ps in
  List.iter (fun f -> Printf.printf "%d " (f 100)) ps2;
  print_newline ();
  (* Apply a function of unknown arity received through a polymorphic container *)
  let funcs : (int -> int -> int) list = [ ( + ); ( * ); (fun a -> if a > 2 then ( - ) a else ( + ) a) ] in
  List.iter (fun f -> Printf.printf "%d " (f 5 3)) funcs;
  print_newline ();
  (* Partial application of constructors-like functions and tuples *)
  let pair a b = (a, b) in
  let with1 = pair 1 in
  let (a, b) = with1 "one" in
  Printf.printf "pair: %d %s\n" a b;
  (* deep partial application chain *)
  let f a b c d e f g h i j = a + b + c + d + e + f + g + h + i + j in
  let g = f 1 in let g = g 2 in let g = g 3 in let g = g 4 in let g = g 5 in
  let g = g 6 in let g = g 7 in let g = g 8 in let g = g 9 in
  Printf.printf "ten args: %d\n" (g 10);
  let h = f 1 2 3 4 5 in
  Printf.printf "split: %d %d\n" (h 6 7 8 9 10) (h 0 0 0 0 0);
  (* Partial application of a function taking floats *)
  let lerp a b t = a +. (b -. a) *. t in
  let from0to10 = lerp 0. 10. in
  Printf.printf "lerp: %g %g %g\n" (from0to10 0.) (from0to10 0.25) (from0to10 1.);
  (* Currying through higher-order fold *)
  let r = List.fold_left (fun f x -> fun y -> f (x + y)) (fun z -> z * 2) [1; 2; 3] 4 in
  Printf.printf "fold-curry: %d\n" r;
  (* a closure called with more arguments than it takes, several times nested *)
  let k = fun x -> fun y -> fun z -> fun w -> x + y + z + w in
  Printf.printf "k: %d %d\n" (k 1 2 3 4) ((k 1) 2 3 4)
