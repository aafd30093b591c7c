(* expect: SETFLOATFIELD *)
(* A mutable float record that is a one-field block of values. *)
type t = { mutable x : float; mutable y : float }
let v : t = Obj.magic (ref 0)
let () = v.y <- 1.5
