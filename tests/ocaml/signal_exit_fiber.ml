(* A signal handler that runs an effect handler and calls exit inside its fiber, after a
   collection: the program ends from a fiber started inside a callback. *)

type _ Effect.t += Ask : int Effect.t

let () =
  at_exit (fun () -> print_endline "at_exit: ran");
  Sys.set_signal Sys.sigusr1
    (Sys.Signal_handle
       (fun _ ->
         Effect.Deep.match_with
           (fun () ->
             let n = Effect.perform Ask in
             Printf.printf "asked: %d\n" n;
             Gc.full_major ();
             exit n)
           ()
           {
             retc = (fun () -> print_endline "returned?");
             exnc = raise;
             effc =
               (fun (type a) (e : a Effect.t) ->
                 match e with
                 | Ask -> Some (fun (k : (a, _) Effect.Deep.continuation) -> Effect.Deep.continue k 5)
                 | _ -> None);
           }));
  ignore (Sys.command "kill -USR1 $PPID");
  print_endline "not reached"
