(* A signal handler and a finaliser pending at the same time: the stock runtime runs signal
   handlers first. *)
let order = ref []
let () =
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> order := "signal" :: !order));
  let make () = Gc.finalise (fun _ -> order := "finaliser" :: !order) (ref (Sys.opaque_identity 1)) in
  make ();
  ignore (Sys.command "kill -USR1 $PPID");
  Gc.full_major ();
  List.iter print_endline (List.rev !order)
