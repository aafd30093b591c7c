(* A stub keeps a major block in a plain C local across a callback that runs a full major
   collection, then stores into it with caml_modify (tests/fail/stubs/wfail.c). *)
external unrooted_major : (unit -> unit) -> unit = "wfail_unrooted_major"
let () =
  unrooted_major (fun () -> Gc.full_major ());
  print_endline "not reached"
