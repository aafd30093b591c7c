(* fork with threads: only the forking thread lives on in the child, which can start new
   threads; the parent's threads go on. *)

let () =
  let m = Mutex.create () and c = Condition.create () and go = ref false in
  let waiter =
    Thread.create
      (fun () ->
        Mutex.lock m;
        while not !go do Condition.wait c m done;
        Mutex.unlock m;
        print_endline "parent's waiter woke")
      ()
  in
  Thread.delay 0.02;
  match Unix.fork () with
  | 0 ->
      let t = Thread.create (fun () -> print_endline "child's new thread runs") () in
      Thread.join t;
      Printf.printf "child: self id %d\n" (Thread.id (Thread.self ()));
      exit 3
  | pid ->
      let _, st = Unix.waitpid [] pid in
      (match st with
       | Unix.WEXITED n -> Printf.printf "child exited %d\n%!" n
       | _ -> print_endline "child died");
      Mutex.lock m;
      go := true;
      Condition.signal c;
      Mutex.unlock m;
      Thread.join waiter;
      print_endline "parent done"
