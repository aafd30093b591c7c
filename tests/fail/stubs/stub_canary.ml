(* A stub writes one word past the end of a block it allocated (tests/fail/stubs/wfail.c). *)
external overflow : int -> int array = "wfail_overflow"
let () =
  let a = overflow 3 in
  Gc.minor ();
  Printf.printf "%d\n" (Array.length a)
