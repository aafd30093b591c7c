(* Backtraces read from inside the program: Printexc.record_backtrace,
   get_backtrace, print_backtrace to stdout, raw backtrace slots, get_callstack.
   Without -g the slots are unknown; with -g they name files and lines. Both runtimes
   must agree in each variant. *)

exception Oops of int

let[@inline never] rec descend n = if n = 0 then raise (Oops 1) else 1 + descend (n - 1)

let[@inline never] reraiser () =
  try descend 3 with Oops n -> raise (Oops (n + 1))

let[@inline never] through_handler () =
  try descend 2 with e -> Printexc.raise_with_backtrace e (Printexc.get_raw_backtrace ())

let[@inline never] show_callstack () =
  let cs = Printexc.get_callstack 5 in
  Printf.printf "callstack length %d\n" (Printexc.raw_backtrace_length cs);
  print_string (Printexc.raw_backtrace_to_string cs)

let () =
  Printf.printf "recording initially: %b\n" (Printexc.backtrace_status ());
  Printexc.record_backtrace true;
  Printf.printf "recording now: %b\n" (Printexc.backtrace_status ());
  (try ignore (descend 5) with Oops _ ->
     print_endline "-- descend";
     print_string (Printexc.get_backtrace ()));
  (try ignore (reraiser ()) with Oops n ->
     Printf.printf "-- reraiser (Oops %d)\n" n;
     Printexc.print_backtrace stdout);
  (try ignore (through_handler ()) with Oops _ ->
     print_endline "-- raise_with_backtrace";
     let bt = Printexc.get_raw_backtrace () in
     Printf.printf "length %d\n" (Printexc.raw_backtrace_length bt);
     (match Printexc.backtrace_slots bt with
      | None -> print_endline "no slots"
      | Some slots ->
        Array.iteri (fun i s ->
            match Printexc.Slot.location s with
            | None -> Printf.printf "slot %d: no location (raise=%b)\n" i (Printexc.Slot.is_raise s)
            | Some l -> Printf.printf "slot %d: %s:%d %d-%d raise=%b inline=%b name=%s\n" i
                          l.Printexc.filename l.Printexc.line_number l.Printexc.start_char l.Printexc.end_char
                          (Printexc.Slot.is_raise s) (Printexc.Slot.is_inline s)
                          (Option.value ~default:"?" (Printexc.Slot.name s))) slots));
  print_endline "-- callstack";
  show_callstack ();
  (* raise_notrace leaves no new backtrace *)
  (try raise_notrace Exit with Exit -> print_endline "-- after raise_notrace");
  Printexc.record_backtrace false;
  (try ignore (descend 1) with Oops _ ->
     Printf.printf "-- recording off: %S\n" (Printexc.get_backtrace ()))
