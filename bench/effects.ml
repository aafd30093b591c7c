(* Effects: Effect.Deep handlers, generators that suspend with an effect and resume
   through a continuation, a state effect threaded through a computation, and an
   exception escaping a handler. Usage: effects [n] *)
open Effect
open Effect.Deep

let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 30_000

type _ Effect.t += Yield : int -> unit Effect.t
type _ Effect.t += Get : int Effect.t | Put : int -> unit Effect.t

(* a generator over a tree walk, consumed by a fold *)
type tree = Leaf | Node of tree * int * tree
let rec build lo hi = if lo > hi then Leaf else let m = (lo + hi) / 2 in Node (build lo (m - 1), m, build (m + 1) hi)
let rec walk = function Leaf -> () | Node (l, v, r) -> walk l; perform (Yield v); walk r

let sum_gen f =
  let acc = ref 0 in
  match_with f ()
    { retc = (fun () -> !acc);
      exnc = raise;
      effc = (fun (type a) (eff : a Effect.t) ->
        match eff with
        | Yield v -> Some (fun (k : (a, _) continuation) -> acc := !acc + v; continue k ())
        | _ -> None) }

(* state handled by a handler that keeps the state in a ref *)
let with_state (init : int) f =
  let s = ref init in
  let r = try_with f ()
    { effc = (fun (type a) (eff : a Effect.t) ->
        match eff with
        | Get -> Some (fun (k : (a, int) continuation) -> continue k !s)
        | Put v -> Some (fun (k : (a, int) continuation) -> s := v; continue k ())
        | _ -> None) } in
  r + !s

let counter k () =
  for i = 1 to k do perform (Put (perform Get + i)) done;
  perform Get

exception Stop of int

let () =
  let t = build 1 200 in
  let total = ref 0 in
  for i = 1 to n do
    total := !total + sum_gen (fun () -> walk t);
    total := !total + with_state i (counter 50);
    (* a handler whose body raises: the exception goes through exnc *)
    (try ignore (sum_gen (fun () -> perform (Yield 1); raise (Stop i))) with Stop j -> total := !total + j)
  done;
  Printf.printf "effects %d: %d\n" n !total
