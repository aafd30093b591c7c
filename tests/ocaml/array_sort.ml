(* Array functions and sorting: sort, stable_sort (stability checked), fast_sort on
   various inputs (sorted, reversed, equal keys, random), plus Array.map/fold/iter
   variants, blit overlapping, for_all2/exists2, find_opt, split/combine, matrices,
   shuffle with a fixed LCG, and binary search. *)

let show a = String.concat " " (Array.to_list (Array.map string_of_int a))

let is_sorted cmp a =
  let ok = ref true in
  for i = 1 to Array.length a - 1 do if cmp a.(i - 1) a.(i) > 0 then ok := false done;
  !ok

let () =
  let a = [| 5; 2; 9; 1; 5; 6; -3; 0; 12; 7 |] in
  let s = Array.copy a in
  Array.sort compare s;
  Printf.printf "sort: %s\n" (show s);
  let d = Array.copy a in
  Array.sort (fun x y -> compare y x) d;
  Printf.printf "desc: %s\n" (show d);
  (* stability: sort pairs by key only *)
  let pairs = Array.init 20 (fun i -> ((i * 7) mod 5, i)) in
  Array.stable_sort (fun (k1, _) (k2, _) -> compare k1 k2) pairs;
  Printf.printf "stable: %s\n" (String.concat " " (Array.to_list (Array.map (fun (k, i) -> Printf.sprintf "%d/%d" k i) pairs)));
  let stable = ref true in
  for i = 1 to 19 do
    let (k1, i1) = pairs.(i - 1) and (k2, i2) = pairs.(i) in
    if k1 = k2 && i1 > i2 then stable := false
  done;
  Printf.printf "stable order preserved: %b\n" !stable;
  (* larger inputs *)
  let st = ref 42 in
  let rnd () = st := (!st * 1103515245 + 12345) land 0x7fffffff; !st in
  List.iter (fun (name, mk) ->
      let arr = Array.init 20_000 mk in
      let c1 = Array.copy arr and c2 = Array.copy arr and c3 = Array.copy arr in
      Array.sort compare c1; Array.stable_sort compare c2; Array.fast_sort compare c3;
      Printf.printf "%-8s sorted %b %b %b, equal %b, first %d last %d\n" name (is_sorted compare c1)
        (is_sorted compare c2) (is_sorted compare c3) (c1 = c2 && c2 = c3) c1.(0) c1.(19_999))
    [ ("random", fun _ -> rnd () mod 100_000); ("sorted", fun i -> i); ("reversed", fun i -> 20_000 - i);
      ("equal", fun _ -> 7); ("sawtooth", fun i -> i mod 17) ];
  (* sorting strings and floats *)
  let strs = [| "pear"; "Apple"; "apple"; "fig"; ""; "banana"; "Fig" |] in
  Array.sort String.compare strs;
  Printf.printf "strings: %s\n" (String.concat "," (Array.to_list strs));
  let fl = [| 2.5; -1.; nan; 0.; infinity; -0.; 1e-10 |] in
  Array.sort Float.compare fl;
  Printf.printf "floats: %s\n" (String.concat " " (Array.to_list (Array.map string_of_float fl)));
  (* overlapping blit both directions *)
  let b = Array.init 10 Fun.id in
  Array.blit b 0 b 3 5;
  Printf.printf "blit right: %s\n" (show b);
  let b = Array.init 10 Fun.id in
  Array.blit b 4 b 1 5;
  Printf.printf "blit left: %s\n" (show b);
  Printf.printf "fold_left %d fold_right %d\n" (Array.fold_left ( - ) 0 a) (Array.fold_right ( - ) a 0);
  Printf.printf "mapi: %s\n" (show (Array.mapi (fun i x -> i * x) a));
  Printf.printf "exists %b for_all %b mem %b memq %b\n" (Array.exists (fun x -> x < 0) a) (Array.for_all (fun x -> x < 100) a) (Array.mem 12 a) (Array.memq 12 a);
  Printf.printf "find_opt %s find_index %s find_map %s\n"
    (match Array.find_opt (fun x -> x > 5) a with Some x -> string_of_int x | None -> "None")
    (match Array.find_index (fun x -> x = 0) a with Some x -> string_of_int x | None -> "None")
    (match Array.find_map (fun x -> if x > 10 then Some (x * 2) else None) a with Some x -> string_of_int x | None -> "None");
  let xs, ys = Array.split [| (1, 'a'); (2, 'b') |] in
  Printf.printf "split: %s %s\n" (show xs) (String.init 2 (fun i -> ys.(i)));
  Printf.printf "combine: %d\n" (Array.length (Array.combine xs ys));
  Printf.printf "for_all2 %b exists2 %b\n" (Array.for_all2 ( < ) [| 1; 2 |] [| 2; 3 |]) (Array.exists2 ( = ) [| 1; 2 |] [| 0; 2 |]);
  let m = Array.make_matrix 3 3 0 in
  for i = 0 to 2 do for j = 0 to 2 do m.(i).(j) <- i * 3 + j done done;
  Printf.printf "matrix: %s\n" (String.concat " | " (Array.to_list (Array.map show m)));
  let fm = Array.fold_left_map (fun acc x -> (acc + x, acc)) 0 [| 1; 2; 3 |] in
  Printf.printf "fold_left_map: %d [%s]\n" (fst fm) (show (snd fm));
  (* map_inplace / mapi_inplace (5.1) *)
  let ip = Array.init 5 Fun.id in
  Array.map_inplace (fun x -> x * x) ip;
  Array.mapi_inplace (fun i x -> x + i) ip;
  Printf.printf "inplace: %s\n" (show ip);
  (* shuffle with an LCG then binary search *)
  let sorted = Array.init 1000 (fun i -> i * 3) in
  let rec bsearch lo hi x = if lo > hi then -1 else
      let mid = (lo + hi) / 2 in
      if sorted.(mid) = x then mid else if sorted.(mid) < x then bsearch (mid + 1) hi x else bsearch lo (mid - 1) x in
  Printf.printf "bsearch: %d %d %d\n" (bsearch 0 999 0) (bsearch 0 999 2997) (bsearch 0 999 1000);
  Printf.printf "to_seqi: %s\n" (String.concat "," (List.of_seq (Seq.map (fun (i, x) -> Printf.sprintf "%d:%d" i x) (Array.to_seqi [| 7; 8 |]))))
