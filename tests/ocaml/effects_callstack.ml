(* Call stacks across fibers: Effect.Deep.get_callstack / Effect.Shallow.get_callstack on a
   continuation (its fibers, the frame limit, a used continuation), and
   Printexc.get_callstack in a fiber, in a handler, and in nested fibers. *)

open Effect
open Effect.Deep

type _ Effect.t += Yield : unit Effect.t
type _ Effect.t += Outer : int Effect.t

let show title cs =
  Printf.printf "%s: %d frames\n" title (Printexc.raw_backtrace_length cs);
  print_string (Printexc.raw_backtrace_to_string cs)

let rec deep n = if n = 0 then (perform Yield; 0) else 1 + deep (n - 1)

(* The frame limit, from none to more than there are. *)
let limits () =
  List.iter (fun max ->
      let r = match_with deep 3
        { retc = (fun v -> v);
          exnc = raise;
          effc = fun (type a) (e : a Effect.t) ->
            match e with
            | Yield -> Some (fun (k : (a, _) continuation) ->
                show (Printf.sprintf "continuation, max %d" max) (get_callstack k max);
                continue k ())
            | _ -> None }
      in
      Printf.printf "result %d\n" r)
    [ -1; 0; 1; 2; 4; 5; 100 ]

(* A continuation that was resumed: its call stack cannot be taken any more. *)
let used () =
  let saved = ref None in
  let r = match_with deep 2
    { retc = (fun v -> v);
      exnc = raise;
      effc = fun (type a) (e : a Effect.t) ->
        match e with
        | Yield -> Some (fun (k : (a, _) continuation) ->
            saved := Some (Obj.repr k);
            continue k ())
        | _ -> None }
  in
  Printf.printf "result %d\n" r;
  match !saved with
  | None -> print_endline "no continuation"
  | Some k ->
      let k : (unit, int) continuation = Obj.obj k in
      (match get_callstack k 10 with
       | cs -> show "used continuation" cs
       | exception Continuation_already_resumed ->
           print_endline "used continuation: Continuation_already_resumed")

(* The call stack of a continuation taken twice, then resumed: the walk leaves it usable. *)
let twice () =
  let r = match_with deep 1
    { retc = (fun v -> v * 10);
      exnc = raise;
      effc = fun (type a) (e : a Effect.t) ->
        match e with
        | Yield -> Some (fun (k : (a, _) continuation) ->
            show "first look" (get_callstack k 10);
            show "second look" (get_callstack k 2);
            continue k ())
        | _ -> None }
  in
  Printf.printf "result %d\n" r

(* An effect that crosses an inner handler: the continuation holds two fibers. *)
let rec inner_work n = if n = 0 then perform Outer else 1 + inner_work (n - 1)

let inner () =
  match_with inner_work 2
    { retc = (fun v -> v + 1000);
      exnc = raise;
      effc = fun (type a) (e : a Effect.t) ->
        match e with
        | Yield -> Some (fun (k : (a, _) continuation) -> continue k ())
        | _ -> None }

let rec outer_work n = if n = 0 then inner () else 1 + outer_work (n - 1)

let two_fibers () =
  let r = match_with outer_work 1
    { retc = (fun v -> v);
      exnc = raise;
      effc = fun (type a) (e : a Effect.t) ->
        match e with
        | Outer -> Some (fun (k : (a, _) continuation) ->
            show "two fibers" (get_callstack k 20);
            show "two fibers, max 3" (get_callstack k 3);
            continue k 7)
        | _ -> None }
  in
  Printf.printf "result %d\n" r

(* Printexc.get_callstack walks on into the stacks a fiber runs on. *)
let here title = show title (Printexc.get_callstack 50)

let rec nest depth =
  if depth = 0 then (here "innermost fiber"; 0)
  else
    match_with (fun () -> 1 + nest (depth - 1)) ()
      { retc = (fun v -> v);
        exnc = raise;
        effc = fun _ -> None }

let in_fibers () =
  here "main stack";
  try_with here "one fiber" { effc = fun _ -> None };
  Printf.printf "nest %d\n" (nest 3);
  let r = match_with deep 0
    { retc = (fun v -> here "value handler"; v);
      exnc = (fun e -> here "exception handler"; raise e);
      effc = fun (type a) (e : a Effect.t) ->
        match e with
        | Yield -> Some (fun (k : (a, _) continuation) ->
            here "effect handler";
            continue k ())
        | _ -> None }
  in
  Printf.printf "result %d\n" r;
  match match_with (fun () -> failwith "boom") ()
    { retc = (fun () -> 0);
      exnc = (fun e -> here "exception handler"; raise e);
      effc = fun _ -> None } with
  | _ -> ()
  | exception Failure m -> print_endline m

(* A limit on the walk in nested fibers. *)
let limited () =
  let rec go n = if n = 0 then (
      List.iter (fun m -> show (Printf.sprintf "nested, max %d" m) (Printexc.get_callstack m))
        [ -2; 0; 1; 3 ]; 0)
    else try_with (fun () -> 1 + go (n - 1)) () { effc = fun _ -> None } in
  Printf.printf "go %d\n" (go 2)

(* A shallow continuation, before and after it starts. *)
let shallow () =
  let open Effect.Shallow in
  let k = fiber (fun () -> deep 2) in
  show "shallow, not started" (get_callstack k 10);
  continue_with k ()
    { retc = (fun v -> Printf.printf "shallow result %d\n" v);
      exnc = raise;
      effc = fun (type a) (e : a Effect.t) ->
        match e with
        | Yield -> Some (fun (k : (a, _) continuation) ->
            show "shallow, suspended" (get_callstack k 10);
            continue_with k ()
              { retc = (fun v -> Printf.printf "shallow result %d\n" v);
                exnc = raise;
                effc = fun _ -> None })
        | _ -> None }

let () =
  limits ();
  used ();
  twice ();
  two_fibers ();
  in_fibers ();
  limited ();
  shallow ()
