(* Fibers that move between domains and then change: a stack that grows deep (and is
   reallocated) on the domain it moved to, effects performed from deep inside it,
   discontinue across domains, shallow handlers, and effects that pass through an inner
   handler (reperform) after a collection made their continuation old. *)
open Effect
open Effect.Deep

type _ Effect.t += Ask : int -> int Effect.t
type _ Effect.t += Other : int -> int Effect.t

type res = Done of int | Suspended of int * (int, res) continuation

let handler =
  { retc = (fun v -> Done v);
    exnc = raise;
    effc = fun (type a) (e : a Effect.t) -> match e with
      | Ask n -> Some (fun (k : (a, res) continuation) -> Suspended (n, k))
      | _ -> None }

let start f = match_with f () handler
let on_domain f = Domain.join (Domain.spawn f)

(* Non-tail recursion [depth] deep, with a young string per frame, performing at the
   bottom and every [every] frames on the way. *)
let rec deep depth every =
  if depth = 0 then perform (Ask 0)
  else begin
    let s = string_of_int depth in
    let below = deep (depth - 1) every in
    let here = if depth mod every = 0 then perform (Ask depth) else 0 in
    below + here + String.length s
  end

(* 1. The fiber starts shallow in main, moves to a domain where it recurses 50_000 deep
   (its stack is reallocated there), suspends at the bottom, and is resumed by other
   domains at each step back up. *)
let deep_after_move () =
  let r = start (fun () -> let first = perform (Ask (-1)) in first + deep 50_000 5_000) in
  let rec go step r =
    match r with
    | Done v -> Printf.printf "deep: %d after %d steps\n" v step
    | Suspended (n, k) ->
      let r =
        if step mod 2 = 0 then on_domain (fun () -> Gc.minor (); continue k (n mod 11))
        else (Gc.full_major (); continue k (n mod 11)) in
      go (step + 1) r in
  go 0 r

exception Stop of int

(* 2. Discontinue across domains: captured in main and discontinued in a domain (the fiber
   catches the exception), and captured in a domain and discontinued in main (the
   exception leaves the fiber and reaches exnc). *)
let discontinue_across () =
  let caught = ref 0 in
  for i = 1 to 40 do
    let r = start (fun () ->
      let l = List.init 5 (fun j -> i * j) in
      match perform (Ask i) with
      | v -> v
      | exception Stop n -> n + List.fold_left ( + ) 0 l) in
    match r with
    | Suspended (n, k) ->
      (match on_domain (fun () -> discontinue k (Stop n)) with
       | Done v -> caught := !caught + v
       | Suspended _ -> print_endline "unexpected suspension")
    | Done _ -> print_endline "unexpected return"
  done;
  let escaped = ref 0 in
  for i = 1 to 40 do
    match on_domain (fun () -> start (fun () -> perform (Ask i) + 1)) with
    | Suspended (n, k) ->
      (match discontinue k (Stop n) with
       | _ -> print_endline "unexpected value"
       | exception Stop n -> escaped := !escaped + n)
    | Done _ -> print_endline "unexpected return"
  done;
  Printf.printf "discontinue: caught %d escaped %d\n" !caught !escaped

(* 3. Shallow handlers: a generator's continuation is handed from domain to domain, each
   resuming it once with its own handler. *)
let shallow_across () =
  let open Effect.Shallow in
  let gen = fiber (fun first -> let s = ref first in
    for i = 1 to 30 do s := !s + perform (Ask i) done; !s) in
  let rec step k i acc =
    let h = { retc = (fun v -> `Done v);
              exnc = raise;
              effc = fun (type a) (e : a Effect.t) -> match e with
                | Ask n -> Some (fun (k : (a, int) continuation) ->
                    `Next (n, (k : (int, int) continuation)))
                | _ -> None } in
    let run () = continue_with k i h in
    match (if i mod 2 = 0 then on_domain run else run ()) with
    | `Done v -> Printf.printf "shallow: done %d, sum %d\n" v acc
    | `Next (n, k) -> step k (i + 1) (acc + n * i) in
  step gen 0 0

(* 4. An effect that an inner handler does not handle (reperform): the outer handler's
   continuation spans both fibers; collections run between the perform and the reperform,
   then it is resumed on another domain. *)
let reperform_across () =
  let total = ref 0 in
  for i = 1 to 30 do
    let outer = start (fun () ->
      let tag = Array.make 3 i in
      let inner = match_with (fun () -> perform (Other i) + perform (Ask i)) ()
        { retc = (fun v -> v * 2);
          exnc = raise;
          effc = fun (type a) (e : a Effect.t) -> match e with
            | Other n -> Some (fun (k : (a, int) continuation) -> continue k (n + 1))
            | _ -> Gc.minor (); Gc.full_major (); None } in
      inner + tag.(0) + tag.(2)) in
    match outer with
    | Suspended (n, k) ->
      (match on_domain (fun () -> Gc.minor (); continue k (n * 3)) with
       | Done v -> total := !total + v
       | Suspended _ -> print_endline "unexpected suspension")
    | Done _ -> print_endline "unexpected return"
  done;
  Printf.printf "reperform: %d\n" !total

let () =
  deep_after_move ();
  discontinue_across ();
  shallow_across ();
  reperform_across ()
