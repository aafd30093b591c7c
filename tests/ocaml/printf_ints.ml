(* Printf with integer conversions: %d %i %u %x %X %o, widths, precision, flags
   (-, 0, +, space, #), * widths, and the l/L/n size modifiers for boxed integers. *)

let ints = [ 0; 1; -1; 42; -42; 255; 65535; 1_000_000; max_int; min_int; 0x7fff_ffff; -0x8000_0000 ]

let () =
  List.iter (fun n ->
      Printf.printf "[%d] [%i] [%5d] [%-5d] [%05d] [%+d] [% d] [%u]\n" n n n n n n n n;
      Printf.printf "  [%x] [%X] [%o] [%#x] [%#X] [%#o] [%8x] [%-8X|] [%08o]\n" n n n n n n n n n;
      Printf.printf "  [%.3d] [%10.4d] [%-10.4d|] [%+.2d] [%#d]\n" n n n n n)
    ints;
  Printf.printf "star width: [%*d] [%-*d] [%*x]\n" 6 42 6 42 10 255;
  Printf.printf "star precision: [%.*d] [%*.*d]\n" 4 7 8 3 9;
  List.iter (fun n ->
      Printf.printf "int32 [%ld] [%li] [%lu] [%lx] [%lX] [%lo] [%10ld] [%-10ld|] [%+ld] [%#lx]\n" n n n n n n n n n n)
    [ 0l; 1l; -1l; Int32.max_int; Int32.min_int; 123456l ];
  List.iter (fun n ->
      Printf.printf "int64 [%Ld] [%Li] [%Lu] [%Lx] [%LX] [%Lo] [%22Ld] [%-22Ld|] [%+Ld] [%#Lx]\n" n n n n n n n n n n)
    [ 0L; 1L; -1L; Int64.max_int; Int64.min_int; 1234567890123L ];
  List.iter (fun n ->
      Printf.printf "nativeint [%nd] [%ni] [%nu] [%nx] [%nX] [%no] [%+nd] [%#nx]\n" n n n n n n n n)
    [ 0n; -1n; Nativeint.max_int; Nativeint.min_int; 77n ];
  (* underscores-grouping flag on integers *)
  Printf.printf "[%#d] [%#d] [%#d] [%#i]\n" 1234567 (-1234567) 12 1_000;
  (* sprintf, string_of_int agree *)
  Printf.printf "agree: %b\n" (Printf.sprintf "%d" min_int = string_of_int min_int);
  (* padding wider than any value *)
  Printf.printf "[%30d]\n[%-30d]\n[%030d]\n" 123 123 (-123);
  (* %c with ints via Char.chr and %d of chars *)
  Printf.printf "[%d] [%c] [%x]\n" (Char.code 'z') (Char.chr 65) (Char.code '\255');
  (* %B %b booleans, %n etc. are not ints, but %N? *)
  Printf.printf "[%b] [%B] [%5b] [%-6B|]\n" true false true false
