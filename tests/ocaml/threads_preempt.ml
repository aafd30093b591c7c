(* The tick preempts a thread that never blocks or yields: the spinning main thread lets the
   others run, and threads that only compute share the domain. *)

let () =
  let flag = Atomic.make false in
  let t = Thread.create (fun () -> Atomic.set flag true) () in
  (* no allocation, no call: only the loop's poll point lets the other thread in *)
  let spins = ref 0 in
  while not (Atomic.get flag) do incr spins done;
  Thread.join t;
  print_endline "main saw the flag";
  (* two compute-bound threads both make progress while the other has not finished *)
  let progress = Array.make 2 0 and stop = Atomic.make false in
  let worker i () =
    while not (Atomic.get stop) do
      progress.(i) <- progress.(i) + 1
    done
  in
  let ts = List.init 2 (fun i -> Thread.create (worker i) ()) in
  while progress.(0) = 0 || progress.(1) = 0 do Thread.yield () done;
  Atomic.set stop true;
  List.iter Thread.join ts;
  print_endline "both workers ran";
  (* Thread.yield hands over to a waiting thread *)
  let order = ref [] and m = Mutex.create () in
  let note s = Mutex.lock m; order := s :: !order; Mutex.unlock m in
  let t = Thread.create (fun () -> note "thread") () in
  while !order = [] do Thread.yield () done;
  note "main";
  Thread.join t;
  print_endline (String.concat " then " (List.rev !order))
