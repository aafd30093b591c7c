(* Lists of a million elements: building, mapping (tail-modulo-cons List.map),
   rev, fold_right, length, conversion to and from arrays, and survival across
   a major collection. A 100k-element prefix is also sorted and filtered. *)

let () =
  let n = 1_000_000 in
  let l = List.init n (fun i -> (i * 7919) mod n) in
  Printf.printf "length %d, hd %d\n" (List.length l) (List.hd l);
  let m = List.map (fun x -> x + 1) l in
  Printf.printf "map: sum %d\n" (List.fold_left ( + ) 0 m);
  let r = List.rev l in
  Printf.printf "rev: hd %d last %d\n" (List.hd r) (List.nth r (n - 1));
  let a = Array.of_list m in
  Printf.printf "to array: length %d a.(500000) = %d\n" (Array.length a) a.(500000);
  Printf.printf "equal after roundtrip of a prefix: %b\n" (Array.to_list (Array.sub a 0 1000) = List.filteri (fun i _ -> i < 1000) m);
  Gc.full_major ();
  Printf.printf "after full_major: sum %d\n" (List.fold_left ( + ) 0 l);
  Printf.printf "fold_right odd count: %d\n" (List.fold_right (fun x acc -> acc + (x land 1)) l 0);
  let prefix = List.filteri (fun i _ -> i < 100_000) l in
  let sorted = List.sort Int.compare prefix in
  let ok = ref true and prev = ref (-1) in
  List.iter (fun x -> if x < !prev then ok := false; prev := x) sorted;
  Printf.printf "sort 100k: ordered %b, first %d, last %d\n" !ok (List.hd sorted) (List.nth sorted 99_999);
  Printf.printf "filter: %d multiples of 3\n" (List.length (List.filter (fun x -> x mod 3 = 0) prefix));
  Printf.printf "append: length %d\n" (List.length (prefix @ prefix));
  let strs = List.map string_of_int prefix in
  Printf.printf "string list total length: %d\n" (List.fold_left (fun acc s -> acc + String.length s) 0 strs)
