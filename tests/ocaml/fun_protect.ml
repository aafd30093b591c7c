(* Fun.protect, Fun.id/const/flip/negate, and cleanup ordering with exceptions. *)

exception Boom of string

let log = Buffer.create 64
let note s = Buffer.add_string log s; Buffer.add_char log ';'

let () =
  let r = Fun.protect ~finally:(fun () -> note "fin1") (fun () -> note "body1"; 10) in
  Printf.printf "result %d\n" r;
  (match Fun.protect ~finally:(fun () -> note "fin2") (fun () -> note "body2"; raise (Boom "x")) with
   | _ -> print_endline "no exception?"
   | exception Boom s -> Printf.printf "Boom %s propagated\n" s);
  (* finally raising is wrapped in Finally_raised *)
  (match Fun.protect ~finally:(fun () -> raise (Boom "in finally")) (fun () -> 5) with
   | _ -> print_endline "no exception?"
   | exception Fun.Finally_raised e -> Printf.printf "Finally_raised(%s)\n" (Printexc.to_string e));
  (match Fun.protect ~finally:(fun () -> failwith "fin") (fun () -> raise Not_found) with
   | _ -> ()
   | exception e -> Printf.printf "both raise: %s\n" (Printexc.to_string e));
  (* nested protects run inner finally first *)
  (try
     Fun.protect ~finally:(fun () -> note "outer") (fun () ->
         Fun.protect ~finally:(fun () -> note "inner") (fun () -> note "deep"; raise Exit))
   with Exit -> note "handler");
  print_endline (Buffer.contents log);
  Printf.printf "id %d const %s flip %d negate %b\n" (Fun.id 3) (Fun.const "c" 99)
    (Fun.flip ( - ) 1 10) (Fun.negate (fun x -> x > 0) 5);
  (* protect used for resource cleanup in a loop *)
  let opened = ref 0 and closed = ref 0 in
  for i = 1 to 10 do
    try
      Fun.protect ~finally:(fun () -> incr closed) (fun () ->
          incr opened; if i mod 3 = 0 then raise (Boom (string_of_int i)))
    with Boom _ -> ()
  done;
  Printf.printf "opened %d closed %d\n" !opened !closed;
  print_endline (Printexc.to_string (Fun.Finally_raised Not_found))
