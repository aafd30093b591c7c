(* A stub allocates inside a blocking section (tests/fail/stubs/wfail.c). *)
external alloc_in_blocking : int -> float = "wfail_alloc_in_blocking"
let () = Printf.printf "%g\n" (alloc_in_blocking 1)
