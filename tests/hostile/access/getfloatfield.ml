(* expect: GETFLOATFIELD *)
(* A float record that is a block of values. *)
type t = { x : float; y : float }
let v : t = Obj.magic (1, 2)
let () = print_float v.y
