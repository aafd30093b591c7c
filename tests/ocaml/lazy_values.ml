(* Lazy: forcing once, side effects happen once, exceptions raised by forcing are
   re-raised each time (CamlinternalLazy.Undefined for recursive forcing), Lazy.from_val,
   is_val, map, lazy lists, and lazy values surviving GCs. *)

let counter = ref 0

type stream = cell Lazy.t
and cell = Nil | Cell of int * stream

let () =
  let l = lazy (incr counter; 6 * 7) in
  Printf.printf "is_val before: %b, counter %d\n" (Lazy.is_val l) !counter;
  let v1 = Lazy.force l in
  Printf.printf "force: %d, counter %d\n" v1 !counter;
  let v2 = Lazy.force l in
  Printf.printf "force again: %d, counter %d, is_val %b\n" v2 !counter (Lazy.is_val l);
  let v = Lazy.from_val "ready" in
  Printf.printf "from_val: %s is_val %b\n" (Lazy.force v) (Lazy.is_val v);
  let m = Lazy.map (fun x -> x + 1) l in
  Printf.printf "map: %d\n" (Lazy.force m);
  let m2 = Lazy.map_val String.length v in
  Printf.printf "map_val: %d is_val %b\n" (Lazy.force m2) (Lazy.is_val m2);
  (* exceptions *)
  let attempts = ref 0 in
  let bad = lazy (incr attempts; failwith "lazy failure") in
  for _ = 1 to 3 do
    try ignore (Lazy.force bad) with Failure m -> Printf.printf "forced: Failure %s (attempts %d)\n" m !attempts
  done;
  (* recursive forcing *)
  let rec self = lazy (Lazy.force self + 1) in
  (match Lazy.force self with
   | _ -> print_endline "no exception?"
   | exception Lazy.Undefined -> print_endline "Lazy.Undefined");
  (* lazy streams *)
  let rec from n : stream = lazy (Cell (n, from (n + 1))) in
  let rec take n s = if n = 0 then [] else match Lazy.force s with Nil -> [] | Cell (x, rest) -> x :: take (n - 1) rest in
  Printf.printf "stream: %s\n" (String.concat " " (List.map string_of_int (take 10 (from 5))));
  (* sieve of Eratosthenes with lazy streams *)
  let rec filter p s = lazy (match Lazy.force s with Nil -> Nil | Cell (x, r) -> if p x then Cell (x, filter p r) else Lazy.force (filter p r)) in
  let rec sieve s = lazy (match Lazy.force s with Nil -> Nil | Cell (p, r) -> Cell (p, sieve (filter (fun x -> x mod p <> 0) r))) in
  Printf.printf "primes: %s\n" (String.concat " " (List.map string_of_int (take 25 (sieve (from 2)))));
  (* many lazy values forced after GC *)
  let arr = Array.init 10_000 (fun i -> lazy (i * i)) in
  Gc.full_major ();
  let total = Array.fold_left (fun acc z -> acc + Lazy.force z) 0 arr in
  Gc.full_major ();
  let total2 = Array.fold_left (fun acc z -> acc + Lazy.force z) 0 arr in
  Printf.printf "sum of squares: %d %d\n" total total2;
  (* lazy float values *)
  let lf = lazy (sqrt 2.0) in
  Printf.printf "lazy float: %.10f\n" (Lazy.force lf);
  (* lazy pattern *)
  let check = function lazy 42 -> "forty-two" | lazy n -> string_of_int n in
  Printf.printf "lazy pattern: %s %s\n" (check l) (check (lazy 7));
  (* Lazy.force on a value raising Not_found then succeeding is impossible: it keeps raising *)
  let nf = lazy (raise Not_found) in
  let r1 = try Lazy.force nf with Not_found -> -1 in
  let r2 = try Lazy.force nf with Not_found -> -2 in
  Printf.printf "not_found twice: %d %d\n" r1 r2
