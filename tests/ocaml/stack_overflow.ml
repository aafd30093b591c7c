(* Stack_overflow from unbounded recursion is an ordinary exception in OCaml 5.
   The stack limit is lowered with Gc.set so the test stays fast. *)

let depth = ref 0

let rec unbounded n = depth := n; 1 + unbounded (n + 1)

let rec unbounded_float x = x +. unbounded_float (x +. 1.)

let rec with_handlers n = try 1 + with_handlers (n + 1) with Not_found -> 0

let () =
  let limit = 1_000_000 in
  Gc.set { (Gc.get ()) with Gc.stack_limit = limit };
  Printf.printf "stack_limit: %d\n" (Gc.get ()).Gc.stack_limit;
  (match unbounded 0 with
   | _ -> print_endline "returned?"
   | exception Stack_overflow ->
     Printf.printf "caught Stack_overflow; depth > 50000: %b; depth < 1000000: %b\n"
       (!depth > 50_000) (!depth < 1_000_000));
  (* the runtime must still work after the overflow *)
  let l = List.init 1000 (fun i -> i) in
  Printf.printf "after: %d\n" (List.fold_left ( + ) 0 l);
  (match unbounded_float 0. with
   | _ -> print_endline "returned?"
   | exception Stack_overflow -> print_endline "caught again (float)");
  (match with_handlers 0 with
   | _ -> print_endline "returned?"
   | exception Stack_overflow -> print_endline "caught through handlers");
  (* Printexc names it *)
  print_endline (Printexc.to_string Stack_overflow);
  (* overflow many times in a row *)
  let count = ref 0 in
  for _ = 1 to 5 do
    try ignore (unbounded 0) with Stack_overflow -> incr count
  done;
  Printf.printf "overflows caught: %d\n" !count;
  (* raising the limit again allows deep recursion *)
  Gc.set { (Gc.get ()) with Gc.stack_limit = 8_000_000 };
  let rec sum n = if n = 0 then 0 else n + sum (n - 1) in
  Printf.printf "deep after raising the limit: %d\n" (sum 400_000)
