(* Printf with float conversions: %f %e %E %g %G %F %h %H, widths, precisions, flags,
   special values (nan, infinities, -0.), and rounding at various precisions. *)

let floats = [ 0.0; -0.0; 1.0; -1.5; 0.1; 1e-5; 123456.789; 1e21; 1e22; 6.02214076e23;
               1.7976931348623157e308; 5e-324; 2.2250738585072014e-308; 0.5; 2.5; 1e15; 1e16;
               nan; infinity; neg_infinity; 3.14159265358979; 100.; 1. /. 3. ]

let () =
  List.iter (fun x ->
      Printf.printf "%s\n  [%f] [%.3f] [%.0f] [%10.2f] [%-10.2f|] [%+f] [% f] [%010.3f]\n"
        (string_of_float x) x x x x x x x x;
      Printf.printf "  [%e] [%.2e] [%E] [%12.3e] [%g] [%.3g] [%G] [%10g] [%#g]\n" x x x x x x x x x;
      Printf.printf "  [%F] [%h] [%H] [%.3h] [%12F]\n" x x x x x)
    floats;
  (* rounding *)
  List.iter (fun x -> Printf.printf "%.1f %.2f %.0f | " x x x) [ 0.05; 0.15; 0.25; 0.35; 1.005; 2.675; -0.5; 1.5; 2.5 ];
  print_newline ();
  (* precision extremes *)
  Printf.printf "[%.20f]\n[%.17g]\n[%.30e]\n" 0.1 0.1 0.1;
  Printf.printf "[%.0e] [%.0g] [%#.0f] [%#.0e]\n" 12345.678 12345.678 3. 3.;
  Printf.printf "[%5.1f%%]\n" 99.44;
  Printf.printf "[%*.*f]\n" 12 4 3.14159265;
  (* %F uses OCaml syntax *)
  List.iter (fun x -> Printf.printf "%F " x) [ 1.; 1.5; 1e100; 1e-100; -0.; 12345678912345.; 0.1 ];
  print_newline ();
  (* %h hexadecimal floats *)
  List.iter (fun x -> Printf.printf "%h " x) [ 1.; 0.1; -2.5; 1e-310; 1024.; 0.; 0x1.fffffffffffffp1023 ];
  print_newline ();
  (* sprintf and string_of_float *)
  List.iter (fun x -> Printf.printf "%s|" (string_of_float x)) [ 1e-7; 123e10; 0.30000000000000004; 1e300 *. 10. ];
  print_newline ();
  (* Float.to_string and string_of_float are the same thing *)
  List.iter (fun x -> Printf.printf "%s " (Float.to_string x)) [ 2.5; 100.; 1e16; 123456789012.; 0.1 +. 0.2 ];
  print_newline ()
