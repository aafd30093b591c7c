(* Unix.fork works before any domain was spawned, and is refused after. *)

let () =
  flush stdout;
  (match Unix.fork () with
   | 0 -> print_endline "child before domains"; exit 0
   | pid ->
       (match Unix.waitpid [] pid with
        | _, Unix.WEXITED n -> Printf.printf "first child exited %d\n%!" n
        | _ -> print_endline "other status"));
  let d = Domain.spawn (fun () -> 21 * 2) in
  Printf.printf "domain: %d\n%!" (Domain.join d);
  (try ignore (Unix.fork ()); print_endline "forked" with
   | Failure m -> Printf.printf "Failure %S\n" m)
