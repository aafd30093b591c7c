(* Backtraces and call stacks are per thread (a switch in between keeps each thread's own);
   DLS is per domain, shared by its threads. *)

let key = Domain.DLS.new_key (fun () -> ref 0)

let[@inline never] rec down n f = if n = 0 then f () else 1 + down (n - 1) f

let text cs =
  Printf.sprintf "%d frames\n%s" (Printexc.raw_backtrace_length cs)
    (Printexc.raw_backtrace_to_string cs)

let () =
  Printexc.record_backtrace true;
  let main_bt =
    try ignore (down 1 (fun () -> failwith "main")); "" with Failure _ ->
      Printexc.get_raw_backtrace () |> text
  in
  print_string ("main's backtrace: " ^ main_bt);
  let m = Mutex.create () in
  let from_thread = ref [] in
  let t =
    Thread.create
      (fun () ->
        ignore (down 3 (fun () ->
          let cs = Printexc.get_callstack 10 in
          Thread.yield ();
          from_thread := ("callstack: " ^ text cs) :: !from_thread; 0));
        (try ignore (down 2 (fun () -> raise Not_found)) with Not_found ->
           Thread.delay 0.02;
           (* the main thread raised meanwhile: this thread's backtrace is still its own *)
           let bt = Printexc.get_raw_backtrace () in
           from_thread := ("backtrace: " ^ text bt) :: !from_thread);
        Mutex.lock m;
        incr (Domain.DLS.get key);
        Mutex.unlock m)
      ()
  in
  (try ignore (down 4 (fun () -> raise Exit)) with Exit -> Thread.delay 0.01);
  Thread.join t;
  List.iter print_string (List.rev !from_thread);
  print_string ("main's latest: " ^ text (Printexc.get_raw_backtrace ()));
  incr (Domain.DLS.get key);
  Printf.printf "DLS counter seen by both threads: %d\n" !(Domain.DLS.get key);
  let d = Domain.spawn (fun () ->
    let t = Thread.create (fun () -> incr (Domain.DLS.get key)) () in
    Thread.join t; !(Domain.DLS.get key)) in
  Printf.printf "in another domain: %d\n" (Domain.join d)
