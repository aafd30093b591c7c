(* expect: GETPUBMET *)
(* A method call on an object that is an integer. *)
let o : < m : int > = Obj.magic 5
let () = print_int o#m
