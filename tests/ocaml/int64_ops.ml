(* Int64: full 64-bit arithmetic (beyond the 63-bit native int), division, shifts,
   unsigned operations, conversions, bit patterns of floats, formatting, parsing, and
   a 64-bit xorshift generator and FNV-1a hash. *)

open Int64

let p name v = Printf.printf "%-28s %Ld (0x%Lx)\n" name v v

let () =
  p "max_int" max_int; p "min_int" min_int;
  p "max_int + 1" (add max_int 1L); p "min_int - 1" (sub min_int 1L);
  p "mul overflow" (mul 0x1_0000_0001L 0x1_0000_0001L);
  p "div min_int 7" (div min_int 7L); p "rem min_int 7" (rem min_int 7L);
  p "div -7 2" (div (-7L) 2L); p "rem -7 2" (rem (-7L) 2L);
  p "unsigned_div -1 10" (unsigned_div (-1L) 10L); p "unsigned_rem -1 10" (unsigned_rem (-1L) 10L);
  p "neg min_int" (neg min_int); p "abs min_int" (abs min_int);
  p "logand" (logand 0xFFFF0000FFFF0000L 0x0F0F0F0F0F0F0F0FL); p "lognot 0" (lognot 0L);
  p "shift_left 1 63" (shift_left 1L 63); p "shift_right min 60" (shift_right min_int 60);
  p "shift_right_logical min 60" (shift_right_logical min_int 60);
  Printf.printf "to_int max_int %d, of_int min_int %Ld, to_int32 %ld, of_int32 %Ld, to_nativeint %nd\n" (to_int max_int)
    (of_int Stdlib.min_int) (to_int32 0x1_8000_0001L) (of_int32 (-5l)) (to_nativeint min_int);
  Printf.printf "to_float max %g, of_float 1e18 %Ld, of_float -1.5 %Ld\n" (to_float max_int) (of_float 1e18) (of_float (-1.5));
  Printf.printf "bits_of_float pi %Lx, float_of_bits %g, nan bits %Lx, inf bits %Lx\n" (bits_of_float 3.141592653589793)
    (float_of_bits 0x3FF8000000000000L) (bits_of_float nan) (bits_of_float infinity);
  Printf.printf "to_string %s, of_string %Ld %Ld %Ld\n" (to_string min_int) (of_string "-9223372036854775808") (of_string "0xFFFFFFFFFFFFFFFF")
    (of_string "0u18446744073709551615");
  List.iter (fun s -> match of_string s with
      | v -> Printf.printf "of_string %S = %Ld\n" s v
      | exception Failure m -> Printf.printf "of_string %S: Failure %s\n" s m)
    [ "9223372036854775807"; "9223372036854775808"; "-9223372036854775809"; "0x1_0000_0000_0000_0000"; "0o777"; "0b1010"; "  1"; "1_000" ];
  Printf.printf "unsigned_to_int %s %s, unsigned_compare %d, compare %d\n"
    (match unsigned_to_int (-1L) with None -> "None" | Some v -> string_of_int v)
    (match unsigned_to_int 42L with None -> "None" | Some v -> string_of_int v) (unsigned_compare (-1L) 1L) (compare (-1L) 1L);
  Printf.printf "formats: [%20Ld] [%-20Ld] [%020Ld] [%Lu] [%LX] [%Lo] [%#Lx]\n" 42L 42L (-42L) (-42L) 0xDEADBEEFL 64L 255L;
  (* xorshift64* *)
  let st = ref 88172645463325252L in
  let next () =
    let x = !st in
    let x = logxor x (shift_right_logical x 12) in
    let x = logxor x (shift_left x 25) in
    let x = logxor x (shift_right_logical x 27) in
    st := x; mul x 2685821657736338717L in
  for i = 1 to 5 do Printf.printf "xorshift %d: %Lu\n" i (next ()) done;
  let fnv s = let h = ref 0xcbf29ce484222325L in
    String.iter (fun c -> h := mul (logxor !h (of_int (Char.code c))) 0x100000001b3L) s; !h in
  Printf.printf "fnv1a64 'hello' = %Lx\n" (fnv "hello");
  Printf.printf "sorted: %s\n" (String.concat " " (List.map to_string (List.sort compare [ 3L; min_int; -1L; max_int; 0L ])));
  Printf.printf "min %Ld max %Ld equal %b succ %Ld pred %Ld\n" (min 1L (-1L)) (max 1L (-1L)) (equal 7L 7L) (succ max_int) (pred min_int);
  (* Int64 in records and arrays survive GC *)
  let arr = Array.init 10_000 (fun i -> mul (of_int i) 0x1_0000_0000L) in
  Gc.full_major ();
  Printf.printf "array: %Ld %Ld\n" arr.(9999) (Array.fold_left add 0L arr)
