(* A bounded producer/consumer queue with Mutex and Condition between domains. *)
let capacity = 4
let q = Queue.create ()
let m = Mutex.create ()
let not_empty = Condition.create ()
let not_full = Condition.create ()

let put x =
  Mutex.lock m;
  while Queue.length q >= capacity do Condition.wait not_full m done;
  Queue.push x q;
  Condition.signal not_empty;
  Mutex.unlock m

let take () =
  Mutex.lock m;
  while Queue.is_empty q do Condition.wait not_empty m done;
  let x = Queue.pop q in
  Condition.signal not_full;
  Mutex.unlock m;
  x

let () =
  let n = 2000 in
  let producers = List.init 2 (fun p -> Domain.spawn (fun () ->
    for i = 1 to n do put (p * 100_000 + i) done)) in
  let consumer = Domain.spawn (fun () ->
    let sum = ref 0 and count = ref 0 in
    for _ = 1 to 2 * n do sum := !sum + take (); incr count done;
    (!count, !sum)) in
  List.iter Domain.join producers;
  let (count, sum) = Domain.join consumer in
  Printf.printf "consumed %d items, sum %d\n" count sum;
  (* error-checking mutexes *)
  Mutex.lock m;
  (match Mutex.lock m with () -> () | exception Sys_error e -> Printf.printf "relock: %s\n" e);
  Printf.printf "try_lock while held: %b\n" (Mutex.try_lock m);
  Mutex.unlock m;
  (match Mutex.unlock m with () -> () | exception Sys_error e -> Printf.printf "unlock twice: %s\n" e);
  let sem = Semaphore.Counting.make 2 in
  let ds = List.init 3 (fun i -> Domain.spawn (fun () ->
    Semaphore.Counting.acquire sem; let r = i * i in Semaphore.Counting.release sem; r)) in
  Printf.printf "semaphore results %d\n" (List.fold_left (fun a d -> a + Domain.join d) 0 ds)
