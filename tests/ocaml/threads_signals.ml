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

(* a signal that the running thread blocks is handled by a thread that does not block it *)
let () =
  let handled_by = Atomic.make (-1) in
  Sys.set_signal Sys.sigusr1
    (Sys.Signal_handle (fun _ -> Atomic.set handled_by (Thread.id (Thread.self ()))));
  let a =
    Thread.create
      (fun () ->
        ignore (Thread.sigmask Unix.SIG_BLOCK [ Sys.sigusr1 ]);
        Unix.kill (Unix.getpid ()) Sys.sigusr1;
        (* polls of this thread, which must leave the signal to the other *)
        for i = 1 to 10_000 do ignore (Sys.opaque_identity (ref i)) done)
      ()
  in
  Thread.join a;
  let n = ref 0 in
  while Atomic.get handled_by < 0 && !n < 1_000_000 do incr n; ignore (Sys.opaque_identity (ref !n)) done;
  Printf.printf "sigusr1 handled by thread %d\n" (Atomic.get handled_by)
