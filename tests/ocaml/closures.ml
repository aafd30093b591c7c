(* Closures: captured variables, mutable captures, closures in data structures,
   recursive closures, closures capturing many values, and closure identity. *)

let make_counter () =
  let n = ref 0 in
  (fun () -> incr n; !n), (fun () -> n := 0)

let adders = List.map (fun k -> fun x -> x + k) [1; 2; 3; 10; 100]

let compose f g x = f (g x)

let rec make_chain n acc =
  if n = 0 then acc else make_chain (n - 1) (fun x -> acc (x + n))

(* A closure capturing many free variables of different kinds. *)
let big_capture a b c d e f g h i j =
  let s = "str" and fl = 3.25 and l = [a; b] and t = (c, d) in
  fun k ->
    Printf.sprintf "%d %d %d %d %d %d %d %d %d %d %d %s %.2f %d %d"
      a b c d e f g h i j k s fl (List.length l) (fst t + snd t)

(* Mutually recursive local closures sharing an environment. *)
let parity_with_offset off =
  let rec even n = if n = 0 then off else odd (n - 1)
  and odd n = if n = 0 then not off else even (n - 1) in
  even, odd

let closures_in_array () =
  let arr = Array.init 10 (fun i -> fun () -> i * i) in
  Array.map (fun f -> f ()) arr

let () =
  let next, reset = make_counter () in
  Printf.printf "counter: %d %d %d\n" (next ()) (next ()) (next ());
  reset ();
  Printf.printf "after reset: %d\n" (next ());
  let next2, _ = make_counter () in
  Printf.printf "independent: %d %d\n" (next2 ()) (next ());
  List.iter (fun f -> Printf.printf "%d " (f 1000)) adders;
  print_newline ();
  let h = compose (fun x -> x * 2) (fun x -> x + 3) in
  Printf.printf "compose: %d\n" (h 4);
  let chained = make_chain 100 (fun x -> x) in
  Printf.printf "chain: %d\n" (chained 0);
  print_endline (big_capture 1 2 3 4 5 6 7 8 9 10 11);
  let ev, od = parity_with_offset true in
  Printf.printf "parity: %b %b %b %b\n" (ev 10) (od 10) (ev 7) (od 7);
  Array.iter (Printf.printf "%d ") (closures_in_array ());
  print_newline ();
  (* closures capturing loop variables *)
  let fs = ref [] in
  for i = 1 to 5 do fs := (fun () -> i * 10) :: !fs done;
  List.iter (fun f -> Printf.printf "%d " (f ())) !fs;
  print_newline ();
  (* closure over a float, unboxed in environment? *)
  let x = 1.5 in
  let scale y = x *. y in
  Printf.printf "scale: %g %g\n" (scale 2.) (scale (-4.));
  (* closures stored in a Hashtbl and called later *)
  let tbl = Hashtbl.create 8 in
  List.iter (fun (name, op) -> Hashtbl.replace tbl name op)
    [ "add", ( + ); "sub", ( - ); "mul", ( * ); "max", max ];
  List.iter (fun name -> Printf.printf "%s=%d " name ((Hashtbl.find tbl name) 7 3))
    [ "add"; "sub"; "mul"; "max" ];
  print_newline ();
  (* physical equality of closures *)
  let f = fun x -> x + 1 in
  let g = f in
  Printf.printf "same closure: %b\n" (f == g);
  (* closure building a closure building a closure *)
  let three a = fun b -> fun c -> a * 100 + b * 10 + c in
  let p = three 1 in
  let q = p 2 in
  Printf.printf "nested: %d %d %d\n" (q 3) (p 5 6) (three 7 8 9);
  (* many closures alive at once, called after GC *)
  let many = List.init 10000 (fun i -> fun () -> i) in
  Gc.full_major ();
  Printf.printf "sum of many: %d\n" (List.fold_left (fun acc f -> acc + f ()) 0 many)
