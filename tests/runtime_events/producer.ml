(* Writes a few runtime events and keeps the ring file (OCAML_RUNTIME_EVENTS_PRESERVE is
   set by the test); prints its pid. *)
open Runtime_events
type User.tag += T
let ev = User.register "x.int" T Type.int
let () = start (); for i = 1 to 5 do User.write ev i done; Gc.full_major (); print_int (Unix.getpid ())
