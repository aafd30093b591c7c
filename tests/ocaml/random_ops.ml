(* Random with fixed seeds: Random.init 42 then every generator function; full_init;
   Random.State.make, copy (independent), split (5.0); bits32/64/nativebits; int_in_range;
   shuffling with a seeded state; and statistical sanity (printed as exact counts since
   the sequence is deterministic). *)

let () =
  Random.init 42;
  Printf.printf "int: %s\n" (String.concat " " (List.init 10 (fun _ -> string_of_int (Random.int 1000))));
  Printf.printf "full_int: %d %d\n" (Random.full_int max_int) (Random.full_int (1 lsl 40));
  Printf.printf "int_in_range: %d %d %d\n" (Random.int_in_range ~min:(-5) ~max:5) (Random.int_in_range ~min:min_int ~max:max_int)
    (Random.int_in_range ~min:100 ~max:100);
  Printf.printf "bits: %d %d\n" (Random.bits ()) (Random.bits ());
  Printf.printf "int32: %ld %ld\n" (Random.int32 1000l) (Random.int32 Int32.max_int);
  Printf.printf "int64: %Ld %Ld\n" (Random.int64 1_000_000_000_000L) (Random.int64 Int64.max_int);
  Printf.printf "nativeint: %nd\n" (Random.nativeint 1000n);
  Printf.printf "float: %.17g %.17g\n" (Random.float 1.0) (Random.float 1000.);
  Printf.printf "bool: %b %b %b %b\n" (Random.bool ()) (Random.bool ()) (Random.bool ()) (Random.bool ());
  Printf.printf "bits32 %ld bits64 %Ld nativebits %nd\n" (Random.bits32 ()) (Random.bits64 ()) (Random.nativebits ());
  Printf.printf "int32_in_range %ld int64_in_range %Ld\n" (Random.int32_in_range ~min:(-10l) ~max:10l) (Random.int64_in_range ~min:0L ~max:5L);
  Random.full_init [| 1; 2; 3; 4 |];
  Printf.printf "after full_init: %d %d %d\n" (Random.int 100) (Random.int 100) (Random.int 100);
  Random.init 42;
  Printf.printf "re-init 42 gives the same first int: %d\n" (Random.int 1000);
  let st = Random.State.make [| 7 |] in
  let a = Random.State.int st 1_000_000 in
  let st2 = Random.State.copy st in
  let b = Random.State.int st 1_000_000 and b2 = Random.State.int st2 1_000_000 in
  Printf.printf "state: %d, copy continues identically: %b (%d)\n" a (b = b2) b;
  let child = Random.State.split st in
  Printf.printf "split: parent %d child %d\n" (Random.State.int st 1000) (Random.State.int child 1000);
  Printf.printf "state float %.17g bool %b bits %d\n" (Random.State.float st 1.) (Random.State.bool st) (Random.State.bits st);
  (* shuffle *)
  let arr = Array.init 20 Fun.id in
  let st = Random.State.make [| 2024 |] in
  for i = Array.length arr - 1 downto 1 do
    let j = Random.State.int st (i + 1) in
    let t = arr.(i) in arr.(i) <- arr.(j); arr.(j) <- t
  done;
  Printf.printf "shuffle: %s\n" (String.concat " " (Array.to_list (Array.map string_of_int arr)));
  (* histogram of 100000 draws *)
  let hist = Array.make 10 0 in
  let st = Random.State.make [| 1; 2 |] in
  for _ = 1 to 100_000 do let k = Random.State.int st 10 in hist.(k) <- hist.(k) + 1 done;
  Printf.printf "histogram: %s\n" (String.concat " " (Array.to_list (Array.map string_of_int hist)));
  (* Monte Carlo pi with a fixed seed *)
  let st = Random.State.make [| 3 |] in
  let inside = ref 0 in
  for _ = 1 to 50_000 do
    let x = Random.State.float st 1. and y = Random.State.float st 1. in
    if x *. x +. y *. y <= 1. then incr inside
  done;
  Printf.printf "pi estimate: %.5f\n" (4. *. float_of_int !inside /. 50_000.);
  (* serialisation of states *)
  let st = Random.State.make [| 99 |] in
  let s = Random.State.to_binary_string st in
  let st' = Random.State.of_binary_string s in
  Printf.printf "binary state: %d bytes, same next: %b\n" (String.length s) (Random.State.int st 1000 = Random.State.int st' 1000);
  (match Random.int 0 with _ -> () | exception Invalid_argument m -> Printf.printf "Random.int 0: %s\n" m);
  (match Random.int (1 lsl 30) with _ -> () | exception Invalid_argument m -> Printf.printf "Random.int 2^30: %s\n" m)
