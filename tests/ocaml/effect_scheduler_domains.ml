(* A fork/yield scheduler shared by several domains: every suspended task is a
   continuation in one mutex-protected run queue, and whichever domain dequeues it resumes
   it, so tasks hop between domains at every yield. *)
open Effect
open Effect.Deep

type _ Effect.t += Fork : (unit -> unit) -> unit Effect.t
type _ Effect.t += Yield : unit Effect.t

let run_q : (unit -> unit) Queue.t = Queue.create ()
let run_m = Mutex.create ()
let live = Atomic.make 0
let steps = Atomic.make 0
let results = Array.make 64 0

let enqueue t = Mutex.lock run_m; Queue.push t run_q; Mutex.unlock run_m
let dequeue () =
  Mutex.lock run_m;
  let t = Queue.take_opt run_q in
  Mutex.unlock run_m;
  t

let rec spawn f =
  Atomic.incr live;
  match_with f ()
    { retc = (fun () -> Atomic.decr live);
      exnc = (fun e -> print_endline (Printexc.to_string e); Atomic.decr live);
      effc = fun (type a) (e : a Effect.t) -> match e with
        | Fork g -> Some (fun (k : (a, unit) continuation) ->
            enqueue (fun () -> continue k ());
            enqueue (fun () -> spawn g))
        | Yield -> Some (fun (k : (a, unit) continuation) ->
            enqueue (fun () -> continue k ()))
        | _ -> None }

(* Task [i]: a young list built before the yields must survive them whichever domains
   run the task meanwhile; task [i] writes only results.(i). *)
let task i () =
  let l = List.init (i mod 10 + 1) (fun j -> i + j) in
  for _ = 1 to 20 do
    Atomic.incr steps;
    Effect.perform Yield
  done;
  results.(i) <- List.fold_left ( + ) 0 l

let rec forker n () = if n > 0 then (Effect.perform (Fork (task (n - 1))); forker (n - 1) ())

let rec worker () =
  match dequeue () with
  | Some t -> t (); worker ()
  | None -> if Atomic.get live > 0 then (Domain.cpu_relax (); worker ())

let () =
  enqueue (fun () -> spawn (forker 64));
  let ds = Array.init 2 (fun _ -> Domain.spawn worker) in
  worker ();
  Array.iter Domain.join ds;
  Printf.printf "steps %d sum %d\n" (Atomic.get steps) (Array.fold_left ( + ) 0 results)
