(* Effect handlers (OCaml 5): perform, continue, discontinue, deep and shallow handlers,
   nested handlers, Unhandled effects, and state threaded through a handler. *)

open Effect
open Effect.Deep

type _ Effect.t += Ask : int Effect.t
type _ Effect.t += Tell : string -> unit Effect.t
type _ Effect.t += Get : int Effect.t | Put : int -> unit Effect.t
type _ Effect.t += Fail : string -> 'a Effect.t

let with_ask (v : int) f =
  match_with f ()
    { retc = (fun x -> x);
      exnc = raise;
      effc = (fun (type a) (e : a Effect.t) ->
          match e with
          | Ask -> Some (fun (k : (a, _) continuation) -> continue k v)
          | _ -> None) }

let collect_tells f =
  let buf = Buffer.create 16 in
  let r = try_with f ()
      { effc = (fun (type a) (e : a Effect.t) ->
            match e with
            | Tell s -> Some (fun (k : (a, _) continuation) -> Buffer.add_string buf s; continue k ())
            | _ -> None) } in
  r, Buffer.contents buf

let run_state (init : int) f =
  let st = ref init in
  let r = try_with f ()
      { effc = (fun (type a) (e : a Effect.t) ->
            match e with
            | Get -> Some (fun (k : (a, _) continuation) -> continue k !st)
            | Put v -> Some (fun (k : (a, _) continuation) -> st := v; continue k ())
            | _ -> None) } in
  r, !st

exception Aborted of string

let () =
  let r = with_ask 21 (fun () -> perform Ask + perform Ask) in
  Printf.printf "ask: %d\n" r;
  let r, told = collect_tells (fun () ->
      perform (Tell "a"); perform (Tell "b");
      let x = with_ask 5 (fun () -> perform (Tell "c"); perform Ask * 2) in
      perform (Tell (string_of_int x)); x + 1) in
  Printf.printf "tell: %d %S\n" r told;
  let r, final = run_state 0 (fun () ->
      for i = 1 to 100 do perform (Put (perform Get + i)) done;
      perform Get * 2) in
  Printf.printf "state: %d %d\n" r final;
  (* discontinue raises inside the computation *)
  let r = try_with (fun () ->
      try perform (Fail "nope") with Aborted m -> "recovered from " ^ m) ()
      { effc = (fun (type a) (e : a Effect.t) ->
            match e with
            | Fail m -> Some (fun (k : (a, _) continuation) -> discontinue k (Aborted m))
            | _ -> None) } in
  print_endline r;
  (* unhandled effect *)
  (match perform Ask with
   | _ -> print_endline "handled?"
   | exception Unhandled _ -> print_endline "Unhandled Ask");
  (* exception escaping through a handler, via exnc *)
  let r = match_with (fun () -> if perform Ask > 0 then raise Not_found else 0) ()
      { retc = (fun x -> `Val x);
        exnc = (fun e -> `Exn (Printexc.to_string e));
        effc = (fun (type a) (e : a Effect.t) ->
            match e with
            | Ask -> Some (fun (k : (a, _) continuation) -> continue k 1)
            | _ -> None) } in
  (match r with `Val v -> Printf.printf "val %d\n" v | `Exn s -> Printf.printf "exn %s\n" s);
  (* continuation used twice raises Continuation_already_resumed *)
  let saved = ref None in
  let _ = try_with (fun () -> perform Ask) ()
      { effc = (fun (type a) (e : a Effect.t) ->
            match e with
            | Ask -> Some (fun (k : (a, _) continuation) -> saved := Some (Obj.magic k); continue k 3)
            | _ -> None) } in
  (match !saved with
   | Some (k : (int, int) continuation) ->
     (try ignore (continue k 4); print_endline "resumed twice?"
      with Continuation_already_resumed -> print_endline "Continuation_already_resumed")
   | None -> ());
  (* shallow handler: a step-by-step interpreter of a coroutine *)
  let open Effect.Shallow in
  let rec step : type a. (a, int) continuation -> a -> int -> int = fun k v n ->
    continue_with k v
      { retc = (fun r -> r + n);
        exnc = raise;
        effc = (fun (type b) (e : b Effect.t) ->
            match e with
            | Tell s -> Some (fun (k' : (b, int) continuation) ->
                Printf.printf "shallow tell %s at step %d\n" s n; step k' () (n + 1))
            | _ -> None) } in
  let co = fiber (fun () -> perform (Tell "x"); perform (Tell "y"); perform (Tell "z"); 100) in
  Printf.printf "shallow result: %d\n" (step co () 0);
  (* many fibers in sequence, deep recursion inside a fiber *)
  let rec deep n = if n = 0 then perform Ask else 1 + deep (n - 1) in
  Printf.printf "deep in fiber: %d\n" (with_ask 1000 (fun () -> deep 100_000));
  let total = ref 0 in
  for i = 1 to 10_000 do total := !total + with_ask i (fun () -> perform Ask) done;
  Printf.printf "10000 handlers: %d\n" !total
