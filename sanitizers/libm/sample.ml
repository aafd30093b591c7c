(* The float primitives on a reproducible spread of ordinary arguments: one line per
   function, "name differing/total" is what sanitizers/libm.sh makes of two runs. Prints the
   bits of every result, "name args... result". *)

let n = try int_of_string Sys.argv.(1) with _ -> 20_000
let st = Random.State.make [| 42 |]
let gen i =
  match i mod 6 with
  | 0 -> Random.State.float st 10. -. 5.
  | 1 -> Random.State.float st 2000. -. 1000.
  | 2 -> Int64.float_of_bits (Random.State.int64 st Int64.max_int) *. (if Random.State.bool st then 1. else -1.)
  | 3 -> Random.State.float st 2. -. 1.
  | 4 -> Random.State.float st 1e6
  | _ -> float_of_int (Random.State.int st 100000 - 50000) /. 8.
let unary =
  [ "exp", exp; "exp2", Float.exp2; "expm1", expm1; "log", log; "log10", log10; "log2", Float.log2;
    "log1p", log1p; "cbrt", Float.cbrt; "sin", sin; "cos", cos; "tan", tan; "asin", asin; "acos", acos;
    "atan", atan; "sinh", sinh; "cosh", cosh; "tanh", tanh; "asinh", Float.asinh; "acosh", Float.acosh;
    "atanh", Float.atanh; "erf", Float.erf; "erfc", Float.erfc; "round", Float.round ]
let binary = [ "pow", ( ** ); "hypot", hypot; "atan2", atan2; "fmod", mod_float ]
let show x = Printf.sprintf "%Lx" (Int64.bits_of_float x)
let () =
  List.iter (fun (name, f) -> for i = 1 to n do let x = gen i in Printf.printf "%s %s %s\n" name (show x) (show (f x)) done) unary;
  List.iter
    (fun (name, f) ->
      for i = 1 to n do
        let x = gen i in
        let y = if name = "pow" && i mod 2 = 0 then Random.State.float st 20. -. 10. else gen (i / 6) in
        Printf.printf "%s %s %s %s\n" name (show x) (show y) (show (f x y))
      done)
    binary
