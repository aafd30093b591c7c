(* Polymorphic comparison of values that keep many blocks pending at once: values nested
   through their first field (each level leaves its other fields to compare later), at
   depths around and past the walk's in-place room, differing at the first leaf, at the
   last field of some level, or not at all; with floats (nan), strings and functions
   met deep inside. *)

type t = Leaf of int | Node of t * int * string

let rec build depth ~leaf ~at ~diff =
  if depth = 0 then Leaf leaf
  else
    let k = if depth = at then diff else depth in
    Node (build (depth - 1) ~leaf ~at ~diff, k, string_of_int depth)

let show r = if r < 0 then "<" else if r > 0 then ">" else "="

let () =
  List.iter
    (fun depth ->
      let base = build depth ~leaf:0 ~at:(-1) ~diff:0 in
      let same = build depth ~leaf:0 ~at:(-1) ~diff:0 in
      let first = build depth ~leaf:1 ~at:(-1) ~diff:0 in
      Printf.printf "depth %d: same %s %b %b, leaf %s %b %b" depth
        (show (compare base same)) (base = same) (base < same)
        (show (compare base first)) (base = first) (base <= first);
      List.iter
        (fun at ->
          if at <= depth then begin
            let d = build depth ~leaf:0 ~at ~diff:(-5) in
            Printf.printf ", at %d %s %s %b" at (show (compare base d)) (show (compare d base))
              (base > d)
          end)
        [ 1; 7; 8; 9; 17; depth ];
      print_newline ())
    [ 0; 1; 7; 8; 9; 10; 16; 17; 40; 200 ]

(* Tuples nested in their first field, holding floats: nan deep inside. *)
let rec nested n x = if n = 0 then Obj.repr x else Obj.repr (nested (n - 1) x, n, 1.5)

let () =
  List.iter
    (fun n ->
      let a = nested n 1.0 and b = nested n Float.nan in
      Printf.printf "nan at %d: compare %s %s, = %b, <> %b, < %b, >= %b, self = %b\n" n
        (show (compare a b)) (show (compare b b)) (a = b) (a <> b) (a < b) (a >= b) (b = b))
    [ 3; 8; 9; 12; 30 ]

(* A function deep inside: the walk raises after pushing past the in-place room. *)
let () =
  List.iter
    (fun n ->
      let a = nested n (fun x -> x + 1) and b = nested n (fun x -> x + 2) in
      match compare a b with
      | r -> Printf.printf "functions at %d: %s\n" n (show r)
      | exception Invalid_argument m -> Printf.printf "functions at %d: %s\n" n m)
    [ 2; 8; 9; 20 ]

(* Many comparisons in a row, each starting from an empty stack. *)
let () =
  let vals = Array.init 64 (fun i -> build (i mod 20) ~leaf:(i mod 3) ~at:(i mod 7) ~diff:i) in
  let acc = ref 0 in
  Array.iter (fun a -> Array.iter (fun b -> acc := (!acc * 3) + compare a b + 1) vals) vals;
  Printf.printf "checksum %d\n" (!acc land 0xffffff)
