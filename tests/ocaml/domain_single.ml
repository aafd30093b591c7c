(* Concurrency primitives on the main domain only (no Domain.spawn): Domain.self,
   is_main_domain, DLS keys with initialisers, Mutex lock/unlock/try_lock/protect,
   Condition (signal/broadcast without waiters), Atomic operations, Semaphore,
   and Domain.at_exit / before_first_spawn callbacks. *)

let key = Domain.DLS.new_key (fun () -> print_endline "DLS init runs once"; ref 0)
let key2 = Domain.DLS.new_key ~split_from_parent:(fun x -> x + 1) (fun () -> 10)

let () =
  Printf.printf "self is 0: %b, is_main_domain %b\n" ((Domain.self () :> int) = 0) (Domain.is_main_domain ());
  let r = Domain.DLS.get key in
  incr r;
  let r' = Domain.DLS.get key in
  incr r';
  Printf.printf "DLS value %d, same ref %b\n" !(Domain.DLS.get key) (r == r');
  Printf.printf "DLS key2 %d\n" (Domain.DLS.get key2);
  Domain.DLS.set key2 99;
  Printf.printf "DLS key2 after set %d\n" (Domain.DLS.get key2);
  let m = Mutex.create () in
  Mutex.lock m;
  Printf.printf "try_lock while locked: %b\n" (Mutex.try_lock m);
  Mutex.unlock m;
  Printf.printf "try_lock when free: %b\n" (Mutex.try_lock m);
  Mutex.unlock m;
  let v = Mutex.protect m (fun () -> 41 + 1) in
  Printf.printf "protect: %d\n" v;
  (match Mutex.protect m (fun () -> failwith "inside") with _ -> () | exception Failure s -> Printf.printf "protect re-raised %s, lock free again: %b\n" s (Mutex.try_lock m));
  Mutex.unlock m;
  (match Mutex.unlock m with () -> print_endline "unlock of unlocked mutex: no error" | exception Sys_error s -> Printf.printf "unlock unlocked: Sys_error %s\n" s);
  let c = Condition.create () in
  Condition.signal c;
  Condition.broadcast c;
  print_endline "condition signal/broadcast without waiters: ok";
  let a = Atomic.make 10 in
  Printf.printf "atomic get %d\n" (Atomic.get a);
  Atomic.set a 20;
  let old = Atomic.exchange a 30 in
  Printf.printf "exchange returned %d, now %d\n" old (Atomic.get a);
  let ok = Atomic.compare_and_set a 30 31 in
  let fail = Atomic.compare_and_set a 30 32 in
  Printf.printf "cas ok %b, cas fail %b, value %d\n" ok fail (Atomic.get a);
  let old = Atomic.fetch_and_add a 5 in
  Printf.printf "fetch_and_add returned %d, now %d\n" old (Atomic.get a);
  Atomic.incr a; Atomic.decr a; Atomic.incr a;
  Printf.printf "after incr/decr/incr %d\n" (Atomic.get a);
  let s = Atomic.make "str" in
  Printf.printf "atomic string cas (physical): %b\n" (Atomic.compare_and_set s "str" "new" || Atomic.get s = "str");
  let lst = Atomic.make [] in
  for i = 1 to 5 do
    let rec push () = let old = Atomic.get lst in if not (Atomic.compare_and_set lst old (i :: old)) then push () in push ()
  done;
  Printf.printf "lock-free list: %s\n" (String.concat "," (List.map string_of_int (Atomic.get lst)));
  let sem = Semaphore.Counting.make 2 in
  Semaphore.Counting.acquire sem;
  let v = Semaphore.Counting.get_value sem in
  let t1 = Semaphore.Counting.try_acquire sem in
  let t2 = Semaphore.Counting.try_acquire sem in
  Printf.printf "semaphore value %d, try_acquire %b %b\n" v t1 t2;
  Semaphore.Counting.release sem;
  let bsem = Semaphore.Binary.make true in
  let t1 = Semaphore.Binary.try_acquire bsem in
  let t2 = Semaphore.Binary.try_acquire bsem in
  Printf.printf "binary semaphore try_acquire %b %b\n" t1 t2;
  Domain.at_exit (fun () -> print_endline "Domain.at_exit callback");
  Domain.cpu_relax ();
  print_endline "main done"
