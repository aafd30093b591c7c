(* Exceptions raised by signal handlers, with OCAMLRUNPARAM=b: the handler runs at the
   next poll point after the signal (a function's entry, the end of a try block), and the
   backtrace of its exception starts there, not inside the handler. *)

let kill () = ignore (Sys.command "kill -USR1 $PPID")

exception Deep of int

let[@inline never] rec deep n = if n = 0 then raise (Deep 7) else 1 + deep (n - 1)

let[@inline never] target x = x + 1

let show what f =
  match f () with
  | _ -> Printf.printf "%s: no exception\n%!" what
  | exception e ->
    Printf.printf "%s: %s\n%s%!" what (Printexc.to_string e) (Printexc.get_backtrace ())

let () =
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> raise Exit));
  (* the poll at the entry of [target] *)
  show "at a call" (fun () -> kill (); target 41);
  (* the poll at the end of a try block: the handler's exception is caught there *)
  show "at a try" (fun () ->
      try kill (); 0 with Exit -> print_endline "caught by the inner try"; raise Not_found);
  (* a handler that raises from deeper down: its own frames are not in the trace *)
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> ignore (deep 5)));
  show "from deep in the handler" (fun () -> kill (); target 1);
  (* re-raised by the program: the trace grows from the poll point *)
  show "re-raised" (fun () -> try kill (); target 2 with e -> raise e);
  (* a primitive that raises while a signal is pending: the handler runs first, and its
     exception replaces the primitive's *)
  show "from a primitive" (fun () -> kill (); int_of_string "not a number");
  (* a handler that catches its own exception raises nothing *)
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> try ignore (deep 3) with Deep _ -> print_endline "handler: caught Deep"));
  show "handled inside" (fun () -> kill (); target 3);
  show "from a primitive, the handler returning" (fun () -> kill (); int_of_string "nan");
  (* an exception raised before by the program keeps its own trace *)
  show "ordinary" (fun () -> deep 2);
  (* uncaught: the runtime prints the trace from the poll point *)
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> raise Exit));
  kill ();
  print_endline "after"
