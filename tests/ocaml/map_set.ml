(* Map and Set from the stdlib functors: construction, lookups, updates, ordered
   traversal, split/partition/filter/union/inter/diff, min/max, find_first, to_seq_from,
   merge/union of maps, and large sizes. *)

module IM = Map.Make (Int)
module SM = Map.Make (String)
module IS = Set.Make (Int)
module SS = Set.Make (String)

let show_is s = "{" ^ String.concat "," (List.map string_of_int (IS.elements s)) ^ "}"
let show_im m = "{" ^ String.concat "," (List.map (fun (k, v) -> Printf.sprintf "%d:%s" k v) (IM.bindings m)) ^ "}"

let () =
  let m = List.fold_left (fun m (k, v) -> IM.add k v m) IM.empty [ (5, "five"); (1, "one"); (9, "nine"); (3, "three"); (7, "seven") ] in
  Printf.printf "map: %s cardinal %d\n" (show_im m) (IM.cardinal m);
  Printf.printf "find 3 = %s, find_opt 4 = %s, mem 9 = %b\n" (IM.find 3 m) (Option.value ~default:"-" (IM.find_opt 4 m)) (IM.mem 9 m);
  let m2 = IM.remove 5 (IM.add 3 "THREE" m) in
  Printf.printf "updated: %s (original %s)\n" (show_im m2) (show_im m);
  let m3 = IM.update 1 (function Some v -> Some (v ^ "!") | None -> None) m |> IM.update 2 (fun _ -> Some "two") |> IM.update 9 (fun _ -> None) in
  Printf.printf "update: %s\n" (show_im m3);
  let (lo, mid, hi) = IM.split 5 m in
  Printf.printf "split 5: %s %s %s\n" (show_im lo) (Option.value ~default:"none" mid) (show_im hi);
  Printf.printf "min %d max %d\n" (fst (IM.min_binding m)) (fst (IM.max_binding m));
  Printf.printf "find_first >4: %d, find_last <4: %d\n" (fst (IM.find_first (fun k -> k > 4) m)) (fst (IM.find_last (fun k -> k < 4) m));
  Printf.printf "filter odd keys >3: %s\n" (show_im (IM.filter (fun k _ -> k > 3) m));
  Printf.printf "map values: %s\n" (show_im (IM.map String.uppercase_ascii m));
  Printf.printf "mapi: %s\n" (show_im (IM.mapi (fun k v -> string_of_int k ^ v) m));
  Printf.printf "fold: %s\n" (IM.fold (fun k v acc -> acc ^ string_of_int k ^ String.sub v 0 1) m "");
  let a = IM.of_seq (List.to_seq [ (1, "a"); (2, "b"); (3, "c") ]) and b = IM.of_seq (List.to_seq [ (2, "B"); (3, "C"); (4, "D") ]) in
  let u = IM.union (fun _ x y -> Some (x ^ y)) a b in
  Printf.printf "union: %s\n" (show_im u);
  let mg = IM.merge (fun _ x y -> match x, y with Some x, None -> Some x | None, Some y -> Some y | Some _, Some _ -> None | None, None -> None) a b in
  Printf.printf "merge (xor): %s\n" (show_im mg);
  Printf.printf "equal: %b %b, compare: %d\n" (IM.equal String.equal a a) (IM.equal String.equal a b) (IM.compare String.compare a b);
  Printf.printf "to_seq_from 2: %s\n" (String.concat "," (List.of_seq (Seq.map snd (IM.to_seq_from 2 a))));
  Printf.printf "to_rev_seq: %s\n" (String.concat "," (List.of_seq (Seq.map snd (IM.to_rev_seq a))));
  let parts = IM.partition (fun k _ -> k mod 2 = 0) u in
  Printf.printf "partition: %s %s\n" (show_im (fst parts)) (show_im (snd parts));
  let sm = SM.of_list [ ("pear", 3); ("apple", 1); ("fig", 2); ("Zebra", 0) ] in
  SM.iter (fun k v -> Printf.printf "%s=%d " k v) sm;
  print_newline ();
  (* sets *)
  let s1 = IS.of_list [ 5; 3; 8; 1; 9; 3 ] and s2 = IS.of_list [ 2; 3; 5; 7 ] in
  Printf.printf "s1 %s s2 %s\n" (show_is s1) (show_is s2);
  Printf.printf "union %s inter %s diff %s\n" (show_is (IS.union s1 s2)) (show_is (IS.inter s1 s2)) (show_is (IS.diff s1 s2));
  Printf.printf "subset %b %b, disjoint %b\n" (IS.subset (IS.of_list [ 3; 5 ]) s1) (IS.subset s2 s1) (IS.disjoint s1 (IS.of_list [ 4; 6 ]));
  let (l, present, r) = IS.split 5 s1 in
  Printf.printf "split 5: %s %b %s\n" (show_is l) present (show_is r);
  Printf.printf "min %d max %d choose-ok %b\n" (IS.min_elt s1) (IS.max_elt s1) (IS.mem (IS.choose s1) s1);
  Printf.printf "map (*2): %s, filter_map: %s\n" (show_is (IS.map (fun x -> x * 2) s1))
    (show_is (IS.filter_map (fun x -> if x > 3 then Some (x - 3) else None) s1));
  let ss = SS.of_list (String.split_on_char ' ' "the quick brown fox jumps over the lazy dog") in
  Printf.printf "words: %s (%d)\n" (String.concat " " (SS.elements ss)) (SS.cardinal ss);
  (* big structures *)
  let big = ref IS.empty in
  for i = 1 to 30_000 do big := IS.add ((i * 7919) mod 30_011) !big done;
  Printf.printf "big set: %d elements, min %d max %d\n" (IS.cardinal !big) (IS.min_elt !big) (IS.max_elt !big);
  let bm = ref IM.empty in
  for i = 1 to 30_000 do bm := IM.add i (string_of_int i) !bm done;
  for i = 1 to 15_000 do bm := IM.remove (2 * i) !bm done;
  Printf.printf "big map: %d bindings, find 29999 = %s\n" (IM.cardinal !bm) (IM.find 29999 !bm)
