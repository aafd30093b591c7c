(* expect: SWITCH *)
(* A variant value past the type's constructors. *)
type t = A | B | C | D of int | E of int | F of int
let name = function
  | A -> "A" | B -> "B" | C -> "C" | D _ -> "D" | E _ -> "E" | F _ -> "F"
let v : t = Obj.magic (int_of_string "9")
let () = print_string (name v)
