(* Tail-recursive loops and imperative loops of 10 million iterations, which must run
   in constant stack space. *)

let rec count_down n acc = if n = 0 then acc else count_down (n - 1) (acc + 1)

let rec collatz_steps n steps = if n = 1 then steps
  else if n land 1 = 0 then collatz_steps (n / 2) (steps + 1)
  else collatz_steps (3 * n + 1) (steps + 1)

(* mutual tail recursion *)
let rec ping n acc = if n = 0 then acc else pong (n - 1) (acc + 2)
and pong n acc = if n = 0 then acc else ping (n - 1) (acc - 1)

(* tail call through a closure argument *)
let rec loop_k n k = if n = 0 then k 0 else loop_k (n - 1) k

(* tail call with many arguments *)
let rec many a b c d e f n = if n = 0 then a + b + c + d + e + f
  else many b c d e f (a + 1) (n - 1)

let () =
  Printf.printf "count_down: %d\n" (count_down 10_000_000 0);
  let best = ref (0, 0) in
  for i = 1 to 10_000 do
    let s = collatz_steps i 0 in
    if s > snd !best then best := (i, s)
  done;
  Printf.printf "collatz: %d takes %d steps\n" (fst !best) (snd !best);
  Printf.printf "ping/pong: %d\n" (ping 2_000_001 0);
  Printf.printf "loop_k: %d\n" (loop_k 2_000_000 (fun x -> x + 7));
  Printf.printf "many: %d\n" (many 0 0 0 0 0 0 1_000_000);
  (* while loop with refs *)
  let i = ref 0 and s = ref 0 in
  while !i < 3_000_000 do s := !s + (!i land 7); incr i done;
  Printf.printf "while: %d\n" !s;
  (* for loop with float accumulation *)
  let acc = ref 0.0 in
  for k = 1 to 1_000_000 do acc := !acc +. 1.0 /. float_of_int k done;
  Printf.printf "harmonic: %.12f\n" !acc;
  (* downto *)
  let x = ref 0 in
  for k = 2_000_000 downto 1 do x := !x lxor k done;
  Printf.printf "xor: %d\n" !x;
  (* tail recursion inside a try is not a tail call, but a loop with try inside is fine *)
  let caught = ref 0 in
  for k = 1 to 100_000 do
    try if k mod 1000 = 0 then raise Exit with Exit -> incr caught
  done;
  Printf.printf "caught: %d\n" !caught;
  (* a tail-recursive loop that allocates *)
  let rec alloc_loop n l = if n = 0 then List.length l
    else alloc_loop (n - 1) (if n mod 100_000 = 0 then n :: l else l) in
  Printf.printf "alloc_loop: %d\n" (alloc_loop 1_000_000 []);
  (* List.iter / Array.iter over big structures are loops too *)
  let a = Array.init 1_000_000 (fun i -> i) in
  let t = ref 0 in
  Array.iter (fun v -> t := !t + v) a;
  Printf.printf "array sum: %d\n" !t
