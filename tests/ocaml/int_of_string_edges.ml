(* int_of_string and friends on edge cases: prefixes 0x 0X 0o 0O 0b 0B 0u, signs,
   underscores, leading/trailing junk, empty strings, overflow at exactly the limits
   (decimal vs hexadecimal wrap rules), and the float/bool parsers' failures. *)

let t s =
  match int_of_string s with
  | n -> Printf.printf "%-26S -> %d\n" s n
  | exception Failure m -> Printf.printf "%-26S -> Failure %S\n" s m

let () =
  List.iter t [ "0"; "-0"; "+0"; "42"; "-42"; "+42"; "007"; "0x1F"; "0X1f"; "-0x10"; "0o17"; "0O17"; "0b101"; "0B11";
                "0u42"; "0U42"; "1_000_000"; "_1"; "1_"; "0x_ff"; "0b_1_0"; "";
                " 1"; "1 "; "1a"; "a1"; "0x"; "0b2"; "0o8"; "--1"; "+-1"; "-"; "+"; "0xg"; "1e3"; "1.0";
                "4611686018427387903"; "4611686018427387904"; "-4611686018427387904"; "-4611686018427387905";
                "0x3fffffffffffffff"; "0x4000000000000000"; "0x7fffffffffffffff"; "0x8000000000000000";
                "-0x4000000000000000"; "0o777777777777777777777"; "0o7777777777777777777777";
                "0b111111111111111111111111111111111111111111111111111111111111111";
                "0b1111111111111111111111111111111111111111111111111111111111111111";
                "0u4611686018427387904"; "0u9223372036854775807"; "0u9223372036854775808"; "99999999999999999999" ];
  List.iter (fun s -> Printf.printf "int_of_string_opt %S = %s\n" s (match int_of_string_opt s with None -> "None" | Some n -> string_of_int n))
    [ "12"; "x"; "" ];
  List.iter (fun s -> match float_of_string s with
      | f -> Printf.printf "float_of_string %-14S = %h (%s)\n" s f (string_of_float f)
      | exception Failure m -> Printf.printf "float_of_string %-14S: Failure %S\n" s m)
    [ "1.5"; "-0."; "1e3"; "1E-3"; ".5"; "5."; "0x1p4"; "0x1.8"; "nan"; "-nan"; "inf"; "-inf"; "infinity"; "NaN"; "1_000.5";
      ""; "abc"; "1.5x"; " 1.5"; "1e"; "1e400"; "1e-400"; "0x"; "_1" ];
  List.iter (fun s -> match bool_of_string s with
      | b -> Printf.printf "bool_of_string %S = %b\n" s b
      | exception Invalid_argument m -> Printf.printf "bool_of_string %S: Invalid_argument %S\n" s m)
    [ "true"; "false"; "True"; "" ];
  Printf.printf "Int32 of_string limits: %s %s\n" (match Int32.of_string_opt "0xffffffff" with Some v -> Int32.to_string v | None -> "None")
    (match Int32.of_string_opt "0x1ffffffff" with Some v -> Int32.to_string v | None -> "None");
  Printf.printf "char_of_int: %s\n" (match char_of_int 256 with _ -> "?" | exception Invalid_argument m -> m)
