(* Collections while threads are switched out: each thread keeps structures only on its own
   stack across yields, sleeps and blocking waits while the others allocate and collect. *)

type tree = Leaf | Node of tree * int * tree

let rec build d n = if d = 0 then Leaf else Node (build (d - 1) (2 * n), n, build (d - 1) (2 * n + 1))
let rec sum = function Leaf -> 0 | Node (l, n, r) -> sum l + n + sum r

let worker id () =
  let acc = ref 0 in
  for round = 1 to 20 do
    let t = build 10 (id + round) in
    let l = List.init 2000 (fun i -> string_of_int (i * id)) in
    (match round mod 4 with
     | 0 -> Thread.yield ()
     | 1 -> Thread.delay 0.001
     | 2 -> Gc.minor ()
     | _ -> if id = 0 then Gc.full_major ());
    let s = sum t and n = List.fold_left (fun a s -> a + String.length s) 0 l in
    acc := !acc + (s mod 1000) + n
  done;
  !acc

let () =
  let results = Array.make 6 0 in
  let ts = List.init 6 (fun i -> Thread.create (fun () -> results.(i) <- worker i ()) ()) in
  (* the main thread allocates meanwhile *)
  let keep = ref [] in
  for i = 1 to 200 do
    keep := Array.make 100 i :: !keep;
    if i mod 50 = 0 then Gc.compact ()
  done;
  List.iter Thread.join ts;
  Array.iteri (fun i r -> Printf.printf "worker %d: %d\n" i r) results;
  Printf.printf "main kept %d\n" (List.fold_left (fun a b -> a + b.(0)) 0 !keep);
  (* the same in two domains with threads of their own *)
  let d =
    List.init 2 (fun k ->
        Domain.spawn (fun () ->
            let r = Array.make 3 0 in
            let ts = List.init 3 (fun i -> Thread.create (fun () -> r.(i) <- worker (10 * k + i) ()) ()) in
            List.iter Thread.join ts;
            Array.fold_left ( + ) 0 r))
  in
  List.iteri (fun k d -> Printf.printf "domain %d: %d\n" k (Domain.join d)) d;
  let st = Gc.quick_stat () in
  Printf.printf "collections happened: %b\n" (st.Gc.minor_collections > 0 && st.Gc.major_collections > 0)
