(* Each domain has its own stack: deep non-tail recursion in several domains at once, and a
   Stack_overflow caught inside a domain while the others go on. *)
let rec depth n = if n = 0 then 0 else 1 + depth (n - 1)
let rec forever n = 1 + forever (n + 1)

let () =
  let ds = List.init 3 (fun i -> Domain.spawn (fun () -> depth (50_000 * (i + 1)))) in
  let overflow = Domain.spawn (fun () ->
    match forever 0 with _ -> "no overflow?" | exception Stack_overflow -> "Stack_overflow caught") in
  Printf.printf "depths %s\n" (String.concat " " (List.map (fun d -> string_of_int (Domain.join d)) ds));
  print_endline (Domain.join overflow);
  Printf.printf "main depth %d\n" (depth 100_000)
