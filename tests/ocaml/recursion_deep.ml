(* Deep non-tail recursion: 100k to 1M frames, which grows the bytecode stack
   several times. *)

let rec sum_to n = if n = 0 then 0 else n + sum_to (n - 1)

let rec build n = if n = 0 then [] else n :: build (n - 1)

let rec my_map f = function [] -> [] | x :: r -> let y = f x in y :: my_map f r

let rec depth_of_nested n = if n = 0 then `Leaf else `Node (depth_of_nested (n - 1))
let rec measure = function `Leaf -> 0 | `Node t -> 1 + measure t

(* non-tail recursion with a float accumulator and many live locals per frame *)
let rec heavy n =
  if n = 0 then 0.0
  else begin
    let a = float_of_int n and b = n * 2 and c = string_of_int (n mod 10) in
    let r = heavy (n - 1) in
    r +. a +. float_of_int b +. float_of_int (String.length c)
  end

(* recursion through an exception handler in every frame *)
let rec guarded n = if n = 0 then 0 else try 1 + guarded (n - 1) with Not_found -> -1

(* recursion that raises at the bottom, caught at the top *)
exception Bottom of int
let rec dive n = if n = 0 then raise (Bottom 42) else 1 + dive (n - 1)

let () =
  Printf.printf "sum_to 100000 = %d\n" (sum_to 100_000);
  Printf.printf "sum_to 1000000 = %d\n" (sum_to 1_000_000);
  let l = build 200_000 in
  Printf.printf "build: length %d head %d\n" (List.length l) (List.hd l);
  let m = my_map (fun x -> x * 3) l in
  Printf.printf "my_map: %d %d\n" (List.hd m) (List.fold_left ( + ) 0 m);
  Printf.printf "nested depth: %d\n" (measure (depth_of_nested 150_000));
  Printf.printf "heavy: %.1f\n" (heavy 100_000);
  Printf.printf "guarded: %d\n" (guarded 100_000);
  (match dive 300_000 with
   | n -> Printf.printf "no raise? %d\n" n
   | exception Bottom k -> Printf.printf "caught Bottom %d from deep\n" k);
  (* after unwinding, deep recursion again works *)
  Printf.printf "again: %d\n" (sum_to 500_000);
  (* List.map of the stdlib on a long list (not tail recursive in older versions) *)
  let big = List.init 300_000 (fun i -> i) in
  Printf.printf "stdlib map: %d\n" (List.length (List.map succ big));
  Printf.printf "append: %d\n" (List.length (big @ big))
