(* expect: APPLY1 *)
(* Applying a function that is an integer. *)
let f : int -> int = Obj.magic (int_of_string "5")
let () = print_int (f 3)
