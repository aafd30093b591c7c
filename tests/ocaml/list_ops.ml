(* List functions of the stdlib: construction, access, iteration, folding, searching,
   filtering, association lists, sorting and merging, combining, equality and compare,
   concat_map/filter_map/partition_map, and the 5.x additions. *)

let pl name l = Printf.printf "%-16s [%s]\n" name (String.concat "; " (List.map string_of_int l))

let () =
  let l = [ 3; 1; 4; 1; 5; 9; 2; 6; 5; 3; 5 ] in
  pl "l" l;
  Printf.printf "length %d, hd %d, nth 4 = %d, nth_opt 20 = %s\n" (List.length l) (List.hd l) (List.nth l 4)
    (match List.nth_opt l 20 with None -> "None" | Some v -> string_of_int v);
  pl "tl" (List.tl l);
  pl "rev" (List.rev l);
  pl "append" (List.append [ 1; 2 ] [ 3 ]);
  pl "rev_append" (List.rev_append [ 1; 2 ] [ 3 ]);
  pl "concat" (List.concat [ [ 1 ]; []; [ 2; 3 ] ]);
  pl "init" (List.init 6 (fun i -> i * i));
  pl "map" (List.map (fun x -> x * 10) l);
  pl "mapi" (List.mapi (fun i x -> i * x) l);
  pl "rev_map" (List.rev_map succ [ 1; 2; 3 ]);
  pl "filter" (List.filter (fun x -> x mod 2 = 1) l);
  pl "filteri" (List.filteri (fun i _ -> i mod 3 = 0) l);
  pl "filter_map" (List.filter_map (fun x -> if x > 4 then Some (x * 100) else None) l);
  pl "concat_map" (List.concat_map (fun x -> [ x; -x ]) [ 1; 2; 3 ]);
  let evens, odds = List.partition (fun x -> x mod 2 = 0) l in
  pl "partition even" evens; pl "partition odd" odds;
  let ints, strs = List.partition_map (fun x -> if x > 3 then Either.Left x else Either.Right (string_of_int x)) l in
  Printf.printf "partition_map    %d ints, strs %s\n" (List.length ints) (String.concat "" strs);
  Printf.printf "fold_left %d fold_right %s\n" (List.fold_left ( - ) 0 l) (List.fold_right (fun x acc -> string_of_int x ^ acc) l "");
  Printf.printf "fold_left_map: %s\n" (let acc, l' = List.fold_left_map (fun acc x -> (acc + x, acc)) 0 [ 1; 2; 3; 4 ] in
                                       Printf.sprintf "%d [%s]" acc (String.concat ";" (List.map string_of_int l')));
  Printf.printf "exists %b for_all %b mem %b memq-ok %b\n" (List.exists (fun x -> x > 8) l) (List.for_all (fun x -> x > 0) l) (List.mem 7 l) (List.memq 3 l);
  Printf.printf "find %d find_opt %s find_map %s find_index %s find_mapi %s\n" (List.find (fun x -> x > 4) l)
    (match List.find_opt (fun x -> x > 100) l with None -> "None" | Some v -> string_of_int v)
    (match List.find_map (fun x -> if x > 5 then Some (x * 2) else None) l with None -> "None" | Some v -> string_of_int v)
    (match List.find_index (fun x -> x = 9) l with None -> "None" | Some v -> string_of_int v)
    (match List.find_mapi (fun i x -> if x = 2 then Some (i * 1000) else None) l with None -> "None" | Some v -> string_of_int v);
  pl "sort" (List.sort compare l);
  pl "sort desc" (List.sort (fun a b -> compare b a) l);
  pl "stable_sort" (List.stable_sort compare l);
  pl "sort_uniq" (List.sort_uniq compare l);
  pl "merge" (List.merge compare [ 1; 4; 9 ] [ 2; 3; 10 ]);
  let pairs = List.combine [ 1; 2; 3 ] [ "a"; "b"; "c" ] in
  let a, b = List.split pairs in
  Printf.printf "combine/split: %s %s\n" (String.concat "" (List.map string_of_int a)) (String.concat "" b);
  Printf.printf "assoc %s assoc_opt %s mem_assoc %b\n" (List.assoc 2 pairs)
    (Option.value ~default:"None" (List.assoc_opt 5 pairs)) (List.mem_assoc 3 pairs);
  Printf.printf "remove_assoc: %d left\n" (List.length (List.remove_assoc 2 pairs));
  pl "map2" (List.map2 ( + ) [ 1; 2; 3 ] [ 10; 20; 30 ]);
  Printf.printf "fold_left2 %d, for_all2 %b, exists2 %b\n" (List.fold_left2 (fun acc x y -> acc + x * y) 0 [ 1; 2 ] [ 3; 4 ])
    (List.for_all2 ( < ) [ 1; 2 ] [ 2; 3 ]) (List.exists2 ( = ) [ 1; 2 ] [ 3; 2 ]);
  Printf.printf "equal %b %b, compare %d %d %d\n" (List.equal ( = ) [ 1; 2 ] [ 1; 2 ]) (List.equal ( = ) [ 1 ] [ 1; 2 ])
    (List.compare compare [ 1; 2 ] [ 1; 3 ]) (List.compare compare [ 1; 2 ] [ 1 ]) (List.compare_lengths [ 1 ] [ 2 ]);
  Printf.printf "compare_length_with %d %d\n" (List.compare_length_with l 5) (List.compare_length_with l 11);
  Printf.printf "is_empty %b %b\n" (List.is_empty []) (List.is_empty l);
  pl "take 3" (List.take 3 l);
  pl "drop 8" (List.drop 8 l);
  pl "take_while" (List.take_while (fun x -> x < 5) l);
  pl "drop_while" (List.drop_while (fun x -> x < 5) l);
  pl "of_seq" (List.of_seq (Seq.take 4 (Seq.ints 100)));
  pl "flatten" (List.flatten [ [ 1; 2 ]; [ 3 ] ]);
  let r = ref [] in
  List.iteri (fun i x -> if i < 3 then r := (i + x) :: !r) l;
  List.iter2 (fun x y -> r := (x * y) :: !r) [ 2; 3 ] [ 4; 5 ];
  pl "iteri/iter2" !r;
  (* structural comparison on lists of lists and strings *)
  Printf.printf "compare nested: %d %d\n" (compare [ [ 1; 2 ]; [ 3 ] ] [ [ 1; 2 ]; [ 4 ] ]) (compare [ "b" ] [ "a"; "z" ])
