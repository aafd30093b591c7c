(* Stack_overflow with the stack limit set through OCAMLRUNPARAM=l=... (see the .env
   file), and an uncaught Stack_overflow at the end (exit status 2). *)

let rec down n = 1 + down (n + 1)

let rec count n = if n = 0 then 0 else 1 + count (n - 1)

let () =
  Printf.printf "stack_limit: %d\n" (Gc.get ()).Gc.stack_limit;
  (try ignore (down 0) with Stack_overflow -> print_endline "caught");
  Printf.printf "small recursion ok: %d\n" (count 1000);
  (match count 10_000_000 with
   | n -> Printf.printf "count %d\n" n
   | exception Stack_overflow -> print_endline "10M frames do not fit");
  flush stdout;
  ignore (down 0);
  print_endline "not reached"
