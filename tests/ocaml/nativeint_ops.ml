(* Nativeint: word-sized arithmetic (64-bit here), conversions, shifts, parsing,
   formatting, and comparisons. *)

open Nativeint

let p name v = Printf.printf "%-24s %nd (0x%nx)\n" name v v

let () =
  Printf.printf "size %d\n" size;
  p "max_int" max_int; p "min_int" min_int;
  p "max_int + 1" (add max_int 1n); p "mul" (mul 0x1_0000_0001n 0x1_0000_0001n);
  p "div -7 2" (div (-7n) 2n); p "rem -7 2" (rem (-7n) 2n);
  p "unsigned_div -1 7" (unsigned_div (-1n) 7n); p "unsigned_rem -1 7" (unsigned_rem (-1n) 7n);
  p "neg" (neg 5n); p "abs min_int" (abs min_int); p "lognot" (lognot 0n);
  p "logand/or/xor" (logxor (logor 0xF0n 0x0Fn) (logand 0xFFn 0x3Cn));
  p "shift_left 1 63" (shift_left 1n 63); p "shift_right" (shift_right min_int 62); p "shift_right_logical" (shift_right_logical min_int 62);
  Printf.printf "to_int %d of_int %nd to_int32 %ld of_int32 %nd to_float %g of_float %nd\n" (to_int 77n) (of_int (-77))
    (to_int32 0x1_0000_0005n) (of_int32 Int32.min_int) (to_float max_int) (of_float 123.9);
  Printf.printf "to_string %s of_string %nd %nd of_string_opt %s\n" (to_string min_int) (of_string "0x7fffffffffffffff")
    (of_string "-0b11") (match of_string_opt "99999999999999999999" with None -> "None" | Some v -> to_string v);
  Printf.printf "unsigned_to_int %s unsigned_compare %d compare %d equal %b min %nd max %nd\n"
    (match unsigned_to_int (-1n) with None -> "None" | Some v -> string_of_int v) (unsigned_compare (-1n) 0n) (compare (-1n) 0n)
    (equal 1n 1n) (min 1n 2n) (max 1n 2n);
  Printf.printf "formats [%10nd] [%-10nd|] [%nu] [%nX] [%no] [%#nx]\n" 5n 5n (-5n) 255n 8n 4096n;
  Printf.printf "succ/pred %nd %nd\n" (succ max_int) (pred min_int);
  Printf.printf "sorted %s\n" (String.concat " " (List.map to_string (List.sort compare [ 2n; -2n; max_int; min_int ])));
  Printf.printf "hash %d\n" (Hashtbl.hash 123456789n)
