(* expect: GETFIELD0 *)
(* A reference that is an integer: `!r` reads field 0 of it. *)
let r : int ref = Obj.magic 5
let () = print_int !r
