(* A custom block's C finaliser allocates (tests/fail/stubs/wfail.c). *)
external bad_custom : unit -> int = "wfail_bad_custom"
let () =
  for _ = 1 to 10 do ignore (Sys.opaque_identity (bad_custom ())) done;
  Gc.full_major ();
  print_endline "finalised"
