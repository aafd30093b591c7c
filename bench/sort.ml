(* Sorting and polymorphic comparison: List.sort and Array.sort/stable_sort on ints,
   strings, tuples and floats through compare, with closures as comparison functions.
   Usage: sort [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 60_000

let () =
  let seed = ref 7 in
  let rand () = seed := (!seed * 1103515245 + 12345) land 0x3FFFFFFF; !seed in
  let sum = ref 0 in
  for round = 1 to 3 do
    let ints = List.init n (fun _ -> rand () mod 100_000) in
    let sorted = List.sort compare ints in
    sum := !sum + List.nth sorted (n / 2) + round;
    let strs = Array.init (n / 2) (fun _ -> string_of_int (rand ())) in
    Array.sort compare strs;
    sum := !sum + String.length strs.(0) + Char.code strs.(n / 4).[0];
    let pairs = Array.init (n / 2) (fun i -> (rand () mod 100, i)) in
    Array.stable_sort (fun (a, _) (b, _) -> compare b a) pairs;
    sum := !sum + snd pairs.(0) + snd pairs.(n / 2 - 1);
    let floats = Array.init n (fun _ -> float (rand ()) /. 7.) in
    Array.sort Float.compare floats;
    sum := !sum + int_of_float floats.(n / 3);
    let uniq = List.sort_uniq (fun a b -> compare (a mod 1000) (b mod 1000)) ints in
    sum := !sum + List.length uniq
  done;
  Printf.printf "sort %d: %d\n" n !sum
