(* 1,000 domains spawned and joined in sequence, then 100 alive at once (blocked on a
   mutex) while another domain allocates hard and collects. *)
let () =
  let total = ref 0 in
  for i = 1 to 1000 do total := !total + Domain.join (Domain.spawn (fun () -> i)) done;
  Printf.printf "sequential total %d\n" !total;
  let gate = Mutex.create () in
  Mutex.lock gate;
  let waiting = List.init 100 (fun i -> Domain.spawn (fun () ->
    Mutex.lock gate; Mutex.unlock gate; i)) in
  let worker = Domain.spawn (fun () ->
    let keep = ref [] in
    for i = 1 to 300_000 do
      let l = List.init 5 (fun j -> (i, j)) in
      if i mod 1000 = 0 then keep := l :: !keep
    done;
    Gc.full_major ();
    List.length !keep) in
  Printf.printf "worker kept %d lists\n" (Domain.join worker);
  Mutex.unlock gate;
  Printf.printf "waiting domains total %d\n" (List.fold_left (fun a d -> a + Domain.join d) 0 waiting)
