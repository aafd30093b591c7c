(* Other domains keep running code while this domain loads the next plugins. Each worker
   counts itself started after its first round, and "domains" waits for both before it stops
   them, so the result does not depend on how the system schedules the domains. *)
let stop = Atomic.make false
let started = Atomic.make 0
let workers =
  List.init 2 (fun i ->
      Domain.spawn (fun () ->
          let n = ref 0 in
          while not (Atomic.get stop) do
            if !n = 0 then begin
              n := List.length (List.init 100 (fun j -> i + j));
              Atomic.incr started
            end else
              n := !n + List.length (List.init 100 (fun j -> i + j))
          done;
          !n > 0))
let () =
  Registry.register "domains" (fun x ->
      while Atomic.get started < 2 do Domain.cpu_relax () done;
      Atomic.set stop true;
      List.fold_left (fun acc d -> if Domain.join d then acc + 1 else acc) x workers)
