(* A stub keeps a young block in a plain C local across a callback that runs a minor
   collection, then returns the stale copy (tests/fail/stubs/wfail.c). *)
external unrooted : (unit -> unit) -> int * int = "wfail_unrooted"
let () =
  let p = unrooted (fun () -> Gc.minor ()) in
  Printf.printf "%d\n" (fst p)
