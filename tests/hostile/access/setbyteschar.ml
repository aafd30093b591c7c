(* expect: SETBYTESCHAR *)
(* Bytes.unsafe_set on a value that is an array of integers. *)
let b : bytes = Obj.magic [| 1; 2; 3 |]
let () = Bytes.unsafe_set b (int_of_string "1") 'x'
