(* expect: GETSTRINGCHAR *)
(* String.unsafe_get on a string that is an integer. *)
let s : string = Obj.magic 12
let () = print_char (String.unsafe_get s (int_of_string "0"))
