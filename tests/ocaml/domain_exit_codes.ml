(* Stdlib.exit from a child domain ends the program with that status after at_exit. *)
let () =
  at_exit (fun () -> print_endline "main at_exit");
  let m = Mutex.create () in
  let d = Domain.spawn (fun () ->
    Mutex.lock m;
    print_endline "child exiting with 3";
    exit 3) in
  ignore d;
  let rec spin n = if n > 0 then spin (n - 1) else () in
  while true do spin 1000; Domain.cpu_relax () done
