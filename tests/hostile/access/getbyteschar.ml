(* expect: GETBYTESCHAR *)
(* Bytes.unsafe_get past the end. *)
let b = Bytes.make (int_of_string "3") 'a'
let () = print_char (Bytes.unsafe_get b (int_of_string "40"))
