(* Uncaught exceptions in threads: the default report, a custom handler, a handler that
   raises, and the thread's own backtrace. *)

exception Custom of int * string

let () = Printexc.record_backtrace true

let[@inline never] rec deep n = if n = 0 then raise (Custom (42, "deep")) else 1 + deep (n - 1)

let () =
  let t = Thread.create (fun () -> failwith "in a thread") () in
  Thread.join t;
  let t = Thread.create (fun () -> ignore (deep 3)) () in
  Thread.join t;
  prerr_endline "-- custom handler";
  Thread.set_uncaught_exception_handler (fun e ->
      Printf.eprintf "handler got %s in thread %d\n%!" (Printexc.to_string e)
        (Thread.id (Thread.self ())));
  let t = Thread.create (fun () -> raise Not_found) () in
  Thread.join t;
  prerr_endline "-- handler that exits";
  Thread.set_uncaught_exception_handler (fun _ -> (Thread.exit [@alert "-deprecated"]) ());
  let t = Thread.create (fun () -> raise Exit) () in
  Thread.join t;
  prerr_endline "-- handler that raises";
  Thread.set_uncaught_exception_handler (fun _ -> raise (Custom (1, "again")));
  let t = Thread.create (fun () -> invalid_arg "first") () in
  Thread.join t;
  print_endline "main goes on";
  (* the main thread's own uncaught exception ends the program *)
  let _ = Thread.create (fun () -> Thread.delay 10.) () in
  raise (Custom (7, "main"))
