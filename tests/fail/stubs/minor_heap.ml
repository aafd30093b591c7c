(* Overwrites the header of a young block that is already dead (nothing refers to it any
   more) with an absurd size, then asks for a minor collection: no root leads to it, but the
   walk of the minor arena, frame by frame, finds the broken frame. *)
external store : 'a -> int -> 'b -> unit = "wfail_store"
(* an unchecked word store (tests/fail/stubs/wfail.c) *)
let corrupt () =
  let a : int array = Array.make 3 0 in
  store a (-1) (-1)

let () =
  corrupt ();
  Gc.minor ();
  print_endline "not reached"
