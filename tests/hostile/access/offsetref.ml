(* expect: OFFSETREF *)
(* `incr` on a reference that is an integer. *)
let r : int ref = Obj.magic 7
let () = incr r
