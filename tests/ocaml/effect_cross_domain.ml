(* Continuations that move between domains: captured (by a perform) on one domain and
   resumed on another, in both directions, and relayed through many domains, with
   collections while the fibers are suspended and only their continuations hold them. *)
open Effect
open Effect.Deep

type _ Effect.t += Ask : int -> int Effect.t

type res = Done of int | Suspended of int * (int, res) continuation

let handler =
  { retc = (fun v -> Done v);
    exnc = raise;
    effc = fun (type a) (e : a Effect.t) -> match e with
      | Ask n -> Some (fun (k : (a, res) continuation) -> Suspended (n, k))
      | _ -> None }

let start f = match_with f () handler

let answer n = (n * 7) mod 13

(* 1. Perform in the main domain, continue inside Domain.spawn, 200 times. *)
let main_to_child () =
  let total = ref 0 in
  for i = 1 to 200 do
    (* A young list on the fiber's stack must survive the move. *)
    let r = start (fun () ->
      let l = List.init 10 (fun j -> i + j) in
      let a = perform (Ask i) in
      a + List.fold_left ( + ) 0 l) in
    match r with
    | Suspended (n, k) ->
      let d = Domain.spawn (fun () -> continue k (answer n)) in
      (match Domain.join d with
       | Done v -> total := !total + v
       | Suspended _ -> print_endline "unexpected suspension")
    | Done _ -> print_endline "unexpected return"
  done;
  Printf.printf "main -> child: %d\n" !total

(* 2. Perform in a spawned domain, continue in the main domain. *)
let child_to_main () =
  let total = ref 0 in
  for i = 1 to 50 do
    let d = Domain.spawn (fun () ->
      start (fun () ->
        let s = String.make (i mod 7 + 1) 'x' in
        let a = perform (Ask i) in
        Gc.minor ();
        a + String.length s)) in
    match Domain.join d with
    | Suspended (n, k) ->
      Gc.minor ();
      (match continue k (answer n) with
       | Done v -> total := !total + v
       | Suspended _ -> print_endline "unexpected suspension")
    | Done _ -> print_endline "unexpected return"
  done;
  Printf.printf "child -> main: %d\n" !total

(* 3. One computation suspended 45 times, each time resumed on a different place: a new
   domain, the main domain, a long-lived worker fed through a channel-like queue. *)
let relay () =
  let comp () =
    let acc = ref [] in
    for i = 1 to 45 do
      let a = perform (Ask i) in
      acc := (i, a) :: !acc;
      if i mod 10 = 0 then Gc.full_major ()
    done;
    List.fold_left (fun s (i, a) -> s + i * a) 0 !acc in
  let q = Queue.create () and m = Mutex.create () and c = Condition.create () in
  let results = Queue.create () in
  let worker = Domain.spawn (fun () ->
    let rec loop () =
      Mutex.lock m;
      while Queue.is_empty q do Condition.wait c m done;
      let job = Queue.pop q in
      Mutex.unlock m;
      match job with
      | None -> ()
      | Some (n, k) ->
        let r = continue k (answer n) in
        Mutex.lock m; Queue.push r results; Condition.broadcast c; Mutex.unlock m;
        loop () in
    loop ()) in
  let via_worker n k =
    Mutex.lock m;
    Queue.push (Some (n, k)) q;
    Condition.broadcast c;
    while Queue.is_empty results do Condition.wait c m done;
    let r = Queue.pop results in
    Mutex.unlock m;
    r in
  let rec go step r =
    match r with
    | Done v -> Printf.printf "relay: %d after %d steps\n" v step
    | Suspended (n, k) ->
      let r = match step mod 3 with
        | 0 -> Domain.join (Domain.spawn (fun () -> continue k (answer n)))
        | 1 -> continue k (answer n)
        | _ -> via_worker n k in
      go (step + 1) r in
  go 0 (start comp);
  Mutex.lock m; Queue.push None q; Condition.broadcast c; Mutex.unlock m;
  Domain.join worker

(* 4. Continuations dropped without being resumed, on several domains, while others are
   resumed: the dropped ones must not disturb the collector. *)
let dropped () =
  let ds = List.init 3 (fun d -> Domain.spawn (fun () ->
    let mine = ref 0 and keep = ref [] in
    for i = 1 to 300 do
      match start (fun () -> perform (Ask (i + d)) + perform (Ask i)) with
      | Suspended (n, k) when i mod 3 = 0 -> mine := !mine + n; ignore k
      | Suspended (n, k) -> keep := (n, k) :: !keep
      | Done _ -> ()
    done;
    Gc.full_major ();
    (!mine, !keep))) in
  let results = List.map Domain.join ds in
  let dropped_sum = List.fold_left (fun s (m, _) -> s + m) 0 results in
  let keep = List.concat_map snd results in
  Gc.full_major ();
  let resumed = List.fold_left (fun s (n, k) ->
    match continue k (answer n) with
    | Suspended (m, k) -> (match continue k m with Done v -> s + v | Suspended _ -> s)
    | Done v -> s + v) 0 keep in
  Printf.printf "dropped: %d resumed: %d (%d continuations)\n" dropped_sum resumed
    (List.length keep)

let () =
  main_to_child ();
  child_to_main ();
  relay ();
  dropped ()
