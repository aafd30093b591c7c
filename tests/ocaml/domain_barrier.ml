(* A reusable barrier built from Mutex and Condition; several phases across 4 domains, and
   Semaphore.Binary used as a turnstile. *)
type barrier = { m : Mutex.t; c : Condition.t; n : int; mutable count : int; mutable phase : int }

let await b =
  Mutex.lock b.m;
  let phase = b.phase in
  b.count <- b.count + 1;
  if b.count = b.n then begin b.count <- 0; b.phase <- b.phase + 1; Condition.broadcast b.c end
  else while b.phase = phase do Condition.wait b.c b.m done;
  Mutex.unlock b.m

let () =
  let b = { m = Mutex.create (); c = Condition.create (); n = 4; count = 0; phase = 0 } in
  let log = Array.make 4 [] in
  let ds = List.init 3 (fun i -> Domain.spawn (fun () ->
    for p = 1 to 5 do log.(i + 1) <- p :: log.(i + 1); await b done)) in
  for p = 1 to 5 do log.(0) <- p :: log.(0); await b done;
  List.iter Domain.join ds;
  Array.iteri (fun i l -> Printf.printf "domain %d phases %s\n" i (String.concat "," (List.map string_of_int (List.rev l)))) log;
  let turn = Semaphore.Binary.make true and total = ref 0 in
  let ds = List.init 3 (fun i -> Domain.spawn (fun () ->
    for _ = 1 to 100 do Semaphore.Binary.acquire turn; total := !total + i; Semaphore.Binary.release turn done)) in
  List.iter Domain.join ds;
  Printf.printf "semaphore total %d\n" !total
