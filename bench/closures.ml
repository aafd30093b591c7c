(* Closures and currying: partial application, composition, closures capturing
   environments, functions returned by functions, and folds driven by closures.
   Usage: closures [n]  (n rounds; the checksum depends only on n) *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1200

let compose f g x = f (g x)
let add a b = a + b
let mul a b = a * b
let add3 a b c = a + b + c

(* a curried function applied one argument at a time, and over-applied *)
let pick k = if k land 1 = 0 then add else fun a b -> a - b

(* a closure capturing a mutable counter and its arguments *)
let make_counter step =
  let c = ref 0 in
  fun () -> c := !c + step; !c

(* a pipeline of closures built at run time *)
let pipeline k =
  let fs = List.init 8 (fun i -> if i mod 3 = 0 then add (i + k) else if i mod 3 = 1 then mul 3 else compose (add 1) (mul 2)) in
  List.fold_left (fun acc f -> compose f acc) (fun x -> x) fs

(* Church numerals: closures all the way down *)
let church k = let rec go k f x = if k = 0 then x else go (k - 1) f (f x) in go k
let to_int c = c (fun x -> x + 1) 0

let () =
  let sum = ref 0 in
  for r = 1 to n do
    let p = pipeline r in
    for i = 0 to 999 do
      sum := (!sum + p i) land 0x3FFFFFFF
    done;
    let ctr = make_counter r in
    let g = add3 r in
    let h = g 7 in
    for i = 0 to 999 do
      ignore (ctr ());
      sum := (!sum + h i + (pick i) r i + List.fold_left ( + ) 0 (List.map (add i) [1; 2; 3])) land 0x3FFFFFFF
    done;
    sum := (!sum + ctr () + to_int (church (r mod 50))) land 0x3FFFFFFF;
    let fs = Array.init 64 (fun i -> mul i) in
    sum := (!sum + Array.fold_left (fun acc f -> acc + f r) 0 fs) land 0x3FFFFFFF
  done;
  Printf.printf "closures %d: %d\n" n !sum
