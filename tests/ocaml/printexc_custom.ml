(* Printexc.to_string and friends on custom exceptions with payloads of many shapes,
   registered printers, and exn_slot_name/exn_slot_id. *)

exception E0
exception E1 of int
exception E2 of int * string
exception E3 of float
exception E4 of string list
exception E5 of (int * int)
exception E6 of { a : int; b : string }
exception E7 of char * bool * unit
exception E8 of int option * int32 * int64
exception E9 of exn
exception Printed of int
exception Nested of int list list * float array

module Inner = struct
  exception In_module of string
  module Deeper = struct exception Deep of int end
end

let () =
  let l = [ E0; E1 (-5); E2 (3, "three"); E3 2.5; E4 [ "a"; "b" ]; E5 (1, 2);
            E6 { a = 1; b = "bee" }; E7 ('x', true, ()); E8 (Some 4, 5l, 6L);
            E9 (E1 1); Inner.In_module "im"; Inner.Deeper.Deep 9;
            Nested ([ [ 1 ] ], [| 1.5 |]);
            Not_found; Failure "f"; Invalid_argument "ia"; Sys_error "se"; End_of_file;
            Division_by_zero; Exit; Stack_overflow; Out_of_memory; Sys_blocked_io;
            Match_failure ("m.ml", 1, 2); Assert_failure ("a.ml", 3, 4);
            Undefined_recursive_module ("u.ml", 5, 6); Invalid_argument "" ] in
  List.iter (fun e -> print_endline (Printexc.to_string e)) l;
  print_endline "-- with a registered printer";
  Printexc.register_printer (function
      | Printed n -> Some (Printf.sprintf "Printed<%d>" n)
      | E1 n when n > 100 -> Some "big E1"
      | _ -> None);
  List.iter (fun e -> print_endline (Printexc.to_string e)) [ Printed 3; E1 5; E1 500; E9 (Printed 1) ];
  print_endline "-- to_string_default ignores printers";
  print_endline (Printexc.to_string_default (Printed 3));
  print_endline "-- slot names";
  List.iter (fun e -> print_endline (Printexc.exn_slot_name e)) [ E0; E2 (1, ""); Inner.Deeper.Deep 0; Not_found ];
  Printf.printf "same slot id: %b, different: %b\n"
    (Printexc.exn_slot_id (E1 1) = Printexc.exn_slot_id (E1 2))
    (Printexc.exn_slot_id (E1 1) = Printexc.exn_slot_id E0);
  print_endline "-- Printexc.catch-like use via print";
  (try Printexc.print (fun () -> raise (E2 (7, "seven"))) () with E2 _ -> print_endline "re-raised after print");
  flush stdout;
  print_endline "-- use_printers";
  (match Printexc.use_printers (Printed 8) with Some s -> print_endline s | None -> print_endline "none");
  (match Printexc.use_printers E0 with Some s -> print_endline s | None -> print_endline "none")
