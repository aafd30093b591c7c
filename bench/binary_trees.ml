(* Allocation of short-lived trees: the binary-trees benchmark (build complete binary
   trees of many depths, walk them, drop them) with one long-lived tree kept alive.
   Usage: binary_trees [max_depth] *)
let max_depth = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 17

type tree = Leaf | Node of tree * tree

let rec make d = if d = 0 then Node (Leaf, Leaf) else Node (make (d - 1), make (d - 1))
let rec check = function Leaf -> 0 | Node (l, r) -> 1 + check l + check r

let () =
  let min_depth = 4 in
  let max_depth = max (min_depth + 2) max_depth in
  let stretch = max_depth + 1 in
  Printf.printf "stretch tree of depth %d\t check: %d\n" stretch (check (make stretch));
  let long_lived = make max_depth in
  let d = ref min_depth in
  while !d <= max_depth do
    let iters = 1 lsl (max_depth - !d + min_depth) in
    let c = ref 0 in
    for _ = 1 to iters do c := !c + check (make !d) done;
    Printf.printf "%d\t trees of depth %d\t check: %d\n" iters !d !c;
    d := !d + 2
  done;
  Printf.printf "long lived tree of depth %d\t check: %d\n" max_depth (check long_lived)
