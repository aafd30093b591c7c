(* Queue and Stack: push/pop/peek/take/top, emptiness, iteration order, transfer,
   copy, fold, to_seq/of_seq/add_seq, exceptions on empty structures, large sizes. *)

let () =
  let q = Queue.create () in
  for i = 1 to 10 do Queue.push i q done;
  Printf.printf "queue length %d, peek %d, take %d, pop %d\n" (Queue.length q) (Queue.peek q) (Queue.take q) (Queue.pop q);
  Printf.printf "elements: %s\n" (String.concat " " (List.map string_of_int (List.of_seq (Queue.to_seq q))));
  let q2 = Queue.copy q in
  Queue.clear q;
  Printf.printf "cleared %b, copy length %d\n" (Queue.is_empty q) (Queue.length q2);
  Queue.add 100 q;
  Queue.transfer q2 q;
  Printf.printf "after transfer: q=%s q2 empty=%b\n" (String.concat "," (List.map string_of_int (List.of_seq (Queue.to_seq q)))) (Queue.is_empty q2);
  Printf.printf "fold sum %d\n" (Queue.fold ( + ) 0 q);
  Printf.printf "take_opt on empty: %s, peek_opt: %s\n"
    (match Queue.take_opt q2 with None -> "None" | Some _ -> "Some") (match Queue.peek_opt q with None -> "None" | Some v -> string_of_int v);
  (match Queue.take q2 with _ -> () | exception Queue.Empty -> print_endline "Queue.Empty raised");
  Queue.add_seq q (List.to_seq [ 7; 8; 9 ]);
  let copy = Queue.of_seq (Queue.to_seq q) in
  Printf.printf "of_seq length %d, last elements %s\n" (Queue.length copy)
    (String.concat "," (List.map string_of_int (List.filteri (fun i _ -> i >= 8) (List.of_seq (Queue.to_seq copy)))));
  Queue.iter (fun x -> if x > 8 then Printf.printf "iter sees %d\n" x) q;
  Printf.printf "drop: "; Queue.drop q; Printf.printf "now %d elements, peek %d\n" (Queue.length q) (Queue.peek q);
  let s = Stack.create () in
  List.iter (fun x -> Stack.push x s) [ "a"; "b"; "c"; "d" ];
  Printf.printf "stack length %d, top %s, pop %s, pop %s\n" (Stack.length s) (Stack.top s) (Stack.pop s) (Stack.pop s);
  Printf.printf "stack to_seq: %s\n" (String.concat "" (List.of_seq (Stack.to_seq s)));
  let s2 = Stack.copy s in
  Stack.push "z" s2;
  Printf.printf "copy length %d original %d\n" (Stack.length s2) (Stack.length s);
  Stack.iter (fun x -> Printf.printf "[%s]" x) s2;
  print_newline ();
  Printf.printf "fold: %s\n" (Stack.fold (fun acc x -> acc ^ x) "" s2);
  Stack.clear s;
  (match Stack.pop s with _ -> () | exception Stack.Empty -> print_endline "Stack.Empty raised");
  Printf.printf "pop_opt %s top_opt %s\n" (Option.value ~default:"None" (Stack.pop_opt s)) (Option.value ~default:"None" (Stack.top_opt s2));
  Stack.add_seq s (List.to_seq [ "x"; "y" ]);
  Printf.printf "add_seq: top %s\n" (Stack.top s);
  Stack.drop s;
  Printf.printf "after drop: top %s\n" (Stack.top s);
  (* a BFS on a grid using Queue *)
  let n = 30 in
  let dist = Array.make_matrix n n (-1) in
  let wq = Queue.create () in
  dist.(0).(0) <- 0; Queue.push (0, 0) wq;
  while not (Queue.is_empty wq) do
    let (x, y) = Queue.pop wq in
    List.iter (fun (dx, dy) ->
        let x' = x + dx and y' = y + dy in
        if x' >= 0 && y' >= 0 && x' < n && y' < n && dist.(x').(y') < 0 && (x' * y') mod 7 <> 3 then begin
          dist.(x').(y') <- dist.(x).(y) + 1; Queue.push (x', y') wq end) [ (1, 0); (0, 1); (-1, 0); (0, -1) ]
  done;
  Printf.printf "bfs distance to corner: %d\n" dist.(n - 1).(n - 1);
  let big = Queue.create () in
  for i = 1 to 1_000_000 do Queue.push i big done;
  let sum = ref 0 in
  while not (Queue.is_empty big) do sum := !sum + Queue.pop big done;
  Printf.printf "big queue sum %d\n" !sum
