(* expect: SETFIELD0 *)
(* A reference that is the empty array (an atom, no fields): `r := 3` writes past it. *)
let r : int ref = Obj.magic [||]
let () = r := 3
