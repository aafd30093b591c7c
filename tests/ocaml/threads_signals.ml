(* Signals with threads: Thread.sigmask, Thread.wait_signal in a thread, OCaml handlers run
   by whichever thread polls. *)

let () =
  let old = Thread.sigmask Unix.SIG_BLOCK [ Sys.sigusr1 ] in
  Printf.printf "usr1 blocked before: %b\n" (List.mem Sys.sigusr1 old);
  let got = ref 0 in
  (* the new thread inherits the mask: it waits for the signal *)
  let t = Thread.create (fun () -> got := Thread.wait_signal [ Sys.sigusr1 ]) () in
  Thread.delay 0.05;
  Unix.kill (Unix.getpid ()) Sys.sigusr1;
  Thread.join t;
  Printf.printf "waited for sigusr1: %b\n" (!got = Sys.sigusr1);
  let now = Thread.sigmask Unix.SIG_SETMASK [] in
  Printf.printf "usr1 blocked then: %b\n" (List.mem Sys.sigusr1 now);
  let handled = Atomic.make 0 in
  Sys.set_signal Sys.sigusr2 (Sys.Signal_handle (fun _ -> Atomic.incr handled));
  let t =
    Thread.create
      (fun () ->
        Unix.kill (Unix.getpid ()) Sys.sigusr2;
        while Atomic.get handled = 0 do Thread.yield () done)
      ()
  in
  Thread.join t;
  Printf.printf "handled %d\n" (Atomic.get handled);
  (* a signal blocked by Thread.sigmask waits until unblocked *)
  ignore (Thread.sigmask Unix.SIG_BLOCK [ Sys.sigusr2 ]);
  Unix.kill (Unix.getpid ()) Sys.sigusr2;
  Thread.delay 0.01;
  Printf.printf "while blocked %d\n" (Atomic.get handled);
  ignore (Thread.sigmask Unix.SIG_UNBLOCK [ Sys.sigusr2 ]);
  Printf.printf "after unblocking %d\n" (Atomic.get handled)
