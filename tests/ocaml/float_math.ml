(* Float math: frexp, ldexp, modf, rounding (floor ceil round trunc, Float.round on halves),
   rem/mod_float, fma, sqrt/cbrt/exp/log families, trig and hyperbolic functions,
   hypot, expm1/log1p, copysign, pow edge cases, and arithmetic of special values. *)

let p name x = Printf.printf "%-26s %s\n" name (Printf.sprintf "%.17g" x)

let () =
  List.iter (fun x -> let m, e = frexp x in Printf.printf "frexp %-10g = %.17g, %d\n" x m e)
    [ 0.; 1.; 8.; 0.3; -5.5; 1e300; 5e-324; infinity; nan ];
  List.iter (fun (m, e) -> Printf.printf "ldexp %g %d = %.17g\n" m e (ldexp m e)) [ (0.5, 1); (1., 1023); (1., 1024); (1., -1074); (1., -1075); (-3., 4) ];
  List.iter (fun x -> let f, i = modf x in Printf.printf "modf %-8g = %g, %g\n" x f i) [ 3.75; -3.75; 0.; -0.; 1e20; infinity; nan ];
  List.iter (fun x -> Printf.printf "%-6g floor %g ceil %g round %g trunc %g Float.round %g\n" x (floor x) (ceil x)
                (Float.round x) (Float.trunc x) (Float.round x))
    [ 0.5; 1.5; 2.5; -0.5; -1.5; -2.5; 2.4999999999999996; 0.49999999999999994; -0.; 1e16 +. 1. ];
  p "rem 5.5 2" (Float.rem 5.5 2.); p "mod_float -5.5 2" (mod_float (-5.5) 2.); p "rem 1e300 3" (Float.rem 1e300 3.);
  p "fma 2 3 4" (Float.fma 2. 3. 4.); p "fma 0.1 10 -1" (Float.fma 0.1 10. (-1.));
  p "sqrt 2" (sqrt 2.); p "sqrt -1 (nan)" (sqrt (-1.)); p "cbrt 27" (Float.cbrt 27.); p "cbrt -8" (Float.cbrt (-8.));
  p "exp 1" (exp 1.); p "exp2 10" (Float.exp2 10.); p "exp 710" (exp 710.); p "exp -745" (exp (-745.));
  p "log 10" (log 10.); p "log10 1000" (log10 1000.); p "log2 1024" (Float.log2 1024.); p "log 0" (log 0.); p "log -1" (log (-1.));
  p "expm1 1e-10" (expm1 1e-10); p "log1p 1e-10" (log1p 1e-10);
  p "sin 1" (sin 1.); p "cos 1" (cos 1.); p "tan 1" (tan 1.); p "asin 1" (asin 1.); p "acos 0" (acos 0.); p "atan 1" (atan 1.);
  p "atan2 1 -1" (atan2 1. (-1.)); p "atan2 -0 -1" (atan2 (-0.) (-1.)); p "sinh 1" (sinh 1.); p "cosh 1" (cosh 1.); p "tanh 1" (tanh 1.);
  p "asinh 1" (Float.asinh 1.); p "acosh 2" (Float.acosh 2.); p "atanh 0.5" (Float.atanh 0.5);
  p "hypot 3 4" (hypot 3. 4.); p "hypot inf nan" (hypot infinity nan); p "copysign 1 -0" (copysign 1. (-0.));
  p "erf 0.5" (Float.erf 0.5); p "erfc 0.5" (Float.erfc 0.5);
  p "2 ** 0.5" (2. ** 0.5); p "0 ** 0" (0. ** 0.); p "-8 ** (1/3)" ((-8.) ** (1. /. 3.)); p "-1 ** inf" ((-1.) ** infinity);
  p "inf - inf" (infinity -. infinity); p "inf * 0" (infinity *. 0.); p "-0 + 0" (-0. +. 0.); p "-0 * 5" (-0. *. 5.);
  p "1e308 * 10" (1e308 *. 10.); p "5e-324 / 2" (5e-324 /. 2.); p "0.1 + 0.2" (0.1 +. 0.2); p "1 - 0.9" (1. -. 0.9);
  p "Float.abs -0." (Float.abs (-0.)); p "Float.neg 0." (Float.neg 0.); p "float 1 / 3 * 3" (1. /. 3. *. 3.);
  (* summation order matters: naive vs Kahan *)
  let xs = Array.init 100_000 (fun i -> 1. /. float_of_int (i + 1)) in
  let naive = Array.fold_left ( +. ) 0. xs in
  let sum = ref 0. and c = ref 0. in
  Array.iter (fun x -> let y = x -. !c in let t = !sum +. y in c := (t -. !sum) -. y; sum := t) xs;
  Printf.printf "naive %.17g kahan %.17g\n" naive !sum;
  (* Newton's method for square roots *)
  let newton a = let x = ref a in for _ = 1 to 60 do x := 0.5 *. (!x +. a /. !x) done; !x in
  Printf.printf "newton sqrt 10 = %.17g (sqrt %.17g)\n" (newton 10.) (sqrt 10.);
  (* integer powers via ** and repeated multiplication *)
  let r = ref 1. in
  for _ = 1 to 64 do r := !r *. 2. done;
  Printf.printf "2^64 %.17g %.17g\n" !r (2. ** 64.)
