(* The float primitives on the arguments where a libm's choices, not its accuracy, decide
   the result: NaNs (quiet and signalling, both signs, with payloads), infinities, zeros,
   arguments just outside a function's domain; and fma, whose result is exact (one rounding)
   on every libm, on many arguments. Prints the bits of every result: under warden (any libc)
   the output must equal the stock ocamlrun's on glibc. (cbrt's finite results are accuracy,
   not a choice: glibc's is not correctly rounded, musl's is another algorithm; sample.ml
   counts them.) See docs/sanitizers.md. *)

let bits = Int64.float_of_bits
let edge =
  [ 0.; -0.; infinity; neg_infinity; nan; -.nan; bits 0x7ff0000000000001L; bits 0xfff0000000001234L;
    bits 0x7ff8000000abcdefL; bits 0x7ff4000000000000L ]
let domain =
  [ 1.; -1.; 1.000001; -1.000001; 2.; -2.; 1e300; -1e300; max_float; -.max_float; 5e-324; -5e-324;
    0.999999; -0.999999; 1e-310; -1e-310 ]
let ordinary = [ 1.; -1.; 2.; -2.; 0.5; -0.5 ]

let unary =
  [ "exp", exp; "exp2", Float.exp2; "expm1", expm1; "log", log; "log10", log10; "log2", Float.log2;
    "log1p", log1p; "cbrt", Float.cbrt; "sin", sin; "cos", cos; "tan", tan; "asin", asin; "acos", acos;
    "atan", atan; "sinh", sinh; "cosh", cosh; "tanh", tanh; "asinh", Float.asinh; "acosh", Float.acosh;
    "atanh", Float.atanh; "erf", Float.erf; "erfc", Float.erfc; "round", Float.round; "sqrt", sqrt;
    "floor", floor; "ceil", ceil; "trunc", Float.trunc ]
let binary =
  [ "pow", ( ** ); "hypot", hypot; "atan2", atan2; "fmod", mod_float; "nextafter", Float.next_after;
    "ldexp", (fun x y -> ldexp x (truncate y)); "copysign", copysign ]

let show x = Printf.sprintf "%Lx" (Int64.bits_of_float x)

(* A reproducible spread of doubles: random bit patterns and numbers of moderate size. *)
let spread n =
  let st = Random.State.make [| 5 |] in
  List.init n (fun i ->
      match i mod 3 with
      | 0 -> Int64.float_of_bits (Random.State.int64 st Int64.max_int) *. (if i land 8 = 0 then 1. else -1.)
      | 1 -> Random.State.float st 200. -. 100.
      | _ -> float_of_int (Random.State.int st 2_000_000 - 1_000_000) /. 8.)

let () =
  (* Near the domain edges only the kind of result is compared (a NaN, which one, an
     infinity or a zero), not the last bits of a finite one: that is accuracy (sample.ml). *)
  let kind r = if Float.is_finite r && r <> 0. then "finite" else show r in
  List.iter
    (fun (name, f) ->
      List.iter (fun x -> Printf.printf "%s %s %s\n" name (show x) (show (f x))) edge;
      List.iter (fun x -> Printf.printf "%s %s %s\n" name (show x) (kind (f x))) domain)
    unary;
  List.iter
    (fun (name, f) ->
      let args = edge @ ordinary in
      List.iter
        (fun x ->
          List.iter
            (fun y ->
              if List.memq x edge || List.memq y edge then Printf.printf "%s %s %s %s\n" name (show x) (show y) (show (f x y)))
            args)
        args)
    binary;
  List.iter
    (fun x ->
      let m, e = frexp x and fr, ip = modf x in
      Printf.printf "frexp %s %s %d modf %s %s\n" (show x) (show m) e (show fr) (show ip))
    (edge @ domain);
  let fma_args = edge @ [ 1.; -0.5; 3.; 5e-324; -5e-324; max_float; 1e-300 ] in
  List.iter
    (fun x ->
      List.iter
        (fun y -> List.iter (fun z -> Printf.printf "fma %s %s %s %s\n" (show x) (show y) (show z) (show (Float.fma x y z))) fma_args)
        fma_args)
    fma_args;
  let s = Array.of_list (spread 30_000) in
  Array.iteri (fun i x ->
    let y = s.((i * 7919) mod Array.length s) and z = s.((i * 104729) mod Array.length s) in
    Printf.printf "fma %s %s %s %s\n" (show x) (show y) (show z) (show (Float.fma x (y *. 1e-100) z))) s
