(* A stub returns without CAMLreturn (tests/fail/stubs/wfail.c). *)
external unbalanced : int -> int = "wfail_unbalanced"
let () = Printf.printf "%d\n" (unbalanced 1)
