(* Atomic counters and compare-and-set loops across domains; a spin-wait on an Atomic
   without cpu_relax must not stall the other domains. *)
let () =
  let counter = Atomic.make 0 in
  let cas_counter = Atomic.make 0 in
  let rec cas_incr () =
    let v = Atomic.get cas_counter in
    if not (Atomic.compare_and_set cas_counter v (v + 1)) then cas_incr () in
  let ds = List.init 3 (fun _ -> Domain.spawn (fun () ->
    for _ = 1 to 20_000 do Atomic.incr counter; cas_incr () done)) in
  List.iter Domain.join ds;
  Printf.printf "fetch_and_add total %d, cas total %d\n" (Atomic.get counter) (Atomic.get cas_counter);
  let flag = Atomic.make false in
  let waiter = Domain.spawn (fun () -> while not (Atomic.get flag) do () done; "released") in
  let c = Atomic.make_contended 10 in
  Atomic.set c (Atomic.fetch_and_add c 5 + Atomic.exchange c 1);
  Atomic.set flag true;
  Printf.printf "%s, contended %d\n" (Domain.join waiter) (Atomic.get c)
