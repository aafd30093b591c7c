(* Arithmetic exceptions: Division_by_zero from / and mod on int, Int32, Int64 and
   Nativeint, and what float division by zero gives instead. *)

let try_int name f =
  match f () with
  | v -> Printf.printf "%s = %d\n" name v
  | exception Division_by_zero -> Printf.printf "%s raises Division_by_zero\n" name

let () =
  let zero = int_of_string "0" in
  try_int "7 / 0" (fun () -> 7 / zero);
  try_int "7 mod 0" (fun () -> 7 mod zero);
  try_int "0 / 0" (fun () -> 0 / zero);
  try_int "min_int / -1" (fun () -> min_int / (-1));
  try_int "min_int mod -1" (fun () -> min_int mod (-1));
  try_int "-7 / 2" (fun () -> (-7) / 2);
  try_int "-7 mod 2" (fun () -> (-7) mod 2);
  try_int "7 mod -2" (fun () -> 7 mod (-2));
  let z32 = Int32.of_string "0" and z64 = Int64.of_string "0" and zn = Nativeint.of_string "0" in
  (match Int32.div 5l z32 with v -> Printf.printf "%ld\n" v | exception Division_by_zero -> print_endline "Int32.div: Division_by_zero");
  (match Int32.rem 5l z32 with v -> Printf.printf "%ld\n" v | exception Division_by_zero -> print_endline "Int32.rem: Division_by_zero");
  (match Int64.div 5L z64 with v -> Printf.printf "%Ld\n" v | exception Division_by_zero -> print_endline "Int64.div: Division_by_zero");
  (match Int64.rem 5L z64 with v -> Printf.printf "%Ld\n" v | exception Division_by_zero -> print_endline "Int64.rem: Division_by_zero");
  (match Nativeint.div 5n zn with v -> Printf.printf "%nd\n" v | exception Division_by_zero -> print_endline "Nativeint.div: Division_by_zero");
  (match Int64.unsigned_div 5L z64 with v -> Printf.printf "%Ld\n" v | exception Division_by_zero -> print_endline "Int64.unsigned_div: Division_by_zero");
  Printf.printf "Int32.div min_int -1 = %ld\n" (Int32.div Int32.min_int (-1l));
  Printf.printf "Int64.div min_int -1 = %Ld\n" (Int64.div Int64.min_int (-1L));
  Printf.printf "Int64.rem min_int -1 = %Ld\n" (Int64.rem Int64.min_int (-1L));
  Printf.printf "Nativeint.div min_int -1 = %nd\n" (Nativeint.div Nativeint.min_int (-1n));
  let fz = float_of_string "0" in
  Printf.printf "1. /. 0. = %f, -1. /. 0. = %f, 0. /. 0. is nan: %b\n" (1. /. fz) (-1. /. fz) (Float.is_nan (fz /. fz));
  Printf.printf "mod_float 5.5 0. is nan: %b\n" (Float.is_nan (mod_float 5.5 fz));
  Printf.printf "int_of_float nan/inf is unspecified; not printed\n";
  Printf.printf "Division_by_zero printed: %s\n" (Printexc.to_string Division_by_zero);
  (* division in a loop where the divisor reaches zero *)
  let total = ref 0 in
  (try for d = 5 downto -5 do total := !total + (100 / d) done
   with Division_by_zero -> Printf.printf "stopped at zero, total %d\n" !total);
  (* the exception is catchable inside deeper calls *)
  let rec f n = if n = 0 then 1 / zero else 1 + f (n - 1) in
  (match f 1000 with _ -> () | exception Division_by_zero -> print_endline "deep Division_by_zero");
  (* constant folding must not hide the exception *)
  (match 10 / 0 with _ -> () | exception Division_by_zero -> print_endline "literal 10 / 0 raises")
