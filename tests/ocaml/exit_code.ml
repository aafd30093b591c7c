(* exit with a non-zero status: output buffered on stdout and stderr must be flushed,
   at_exit functions run, and the status is 3. Also checks that code after exit does not run. *)

let () =
  at_exit (fun () -> print_endline "at_exit: flushed before leaving");
  print_string "buffered without newline; ";
  print_endline "and a line";
  prerr_string "to stderr, unflushed";
  Printf.printf "%d %s\n" 42 "printf output";
  let oc = stdout in
  output_string oc "direct output_string\n";
  (* exit from inside nested calls and a handler *)
  let rec nest n = if n = 0 then exit 3 else 1 + nest (n - 1) in
  (try ignore (nest 100) with Not_found -> print_endline "wrong handler");
  print_endline "not reached"
