(* Float and integer conversions over many values: pseudo-random doubles of every magnitude
   and near ties, through Printf and straight through caml_format_float/caml_format_int
   (formats with literal text, flags, widths and precisions Printf passes on). *)

external format_float : string -> float -> string = "caml_format_float"
external format_int : string -> int -> string = "caml_format_int"

let state = ref 0x2545F4914F6CDD1DL

let next () =
  let open Int64 in
  let x = !state in
  let x = logxor x (shift_left x 13) in
  let x = logxor x (shift_right_logical x 7) in
  let x = logxor x (shift_left x 17) in
  state := x;
  x

let random_double () =
  let x = Int64.float_of_bits (Int64.shift_right_logical (next ()) 1) in
  if Float.is_finite x then x else 1.25

let ordinary () =
  let m = Int64.to_float (Int64.shift_right_logical (next ()) 11) /. 9007199254740992. in
  let e = Int64.to_int (Int64.unsigned_rem (next ()) 60L) - 30 in
  m *. (10. ** float e)

let float_formats =
  [ "%f"; "%.0f"; "%.1f"; "%.2f"; "%.3f"; "%.6f"; "%.10f"; "%.17f"; "%.22f"; "%.25f"; "%e";
    "%.0e"; "%.1e"; "%.3e"; "%.10e"; "%.16e"; "%.17e"; "%.20e"; "%g"; "%.1g"; "%.3g"; "%.10g";
    "%.17g"; "%.20g"; "%#g"; "%#.3g"; "%#.0f"; "%#.0e"; "%12.4e"; "%-12.3f|"; "%+08.2f";
    "% .4E"; "%G"; "x=%10.3g%%"; "%010.4f"; "%-+9.2e|" ]

let () =
  let xs = ref [ 0.5; 1.5; 2.5; 0.125; 0.375; 1e22; 1e23; 5e-324; max_float; min_float;
                 999999.5; 9.5; 0.95; 0.0095; 99.95; 1e-5; 1e-4; 123456.; 1234567.; 0.1;
                 1. /. 3.; 2. /. 3.; 1e15 +. 0.5; 4503599627370495.5; 9007199254740993. ] in
  for i = 1 to 100 do
    xs := random_double () :: ordinary () :: (float i /. 8.) :: (float i *. 0.05) :: !xs
  done;
  for p = -25 to 25 do
    let t = 10. ** float p in
    xs := t :: Float.succ t :: Float.pred t :: (t *. 0.5) :: (t *. 9.5) :: !xs
  done;
  List.iter (fun x ->
      List.iter (fun f ->
          print_string (format_float f x);
          print_char ' ';
          print_string (format_float f (-. x));
          print_char ' ')
        float_formats;
      print_newline ())
    (List.rev !xs);
  let ints = [ 0; 1; -1; 7; -42; 1000; 65535; max_int; min_int; 123456789; -987654321 ] in
  let ints = ints @ List.init 40 (fun _ -> Int64.to_int (next ())) in
  let int_formats =
    [ "%d"; "%5d"; "%-6d|"; "%+d"; "% d"; "%05d"; "%.3d"; "%8.4d"; "%x"; "%X"; "%#x"; "%#X";
      "%o"; "%#o"; "%#.0o"; "%.0d"; "%u"; "%08x"; "%-#10x|"; "n=%d%%"; "%+.0d"; "%#.5o" ] in
  List.iter (fun n ->
      List.iter (fun f -> print_string (format_int f n); print_char ' ') int_formats;
      Printf.printf "%ld %lx %Ld %Lx %Lo %nd %nx %10Lu|%-8lX|\n" (Int32.of_int n)
        (Int32.of_int n) (Int64.of_int n) (Int64.of_int n) (Int64.of_int n)
        (Nativeint.of_int n) (Nativeint.of_int n) (Int64.of_int n) (Int32.of_int n))
    ints;
  List.iter (fun n -> Printf.printf "%d %5d %x|" n n n) [ 0; 0; 0 ];
  print_newline ()
