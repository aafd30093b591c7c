(* Native int arithmetic: 63-bit wraparound, division and modulo signs, shifts (lsl lsr
   asr with large counts), bitwise operators, abs/min/max/succ/pred on extremes, Int
   module functions, comparisons, and int/float/char conversions. *)

let () =
  Printf.printf "max_int %d min_int %d\n" max_int min_int;
  Printf.printf "max_int + 1 = %d, min_int - 1 = %d, max_int * 2 = %d, min_int * -1 = %d\n" (max_int + 1) (min_int - 1) (max_int * 2) (min_int * -1);
  Printf.printf "abs min_int = %d, - min_int = %d, abs -5 = %d\n" (abs min_int) (- min_int) (abs (-5));
  List.iter (fun (a, b) -> Printf.printf "%d / %d = %d, %d mod %d = %d\n" a b (a / b) a b (a mod b))
    [ (7, 2); (-7, 2); (7, -2); (-7, -2); (0, 5); (max_int, 3); (min_int, 3); (min_int, -3) ];
  List.iter (fun k -> Printf.printf "1 lsl %d = %d, -1 lsr %d = %d, min_int asr %d = %d\n" k (1 lsl k) k (-1 lsr k) k (min_int asr k))
    [ 0; 1; 31; 32; 61; 62 ];
  Printf.printf "land %d lor %d lxor %d lnot %d\n" (0xF0F0 land 0xFF00) (0xF0F0 lor 0x0F0F) (0xFFFF lxor 0x1234) (lnot 0);
  Printf.printf "negative land: %d, lxor -1: %d\n" ((-8) land 0xFF) (12345 lxor (-1));
  Printf.printf "Int: abs %d neg %d add %d sub %d mul %d div %d rem %d\n" (Int.abs (-3)) (Int.neg 4) (Int.add 1 2) (Int.sub 1 2) (Int.mul 3 4) (Int.div (-9) 2) (Int.rem (-9) 2);
  Printf.printf "Int: succ %d pred %d logand %d logor %d logxor %d lognot %d shift_left %d shift_right %d shift_right_logical %d\n"
    (Int.succ max_int) (Int.pred min_int) (Int.logand 12 10) (Int.logor 12 10) (Int.logxor 12 10) (Int.lognot 5)
    (Int.shift_left 1 10) (Int.shift_right (-1024) 3) (Int.shift_right_logical (-1024) 60);
  Printf.printf "Int: equal %b compare %d %d min %d max %d to_float %g of_float %d to_string %s\n" (Int.equal 3 3) (Int.compare 1 2)
    (Int.compare max_int min_int) (Int.min 3 (-3)) (Int.max 3 (-3)) (Int.to_float max_int) (Int.of_float (-3.9)) (Int.to_string (-0));
  Printf.printf "int_of_float: %d %d %d %d\n" (int_of_float 3.99) (int_of_float (-3.99)) (int_of_float 1e18) (truncate 2.5);
  Printf.printf "float_of_int: %F %F\n" (float_of_int max_int) (float_of_int min_int);
  Printf.printf "char conversions: %d %c\n" (Char.code 'Z') (Char.unsafe_chr 97);
  Printf.printf "compare: %b %b %b %d\n" (max_int > min_int) (-1 < 0) (0 = -0) (compare min_int max_int);
  (* overflow-prone computations *)
  let fact n = let r = ref 1 in for i = 2 to n do r := !r * i done; !r in
  Printf.printf "20! = %d, 21! (wraps) = %d, 25! = %d\n" (fact 20) (fact 21) (fact 25);
  let h = ref 0 in
  String.iter (fun c -> h := !h * 31 + Char.code c) "a fairly long string to hash with wraparound arithmetic";
  Printf.printf "poly hash %d\n" !h;
  (* popcount and bit tricks *)
  let rec popcount x = if x = 0 then 0 else (x land 1) + popcount (x lsr 1) in
  Printf.printf "popcount: %d %d %d\n" (popcount 255) (popcount max_int) (popcount min_int);
  Printf.printf "x land (-x): %d, x land (x-1): %d\n" (96 land (-96)) (96 land 95);
  (* Int.min_int/max_int and Sys *)
  Printf.printf "int_size %d, max_int = Int.max_int %b\n" Sys.int_size (max_int = Int.max_int);
  (* ( ~- ) and ( ~+ ) *)
  Printf.printf "%d %d\n" (~- 5) (~+ 5);
  (* integer exponent by squaring *)
  let rec pow b e = if e = 0 then 1 else let h = pow b (e / 2) in if e mod 2 = 0 then h * h else h * h * b in
  Printf.printf "3^39 = %d, 2^62 = %d, 7^30 = %d\n" (pow 3 39) (pow 2 62) (pow 7 30)
