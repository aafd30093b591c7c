(* Weak arrays and ephemerons: weak pointers to unreachable heap values are cleared by
   Gc.full_major while reachable ones stay; Weak.get_copy/check/fill/blit; a Weak.Make
   hash set; Ephemeron.K1/K2/Kn query semantics; and an ephemeron hash table
   (Ephemeron.K1.Make) whose dead bindings disappear after clean. Values are created in
   separate functions so no stale stack slot keeps them alive. *)

let[@inline never] fill_weak w keep =
  for i = 0 to Weak.length w - 1 do
    let v = ref (i * 10) in
    Weak.set w i (Some v);
    if i mod 3 = 0 then keep := v :: !keep
  done

let show_weak w =
  String.concat " " (List.init (Weak.length w) (fun i -> match Weak.get w i with Some r -> string_of_int !r | None -> "_"))

module WS = Weak.Make (struct type t = string ref let equal a b = !a = !b let hash a = Hashtbl.hash !a end)

module ET = Ephemeron.K1.Make (struct type t = string ref let equal a b = !a = !b let hash a = Hashtbl.hash !a end)

let[@inline never] fill_set s keep =
  List.iter (fun str ->
      let r = ref str in
      ignore (WS.merge s r);
      if String.length str > 4 then keep := r :: !keep)
    [ "one"; "three"; "five"; "seven"; "eleven"; "two" ]

let[@inline never] fill_table t keep =
  for i = 1 to 10 do
    let k = ref (string_of_int i) in
    ET.replace t k (i * i);
    if i mod 2 = 0 then keep := k :: !keep
  done

let[@inline never] make_ephemerons keep =
  let k1 = ref "key1" and k2 = ref "key2" in
  keep := [ k1 ];
  let e1 = Ephemeron.K1.make k1 "data1" and e2 = Ephemeron.K1.make k2 "data2" in
  (e1, e2)

let () =
  let w = Weak.create 9 in
  let keep = ref [] in
  fill_weak w keep;
  Printf.printf "before GC: %s\n" (show_weak w);
  Gc.full_major ();
  Printf.printf "after GC:  %s\n" (show_weak w);
  Printf.printf "check 0 %b, check 1 %b, length %d\n" (Weak.check w 0) (Weak.check w 1) (Weak.length w);
  (match Weak.get_copy w 3 with Some r -> Printf.printf "get_copy 3 = %d (physically different %b)\n" !r (Some r != Weak.get w 3) | None -> print_endline "get_copy: None");
  Weak.fill w 1 2 (Some (ref 777));
  let w2 = Weak.create 4 in
  Weak.blit w 0 w2 0 4;
  Printf.printf "after fill+blit: w2 = %s\n" (show_weak w2);
  (match Weak.create (-1) with _ -> () | exception Invalid_argument m -> Printf.printf "Weak.create -1: %s\n" m);
  (match Weak.get w 9 with _ -> () | exception Invalid_argument m -> Printf.printf "Weak.get out of bounds: %s\n" m);
  (* weak hash set *)
  let s = WS.create 8 in
  let skeep = ref [] in
  fill_set s skeep;
  Printf.printf "weak set count before GC: %d\n" (WS.count s);
  Gc.full_major ();
  let alive = List.sort compare (WS.fold (fun r acc -> !r :: acc) s []) in
  Printf.printf "weak set after GC: [%s]\n" (String.concat "; " alive);
  Printf.printf "mem three %b, mem one %b\n" (WS.mem s (ref "three")) (WS.mem s (ref "one"));
  let found = WS.find s (ref "seven") in
  Printf.printf "find returns the stored one: %b\n" (List.exists (fun r -> r == found) !skeep);
  (* ephemerons *)
  let ekeep = ref [] in
  let (e1, e2) = make_ephemerons ekeep in
  Gc.full_major ();
  let k1 = List.hd !ekeep in
  Printf.printf "K1 query live key: %s\n" (Option.value ~default:"None" (Ephemeron.K1.query e1 k1));
  Printf.printf "K1 query with an equal but different key: %s\n" (Option.value ~default:"None" (Ephemeron.K1.query e1 (ref "key1")));
  Printf.printf "K1 query dead key's ephemeron with some key: %s\n" (Option.value ~default:"None" (Ephemeron.K1.query e2 (ref "key2")));
  let ka = ref 1 and kb = ref 2 in
  let e = Ephemeron.K2.make ka kb "pair data" in
  Printf.printf "K2 query: %s / swapped %s\n" (Option.value ~default:"None" (Ephemeron.K2.query e ka kb))
    (Option.value ~default:"None" (Ephemeron.K2.query e kb ka));
  let keys = [| ref 'a'; ref 'b'; ref 'c' |] in
  let en = Ephemeron.Kn.make keys 3.5 in
  Printf.printf "Kn query: %s\n" (match Ephemeron.Kn.query en keys with Some f -> string_of_float f | None -> "None");
  (* ephemeron hash table *)
  let t = ET.create 16 in
  let tkeep = ref [] in
  fill_table t tkeep;
  Printf.printf "table length %d\n" (ET.length t);
  Gc.full_major ();
  ET.clean t;
  Printf.printf "after GC + clean: length %d, stats_alive bindings %d\n" (ET.length t) (ET.stats_alive t).Hashtbl.num_bindings;
  let found = List.sort compare (List.filter_map (fun i -> ET.find_opt t (ref (string_of_int i))) (List.init 10 succ)) in
  Printf.printf "found values: %s\n" (String.concat " " (List.map string_of_int found));
  (* Ephemeron.K1.Bucket *)
  let b = Ephemeron.K1.Bucket.make () in
  let bk = ref "bucket key" in
  Ephemeron.K1.Bucket.add b bk 1;
  Ephemeron.K1.Bucket.add b bk 2;
  Printf.printf "bucket find: %s, length %d\n" (match Ephemeron.K1.Bucket.find b bk with Some v -> string_of_int v | None -> "None")
    (Ephemeron.K1.Bucket.length b);
  ignore (Sys.opaque_identity (keep, skeep, ekeep, tkeep, ka, kb, keys, bk))
