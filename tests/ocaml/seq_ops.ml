(* Seq: lazy sequences, infinite sequences, unfold, iterate, memoize, zip/unzip,
   interleave, group, sort-merge, take/drop, once (Forced_twice), transposition,
   and conversions from and to the containers. *)

let show s = String.concat " " (List.of_seq (Seq.map string_of_int s))

let () =
  let nat = Seq.ints 0 in
  Printf.printf "take 5 ints: %s\n" (show (Seq.take 5 nat));
  Printf.printf "evens: %s\n" (show (Seq.take 5 (Seq.filter (fun x -> x mod 2 = 0) nat)));
  Printf.printf "squares: %s\n" (show (Seq.take 5 (Seq.map (fun x -> x * x) nat)));
  Printf.printf "unfold fib: %s\n" (show (Seq.take 10 (Seq.unfold (fun (a, b) -> Some (a, (b, a + b))) (0, 1))));
  Printf.printf "iterate: %s\n" (show (Seq.take 6 (Seq.iterate (fun x -> x * 3) 1)));
  Printf.printf "drop/take_while: %s | %s\n" (show (Seq.take 3 (Seq.drop 10 nat))) (show (Seq.take_while (fun x -> x < 4) nat));
  Printf.printf "drop_while: %s\n" (show (Seq.take 2 (Seq.drop_while (fun x -> x < 7) nat)));
  Printf.printf "append/cons: %s\n" (show (Seq.cons (-1) (Seq.append (List.to_seq [ 1; 2 ]) (Seq.return 3))));
  Printf.printf "flat_map: %s\n" (show (Seq.flat_map (fun x -> Seq.repeat x |> Seq.take x) (List.to_seq [ 1; 2; 3 ])));
  Printf.printf "zip: %s\n" (String.concat " " (List.of_seq (Seq.map (fun (a, b) -> Printf.sprintf "%d%c" a b) (Seq.zip nat (String.to_seq "abc")))));
  let a, b = Seq.unzip (List.to_seq [ (1, 'x'); (2, 'y') ]) in
  Printf.printf "unzip: %s %s\n" (show a) (String.of_seq b);
  Printf.printf "interleave: %s\n" (show (Seq.interleave (List.to_seq [ 1; 3; 5 ]) (List.to_seq [ 2; 4; 6; 8; 10 ])));
  Printf.printf "sorted_merge: %s\n" (show (Seq.sorted_merge compare (List.to_seq [ 1; 4; 7 ]) (List.to_seq [ 2; 3; 8 ])));
  Printf.printf "group: %s\n" (String.concat " | " (List.of_seq (Seq.map show (Seq.group ( = ) (List.to_seq [ 1; 1; 2; 3; 3; 3; 1 ])))));
  Printf.printf "fold_left %d, length %d, iteri:" (Seq.fold_left ( + ) 0 (Seq.take 100 nat)) (Seq.length (Seq.take 42 nat));
  Seq.iteri (fun i x -> Printf.printf " %d=%d" i x) (Seq.take 3 (Seq.ints 10));
  print_newline ();
  Printf.printf "exists %b for_all %b find %s\n" (Seq.exists (fun x -> x = 50) (Seq.take 100 nat))
    (Seq.for_all (fun x -> x < 10) (Seq.take 10 nat)) (match Seq.find (fun x -> x * x > 50) nat with Some x -> string_of_int x | None -> "-");
  Printf.printf "equal %b compare %d\n" (Seq.equal ( = ) (Seq.take 3 nat) (List.to_seq [ 0; 1; 2 ])) (Seq.compare compare (Seq.take 3 nat) (List.to_seq [ 0; 2 ]));
  (* memoize: side effects happen once *)
  let count = ref 0 in
  let s = Seq.map (fun x -> incr count; x) (List.to_seq [ 1; 2; 3 ]) in
  let m = Seq.memoize s in
  ignore (Seq.length m); ignore (Seq.length m);
  ignore (Seq.length s);
  Printf.printf "memoize: %d evaluations\n" !count;
  (* once *)
  let o = Seq.once (List.to_seq [ 1; 2 ]) in
  ignore (Seq.length o);
  (match Seq.length o with _ -> print_endline "second traversal ok?" | exception Seq.Forced_twice -> print_endline "Forced_twice");
  Printf.printf "transpose: %s\n" (String.concat " | " (List.of_seq (Seq.map show (Seq.transpose (List.to_seq [ List.to_seq [ 1; 2; 3 ]; List.to_seq [ 4; 5 ]; List.to_seq [ 6 ] ])))));
  Printf.printf "product: %d pairs\n" (Seq.length (Seq.product (Seq.take 4 nat) (Seq.take 5 nat)));
  Printf.printf "mapi/scan: %s | %s\n" (show (Seq.mapi ( * ) (Seq.take 4 (Seq.ints 1)))) (show (Seq.scan ( + ) 0 (Seq.take 5 (Seq.ints 1))));
  Printf.printf "init/repeat/cycle: %s | %s\n" (show (Seq.init 4 (fun i -> i * 10))) (show (Seq.take 7 (Seq.cycle (List.to_seq [ 1; 2; 3 ]))));
  Printf.printf "partition: %s / %s\n" (let a, _ = Seq.partition (fun x -> x > 2) (List.to_seq [ 1; 3; 2; 4 ]) in show a)
    (let _, b = Seq.partition (fun x -> x > 2) (List.to_seq [ 1; 3; 2; 4 ]) in show b);
  Printf.printf "uncons: %s\n" (match Seq.uncons (Seq.ints 5) with Some (x, _) -> string_of_int x | None -> "empty");
  Printf.printf "is_empty: %b %b\n" (Seq.is_empty Seq.empty) (Seq.is_empty nat);
  (* containers *)
  let h = Hashtbl.of_seq (Seq.map (fun i -> (i, i * i)) (Seq.take 5 nat)) in
  Printf.printf "hashtbl from seq: %d\n" (Hashtbl.length h);
  Printf.printf "string/bytes/array: %s %s %s\n" (String.of_seq (Seq.map Char.chr (Seq.take 5 (Seq.ints 65))))
    (Bytes.to_string (Bytes.of_seq (String.to_seq "bytes"))) (show (Array.to_seq (Array.of_seq (Seq.take 3 nat))));
  (* a long lazy pipeline *)
  let total = Seq.ints 1 |> Seq.filter (fun x -> x mod 7 = 0) |> Seq.map (fun x -> x / 7) |> Seq.take 100_000 |> Seq.fold_left ( + ) 0 in
  Printf.printf "pipeline: %d\n" total
