(* expect: GETVECTITEM *)
(* Array.unsafe_get on an int array, past its end. *)
let a : int array = Array.make (int_of_string "2") 7
let () = print_int (Array.unsafe_get a (int_of_string "5"))
