(* expect: VECTLENGTH *)
(* Array.length of an array that is an integer. *)
let a : int array = Obj.magic 3
let () = print_int (Array.length a)
