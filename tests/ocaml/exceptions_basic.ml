(* Exceptions: raising and catching, payloads, re-raising, nested handlers, exceptions
   as values, local exceptions, match ... with exception, and predefined exceptions. *)

exception Simple
exception With_int of int
exception With_pair of string * float
exception With_record of { code : int; msg : string }
exception Poly of int list option

let classify f =
  match f () with
  | v -> Printf.sprintf "value %d" v
  | exception Simple -> "Simple"
  | exception With_int n -> Printf.sprintf "With_int %d" n
  | exception With_pair (s, x) -> Printf.sprintf "With_pair (%s, %g)" s x
  | exception With_record { code; msg } -> Printf.sprintf "With_record %d %s" code msg
  | exception Not_found -> "Not_found"
  | exception Failure m -> "Failure " ^ m
  | exception Invalid_argument m -> "Invalid_argument " ^ m
  | exception e -> "other: " ^ Printexc.to_string e

let rec find_first p = function
  | [] -> raise Not_found
  | x :: r -> if p x then x else find_first p r

let () =
  List.iter (fun f -> print_endline (classify f))
    [ (fun () -> 1);
      (fun () -> raise Simple);
      (fun () -> raise (With_int 42));
      (fun () -> raise (With_pair ("pi", 3.14)));
      (fun () -> raise (With_record { code = 7; msg = "seven" }));
      (fun () -> find_first (fun x -> x > 10) [1; 2; 3]);
      (fun () -> find_first (fun x -> x > 1) [1; 2; 3]);
      (fun () -> failwith "explicit");
      (fun () -> invalid_arg "bad arg");
      (fun () -> List.assoc "x" []);
      (fun () -> int_of_string "abc");
      (fun () -> raise (Poly (Some [1; 2])));
      (fun () -> raise Exit);
      (fun () -> assert false);
      (fun () -> (match Some 3 with None -> 0 | Some x when x > 5 -> x | Some _ -> raise Exit));
      (fun () -> List.nth [1; 2] 5);
      (fun () -> List.nth [1; 2] (-1));
      (fun () -> String.index "hello" 'z');
      (fun () -> Hashtbl.find (Hashtbl.create 1) "k");
      (fun () -> Option.get None);
      (fun () -> Queue.pop (Queue.create ()));
      (fun () -> Stack.pop (Stack.create ()));
      (fun () -> Char.code (Char.chr 300));
      (fun () -> String.length (String.make (-1) 'c'));
    ];
  (* re-raise preserves identity *)
  let e1 = With_int 5 in
  (try (try raise e1 with e -> raise e) with e -> Printf.printf "physically same: %b\n" (e == e1));
  (* nested handlers: inner does not match, outer does *)
  let r = try (try raise (With_int 1) with Simple -> 0) with With_int n -> n + 100 in
  Printf.printf "nested: %d\n" r;
  (* handler that raises a different exception *)
  let r = try (try raise Simple with Simple -> raise (With_int 9)) with With_int n -> n in
  Printf.printf "translated: %d\n" r;
  (* exceptions in a list, compared structurally *)
  let exns = [ Simple; With_int 1; With_int 1; With_pair ("a", 1.) ] in
  Printf.printf "equal payload exns: %b\n" (List.nth exns 1 = List.nth exns 2);
  (* local exception *)
  let module M = struct exception Local of int end in
  let r = try raise (M.Local 3) with M.Local n -> n * 2 in
  Printf.printf "local: %d\n" r;
  let f () = let exception Stop of int in
    try List.iter (fun x -> if x > 3 then raise (Stop x)) [1; 2; 3; 4; 5]; 0 with Stop x -> x in
  Printf.printf "let exception: %d\n" (f ());
  (* Match_failure *)
  (try let g = function 1 -> "one" | 2 -> "two" [@@warning "-8"] in ignore (g 3)
   with Match_failure (file, line, col) -> Printf.printf "Match_failure %s %d %d\n" file line col);
  (* Assert_failure *)
  (try assert (1 + 1 = 3) with Assert_failure (file, line, col) -> Printf.printf "Assert_failure %s %d %d\n" file line col);
  (* exceptions carrying closures *)
  let exception Callback of (int -> int) in
  (try raise (Callback (fun x -> x * 3)) with Callback f -> Printf.printf "callback: %d\n" (f 14));
  (* raise_notrace *)
  (try raise_notrace (With_int 77) with With_int n -> Printf.printf "notrace %d\n" n);
  (* exceptions in loops: many raises *)
  let count = ref 0 in
  for i = 1 to 100_000 do try if i land 1 = 0 then raise Simple else incr count with Simple -> () done;
  Printf.printf "loop: %d\n" !count;
  (* try-with returning different types via a variant *)
  let safe_div a b = try Ok (a / b) with Division_by_zero -> Error "div by zero" in
  List.iter (function Ok v -> Printf.printf "ok %d\n" v | Error m -> Printf.printf "error %s\n" m)
    [ safe_div 10 2; safe_div 1 0 ]
