(* Start-up time: a program that does nothing; the script runs it many times. *)
let () = ()
