(* Int32: arithmetic with 32-bit wraparound, division, shifts, logical ops, unsigned
   operations, conversions (to/from int, float, string, bits of float), formatting,
   and Int32 values stored in data structures and compared. *)

open Int32

let p name v = Printf.printf "%-28s %ld (0x%lx)\n" name v v

let () =
  p "max_int" max_int; p "min_int" min_int;
  p "max_int + 1" (add max_int 1l); p "min_int - 1" (sub min_int 1l);
  p "mul overflow" (mul 65536l 65536l); p "mul 123456 * 7891" (mul 123456l 7891l);
  p "div -7 2" (div (-7l) 2l); p "rem -7 2" (rem (-7l) 2l); p "rem 7 -2" (rem 7l (-2l));
  p "unsigned_div -1 3" (unsigned_div (-1l) 3l); p "unsigned_rem -1 3" (unsigned_rem (-1l) 3l);
  p "neg min_int" (neg min_int); p "abs min_int" (abs min_int); p "abs -9" (abs (-9l));
  p "succ max_int" (succ max_int); p "pred 0" (pred 0l);
  p "logand" (logand 0xF0F0F0F0l 0xFF00FF00l); p "logor" (logor 0x0F0F0000l 0x0000F0F0l);
  p "logxor" (logxor (-1l) 0x12345678l); p "lognot 0" (lognot 0l);
  p "shift_left 1 31" (shift_left 1l 31); p "shift_right min 4" (shift_right min_int 4);
  p "shift_right_logical min 4" (shift_right_logical min_int 4);
  Printf.printf "to_int max %d, of_int big %ld, of_int neg %ld\n" (to_int max_int) (of_int 0x1_2345_6789) (of_int (-1));
  Printf.printf "to_float %g, of_float 3.99 %ld, of_float -2.5 %ld, of_float 1e10 (unspecified, not printed)\n" (to_float min_int) (of_float 3.99) (of_float (-2.5));
  Printf.printf "bits_of_float 1.0 %lx, float_of_bits %g, bits of -0. %lx\n" (bits_of_float 1.0) (float_of_bits 0x40490fdbl) (bits_of_float (-0.));
  Printf.printf "to_string %s, of_string %ld %ld %ld %ld\n" (to_string min_int) (of_string "-2147483648") (of_string "0xFFFFFFFF")
    (of_string "0u4294967295") (of_string "0b1111");
  Printf.printf "of_string_opt: %s %s\n" (match of_string_opt "2147483648" with None -> "None" | Some v -> to_string v)
    (match of_string_opt "-0x80000000" with None -> "None" | Some v -> to_string v);
  (match of_string "4294967296" with v -> Printf.printf "%ld\n" v | exception Failure m -> Printf.printf "of_string 2^32: Failure %s\n" m);
  Printf.printf "unsigned_to_int %s, unsigned_compare %d, compare %d, equal %b, min %ld max %ld\n"
    (match unsigned_to_int (-1l) with None -> "None" | Some v -> string_of_int v) (unsigned_compare (-1l) 1l) (compare (-1l) 1l)
    (equal 5l 5l) (min 3l (-3l)) (max 3l (-3l));
  Printf.printf "formats: [%5ld] [%-5ld] [%05ld] [%lu] [%lX] [%lo] [%+ld]\n" 42l 42l (-42l) (-42l) 0xABCDl 8l 7l;
  (* boxed values in containers, compare and hash *)
  let l = List.sort compare [ 5l; -3l; max_int; min_int; 0l ] in
  Printf.printf "sorted: %s\n" (String.concat " " (List.map to_string l));
  Printf.printf "hash %d %d, polymorphic equal %b\n" (Hashtbl.hash 5l) (Hashtbl.hash (-1l)) (5l = of_int 5);
  (* a 32-bit LCG and FNV-1a hash *)
  let st = ref 1l in
  for _ = 1 to 1000 do st := add (mul !st 1664525l) 1013904223l done;
  Printf.printf "lcg after 1000 steps: %ld\n" !st;
  let fnv s = let h = ref 0x811c9dc5l in
    String.iter (fun c -> h := mul (logxor !h (of_int (Char.code c))) 0x01000193l) s; !h in
  Printf.printf "fnv1a32 'hello' = %lx\n" (fnv "hello");
  let arr = Array.init 1000 (fun i -> of_int (i * 1_000_003)) in
  Printf.printf "array sum: %ld\n" (Array.fold_left add 0l arr)
