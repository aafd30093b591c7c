(* Uncaught Failure raised by failwith, from a function called via at_exit-free code,
   with stderr output interleaved with stdout. Also: an exception raised inside an
   at_exit handler is not shown, and a registered printer is used for the fatal error. *)

exception Custom of int

let () =
  Printexc.register_printer (function Custom n -> Some (Printf.sprintf "Custom exception number %d" n) | _ -> None);
  prerr_endline "stderr line 1";
  print_endline "stdout line 1";
  prerr_endline "stderr line 2";
  (* not uncaught: handled *)
  (try failwith "handled" with Failure m -> Printf.printf "handled %s\n" m);
  let l = [ 1; 2; 3 ] in
  if List.length l = 3 then raise (Custom 17);
  print_endline "not reached"
