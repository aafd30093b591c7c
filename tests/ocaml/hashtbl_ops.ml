(* Hashtbl: add/replace/remove/find/find_all/mem, shadowing with add, iteration and fold
   (printed in sorted order and in table order, which depends on the hash function),
   resizing, copy, filter_map_inplace, of_seq, stats, and the randomize-free default. *)

let sorted_bindings h =
  List.sort compare (Hashtbl.fold (fun k v acc -> (k, v) :: acc) h [])

let () =
  let h = Hashtbl.create 4 in
  for i = 0 to 99 do Hashtbl.add h (Printf.sprintf "key%d" i) i done;
  Printf.printf "length %d, find key42 = %d, mem key100 = %b\n" (Hashtbl.length h) (Hashtbl.find h "key42") (Hashtbl.mem h "key100");
  Hashtbl.add h "key42" 4200;
  Printf.printf "shadowed: %d, find_all: [%s]\n" (Hashtbl.find h "key42")
    (String.concat ";" (List.map string_of_int (Hashtbl.find_all h "key42")));
  Hashtbl.remove h "key42";
  Printf.printf "after remove: %d\n" (Hashtbl.find h "key42");
  Hashtbl.replace h "key42" (-42);
  Printf.printf "after replace: [%s]\n" (String.concat ";" (List.map string_of_int (Hashtbl.find_all h "key42")));
  Printf.printf "find_opt missing: %s\n" (match Hashtbl.find_opt h "nope" with None -> "None" | Some _ -> "Some");
  (* iteration order of the table is determined by the hash function and the resize policy *)
  let small = Hashtbl.create 8 in
  List.iter (fun k -> Hashtbl.replace small k (String.length k)) [ "one"; "two"; "three"; "four"; "five"; "six"; "seven"; "eight"; "nine"; "ten" ];
  print_string "table order:";
  Hashtbl.iter (fun k v -> Printf.printf " %s=%d" k v) small;
  print_newline ();
  print_string "to_seq_keys order:";
  Seq.iter (Printf.printf " %s") (Hashtbl.to_seq_keys small);
  print_newline ();
  let ints = Hashtbl.create 16 in
  for i = 0 to 40 do Hashtbl.replace ints (i * 7919 mod 1000) i done;
  print_string "int table order:";
  Hashtbl.iter (fun k _ -> Printf.printf " %d" k) ints;
  print_newline ();
  let st = Hashtbl.stats ints in
  Printf.printf "stats: bindings %d buckets %d max bucket %d histogram [%s]\n" st.Hashtbl.num_bindings st.Hashtbl.num_buckets
    st.Hashtbl.max_bucket_length (String.concat ";" (Array.to_list (Array.map string_of_int st.Hashtbl.bucket_histogram)));
  (* filter_map_inplace and copy *)
  let c = Hashtbl.copy small in
  Hashtbl.filter_map_inplace (fun _ v -> if v > 3 then Some (v * 10) else None) c;
  Printf.printf "filtered copy: %s\n" (String.concat " " (List.map (fun (k, v) -> k ^ "=" ^ string_of_int v) (sorted_bindings c)));
  Printf.printf "original untouched: %d bindings\n" (Hashtbl.length small);
  (* reset vs clear *)
  Hashtbl.clear c;
  Printf.printf "cleared: %d\n" (Hashtbl.length c);
  (* keys of various types *)
  let mixed = Hashtbl.create 8 in
  Hashtbl.replace mixed (1, "a") "tuple";
  Hashtbl.replace mixed (2, "b") "tuple2";
  Hashtbl.replace mixed (1, "a") "tuple replaced";
  Printf.printf "tuple keys: %s / %s\n" (Hashtbl.find mixed (1, "a")) (Hashtbl.find mixed (2, "b"));
  let fl = Hashtbl.create 8 in
  Hashtbl.replace fl 0.0 "zero"; Hashtbl.replace fl (-0.0) "minus zero"; Hashtbl.replace fl nan "nan";
  Printf.printf "float keys: length %d, 0.0 -> %s, nan found: %b\n" (Hashtbl.length fl) (Hashtbl.find fl 0.0) (Hashtbl.mem fl nan);
  (* of_seq / to_seq roundtrip *)
  let h2 = Hashtbl.of_seq (List.to_seq [ ("a", 1); ("b", 2); ("a", 3) ]) in
  Printf.printf "of_seq: %s\n" (String.concat " " (List.map (fun (k, v) -> k ^ string_of_int v) (sorted_bindings h2)));
  (* large table *)
  let big = Hashtbl.create 16 in
  for i = 1 to 200_000 do Hashtbl.replace big i (i * 2) done;
  let sum = Hashtbl.fold (fun _ v acc -> acc + v) big 0 in
  Printf.printf "big: %d bindings, sum %d, find 123456 = %d\n" (Hashtbl.length big) sum (Hashtbl.find big 123456);
  for i = 1 to 100_000 do Hashtbl.remove big (i * 2) done;
  Printf.printf "after removals: %d\n" (Hashtbl.length big);
  (* modifying during fold is not allowed, but replace of existing keys during iter is fine *)
  Hashtbl.iter (fun k v -> if k < 10 then Hashtbl.replace big k (v + 1)) big;
  Printf.printf "find 1 = %d, find 3 = %d\n" (Hashtbl.find big 1) (Hashtbl.find big 3);
  Printf.printf "is_randomized: %b\n" (Hashtbl.is_randomized ())
