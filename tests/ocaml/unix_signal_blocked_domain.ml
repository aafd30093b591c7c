(* A signal that the domain which polls first blocks is still handled by a domain that does
   not block it (each domain looks at the recorded signals for itself). *)

let () =
  let handled = Atomic.make 0 in
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> Atomic.incr handled));
  for round = 1 to 20 do
    let before = Atomic.get handled in
    let d =
      Domain.spawn (fun () ->
          ignore (Unix.sigprocmask Unix.SIG_BLOCK [ Sys.sigusr1 ]);
          Unix.kill (Unix.getpid ()) Sys.sigusr1;
          (* this domain's polls see the signal first, and must leave it *)
          for i = 1 to 100_000 do ignore (Sys.opaque_identity (ref i)) done)
    in
    let spins = ref 0 in
    while Atomic.get handled = before && !spins < 50_000_000 do
      incr spins;
      ignore (Sys.opaque_identity (ref !spins))
    done;
    Domain.join d;
    if Atomic.get handled <> before + 1 then Printf.printf "round %d: signal lost\n" round
  done;
  Printf.printf "handled %d\n" (Atomic.get handled)
