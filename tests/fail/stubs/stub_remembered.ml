(* A stub stores a young value into a major array without caml_modify
   (tests/fail/stubs/wfail.c). *)
external store_young : int array -> unit = "wfail_store_young"
let () =
  let a = Array.make 1000 0 in
  store_young a;
  Gc.minor ();
  Printf.printf "%d\n" (Array.length a)
