(* Float conversions: string_of_float (the %.12g-plus-dot rule), Printf %.17g round
   trips, float_of_string on many spellings, nan/inf/-0., classify_float, Float.to_string,
   of_string_opt, int conversions, and bit-exact round trips through Int64 bits. *)

let floats = [ 0.; -0.; 1.; -1.; 0.1; 0.2; 0.3; 1. /. 3.; 2. /. 3.; 100.; 1e10; 1e15; 1e16; 1e17; 123456789012.;
               1234567890123.; 0.000001; 0.0000001; 1e-10; 5e-324; 2.2250738585072014e-308; max_float; min_float;
               epsilon_float; 4.35; 0.1 +. 0.2; 1e23; 8.5; 9.999999999999e12; 3.0e-5; nan; infinity; neg_infinity; -. nan ]

let cls f = match classify_float f with
  | FP_normal -> "normal" | FP_subnormal -> "subnormal" | FP_zero -> "zero" | FP_infinite -> "infinite" | FP_nan -> "nan"

let () =
  List.iter (fun f ->
      let s17 = Printf.sprintf "%.17g" f in
      let back = float_of_string s17 in
      Printf.printf "%-24s %-26s %-10s roundtrip %b bits %Lx\n" (string_of_float f) s17 (cls f)
        (Int64.bits_of_float back = Int64.bits_of_float f || (Float.is_nan f && Float.is_nan back)) (Int64.bits_of_float f))
    floats;
  Printf.printf "Float.to_string = string_of_float: %b\n" (List.for_all (fun f -> Float.to_string f = string_of_float f) floats);
  List.iter (fun s -> Printf.printf "of_string_opt %S = %s\n" s (match Float.of_string_opt s with None -> "None" | Some f -> Printf.sprintf "%.17g" f))
    [ "3.14"; "1e-7"; "0x1.921fb54442d18p+1"; "  12"; "12  "; "1__2"; "-.5e-2"; "+1.5"; "INF"; "-Infinity"; "nan(123)"; "1,5" ];
  Printf.printf "int_of_float: %d %d %d %d\n" (int_of_float 1e15) (int_of_float (-0.9)) (int_of_float 2.999999) (int_of_float (-1e15));
  Printf.printf "Float.of_int %g, to_int %d\n" (Float.of_int 123) (Float.to_int 99.9);
  Printf.printf "is_nan %b %b is_integer %b %b is_finite %b %b\n" (Float.is_nan nan) (Float.is_nan infinity) (Float.is_integer 3.0)
    (Float.is_integer 3.5) (Float.is_finite 1e308) (Float.is_finite infinity);
  Printf.printf "sign_bit %b %b %b\n" (Float.sign_bit (-0.)) (Float.sign_bit 0.) (Float.sign_bit (-. nan));
  Printf.printf "-0. = 0. %b, 1/-0. = %g, copysign %g\n" (-0. = 0.) (1. /. -0.) (Float.copy_sign 3. (-0.));
  Printf.printf "nan = nan %b, nan <> nan %b, nan == nan? (physical, same constant) skipped\n" (nan = nan) (nan <> nan);
  Printf.printf "Float.equal nan nan %b, compare nan nan %d, compare nan 1. %d, compare 1. nan %d\n" (Float.equal nan nan)
    (compare nan nan) (compare nan 1.) (compare 1. nan);
  Printf.printf "min/max with nan: %g %g, min_num/max_num %g %g\n" (Float.min nan 1.) (Float.max 1. nan) (Float.min_num nan 1.) (Float.max_num 1. nan);
  Printf.printf "succ 1. %.17g pred 1. %.17g succ 0 %g pred 0 %g\n" (Float.succ 1.) (Float.pred 1.) (Float.succ 0.) (Float.pred 0.);
  Printf.printf "constants: pi %.17g e? (exp 1) %.17g max %h min %h eps %h\n" Float.pi (exp 1.) max_float min_float epsilon_float;
  Printf.printf "Int64.float_of_bits of max uint: %g; to_string of large ints: %s %s\n" (Int64.float_of_bits (-1L))
    (string_of_float 9007199254740993.) (string_of_float 4503599627370497.5)
