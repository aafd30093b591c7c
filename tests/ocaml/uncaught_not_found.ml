(* An uncaught Not_found: "Fatal error: exception Not_found" on stderr, exit status 2,
   stdout flushed first, at_exit handlers run. *)

let () =
  at_exit (fun () -> print_endline "at_exit ran");
  print_string "before the raise (buffered)";
  print_newline ();
  print_string "partial line";
  let tbl = Hashtbl.create 4 in
  Hashtbl.add tbl "present" 1;
  Printf.printf " %d\n" (Hashtbl.find tbl "present");
  ignore (Hashtbl.find tbl "absent");
  print_endline "not reached"
