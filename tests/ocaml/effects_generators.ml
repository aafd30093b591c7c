(* Generators and cooperative threads built from effects: a generator from an
   iterator, a round-robin scheduler with a queue of continuations, and Seq.to_dispenser. *)

open Effect
open Effect.Deep

type _ Effect.t += Yield : int -> unit Effect.t

let to_seq (iter : (int -> unit) -> unit) : int Seq.t =
  fun () ->
  match_with iter (fun v -> perform (Yield v))
    { retc = (fun () -> Seq.Nil);
      exnc = raise;
      effc = (fun (type a) (e : a Effect.t) ->
          match e with
          | Yield v -> Some (fun (k : (a, _) continuation) -> Seq.Cons (v, fun () -> continue k ()))
          | _ -> None) }

type tree = Leaf | Node of tree * int * tree
let rec insert x = function
  | Leaf -> Node (Leaf, x, Leaf)
  | Node (l, v, r) as t -> if x < v then Node (insert x l, v, r) else if x > v then Node (l, v, insert x r) else t
let rec iter_tree f = function Leaf -> () | Node (l, v, r) -> iter_tree f l; f v; iter_tree f r

(* scheduler *)
type _ Effect.t += Fork : (unit -> unit) -> unit Effect.t | Pause : unit Effect.t

let run main =
  let q = Queue.create () in
  let enqueue k = Queue.push k q in
  let dequeue () = if Queue.is_empty q then () else (Queue.pop q) () in
  let rec spawn f =
    match_with f ()
      { retc = (fun () -> dequeue ());
        exnc = (fun e -> print_endline ("task raised " ^ Printexc.to_string e); dequeue ());
        effc = (fun (type a) (e : a Effect.t) ->
            match e with
            | Pause -> Some (fun (k : (a, _) continuation) -> enqueue (fun () -> continue k ()); dequeue ())
            | Fork f -> Some (fun (k : (a, _) continuation) -> enqueue (fun () -> continue k ()); spawn f)
            | _ -> None) } in
  spawn main

let () =
  let t = List.fold_left (fun t x -> insert x t) Leaf [50; 30; 70; 20; 40; 60; 80; 35; 65] in
  let s = to_seq (fun f -> iter_tree f t) in
  Seq.iter (Printf.printf "%d ") s;
  print_newline ();
  (* a sequence can be consumed partially and again from the start *)
  Printf.printf "take 3: %s\n" (String.concat "," (List.of_seq (Seq.map string_of_int (Seq.take 3 s))));
  let squares = to_seq (fun f -> for i = 1 to 10 do f (i * i) done) in
  Printf.printf "sum of squares: %d\n" (Seq.fold_left ( + ) 0 squares);
  (* zip two generators: interleaved suspended fibers *)
  let z = Seq.zip squares s in
  Seq.iter (fun (a, b) -> Printf.printf "(%d,%d)" a b) z;
  print_newline ();
  run (fun () ->
      for id = 1 to 3 do
        perform (Fork (fun () ->
            for step = 1 to 3 do
              Printf.printf "task %d step %d\n" id step;
              perform Pause
            done;
            if id = 2 then failwith "task 2 done badly"))
      done;
      print_endline "main done forking");
  (* a large number of suspended continuations at once *)
  let n = 5000 in
  let finished = ref 0 in
  run (fun () ->
      for _ = 1 to n do
        perform (Fork (fun () -> perform Pause; perform Pause; incr finished))
      done);
  Printf.printf "finished %d of %d\n" !finished n
