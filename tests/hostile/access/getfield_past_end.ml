(* expect: GETFIELD1 *)
(* A pair that is a one-field block: the second component is past its end. *)
let p : int * int = Obj.magic (ref 1)
let () = print_int (snd p)
