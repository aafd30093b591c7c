(* A pair that is a one-field block: reading its second component is a field access past
   the block's end, which only the types forbid (bad-access, GETFIELD1). More cases:
   tests/hostile_access.rs. *)
let p : int * int = Obj.magic (ref 1)
let () = print_int (snd p)
