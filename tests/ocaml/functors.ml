(* Functors: applicative and generative functors, functors with several arguments,
   higher-order use, Map.Make/Set.Make/Hashtbl.Make with custom orders, and include. *)

module type ORDERED = sig type t val compare : t -> t -> int val show : t -> string end

module Pair (A : ORDERED) (B : ORDERED) : ORDERED with type t = A.t * B.t = struct
  type t = A.t * B.t
  let compare (a1, b1) (a2, b2) = match A.compare a1 a2 with 0 -> B.compare b1 b2 | c -> c
  let show (a, b) = "(" ^ A.show a ^ "," ^ B.show b ^ ")"
end

module Int_o = struct type t = int let compare = compare let show = string_of_int end
module Str_o = struct type t = string let compare = String.compare let show s = s end
module Rev (O : ORDERED) = struct include O let compare a b = O.compare b a end

module Sorted_list (O : ORDERED) = struct
  let sort l = List.sort O.compare l
  let show l = String.concat " " (List.map O.show l)
end

(* a generative functor with state *)
module Make_id () = struct
  let counter = ref 0
  let fresh () = incr counter; !counter
end

module type MONOID = sig type t val zero : t val add : t -> t -> t end
module Sum_list (M : MONOID) = struct
  let sum = List.fold_left M.add M.zero
end
module Int_add = struct type t = int let zero = 0 let add = ( + ) end
module Str_cat = struct type t = string let zero = "" let add = ( ^ ) end
module Max_float = struct type t = float let zero = neg_infinity let add = Float.max end

module Case_insensitive = struct
  type t = string
  let equal a b = String.lowercase_ascii a = String.lowercase_ascii b
  let hash s = Hashtbl.hash (String.lowercase_ascii s)
end
module CI_table = Hashtbl.Make (Case_insensitive)

module IP = Pair (Int_o) (Str_o)
module IPMap = Map.Make (IP)
module RevIntSet = Set.Make (Rev (Int_o))

let () =
  let module S = Sorted_list (Pair (Int_o) (Rev (Str_o))) in
  print_endline (S.show (S.sort [ (2, "b"); (1, "z"); (2, "a"); (1, "a"); (0, "m") ]));
  let module A = Make_id () in
  let module B = Make_id () in
  Printf.printf "generative: %d %d %d %d\n" (A.fresh ()) (A.fresh ()) (B.fresh ()) (A.fresh ());
  let module SI = Sum_list (Int_add) in
  let module SS = Sum_list (Str_cat) in
  let module SF = Sum_list (Max_float) in
  Printf.printf "sums: %d %s %g\n" (SI.sum [ 1; 2; 3; 4 ]) (SS.sum [ "x"; "y"; "z" ]) (SF.sum [ 1.5; -2.; 9.25 ]);
  let t = CI_table.create 8 in
  CI_table.replace t "Hello" 1;
  CI_table.replace t "HELLO" 2;
  CI_table.replace t "world" 3;
  Printf.printf "ci table: length %d hello=%d WORLD=%d\n" (CI_table.length t) (CI_table.find t "hello") (CI_table.find t "WORLD");
  let m = List.fold_left (fun m (k, v) -> IPMap.add k v m) IPMap.empty
      [ ((1, "b"), "first"); ((1, "a"), "second"); ((0, "z"), "third"); ((1, "b"), "replaced") ] in
  IPMap.iter (fun k v -> Printf.printf "%s -> %s\n" (IP.show k) v) m;
  let s = RevIntSet.of_list [ 5; 1; 9; 3; 7 ] in
  Printf.printf "reverse set: %s\n" (String.concat " " (List.map string_of_int (RevIntSet.elements s)));
  Printf.printf "min_elt of reverse set: %d\n" (RevIntSet.min_elt s)
