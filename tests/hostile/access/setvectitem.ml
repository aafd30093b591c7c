(* expect: SETVECTITEM *)
(* Array.unsafe_set on an int array, at a negative index. *)
let a : int array = Array.make (int_of_string "2") 7
let () = Array.unsafe_set a (int_of_string "-1") 3
