(* Scanf on strings: integers in several bases, floats, strings, characters, %S and %C,
   %[...] ranges, widths, literal matching, skipping whitespace, %n and %l counters,
   %r readers, and Scan_failure messages. *)

let try_scan name f =
  match f () with
  | s -> Printf.printf "%-20s %s\n" name s
  | exception Scanf.Scan_failure m -> Printf.printf "%-20s Scan_failure: %s\n" name m
  | exception Failure m -> Printf.printf "%-20s Failure: %s\n" name m
  | exception End_of_file -> Printf.printf "%-20s End_of_file\n" name

let () =
  try_scan "ints" (fun () -> Scanf.sscanf "12 -34 +56" "%d %d %d" (fun a b c -> Printf.sprintf "%d %d %d" a b c));
  try_scan "bases" (fun () -> Scanf.sscanf "ff 0x1F 777 0b101 1010" "%x %i %o %i %u" (fun a b c d e -> Printf.sprintf "%d %d %d %d %d" a b c d e));
  try_scan "hex upper" (fun () -> Scanf.sscanf "DEADbeef" "%X" (fun a -> string_of_int a));
  try_scan "width" (fun () -> Scanf.sscanf "123456" "%2d%3d%d" (fun a b c -> Printf.sprintf "%d|%d|%d" a b c));
  try_scan "floats" (fun () -> Scanf.sscanf "3.25 -1e3 .5 7 1.5e-2" "%f %f %f %f %g" (fun a b c d e -> Printf.sprintf "%g %g %g %g %g" a b c d e));
  try_scan "float special" (fun () -> Scanf.sscanf "nan inf -infinity 0x1.8p1" "%f %f %f %h" (fun a b c d -> Printf.sprintf "%g %g %g %g" a b c d));
  try_scan "F" (fun () -> Scanf.sscanf "1. 2.5e3" "%F %F" (fun a b -> Printf.sprintf "%F %F" a b));
  try_scan "strings" (fun () -> Scanf.sscanf "hello world  again" "%s %s %s" (fun a b c -> Printf.sprintf "[%s][%s][%s]" a b c));
  try_scan "string width" (fun () -> Scanf.sscanf "abcdefgh" "%3s%s" (fun a b -> Printf.sprintf "[%s][%s]" a b));
  try_scan "S quoted" (fun () -> Scanf.sscanf "\"a \\\"q\\\" \\n\\t\\065\" rest" "%S %s" (fun a b -> Printf.sprintf "%S [%s]" a b));
  try_scan "chars" (fun () -> Scanf.sscanf "xyz" "%c%c%c" (fun a b c -> Printf.sprintf "%c-%c-%c" a b c));
  try_scan "C quoted" (fun () -> Scanf.sscanf "'a' '\\n' '\\''" "%C %C %C" (fun a b c -> Printf.sprintf "%C %C %C" a b c));
  try_scan "range" (fun () -> Scanf.sscanf "abc123def" "%[a-z]%[0-9]%s" (fun a b c -> Printf.sprintf "[%s][%s][%s]" a b c));
  try_scan "negated range" (fun () -> Scanf.sscanf "key=value;rest" "%[^=]=%[^;];%s" (fun a b c -> Printf.sprintf "[%s][%s][%s]" a b c));
  try_scan "literal" (fun () -> Scanf.sscanf "(1, 2)" "(%d, %d)" (fun a b -> Printf.sprintf "%d+%d=%d" a b (a + b)));
  try_scan "bool" (fun () -> Scanf.sscanf "true false" "%b %B" (fun a b -> Printf.sprintf "%b %b" a b));
  try_scan "counters" (fun () -> Scanf.sscanf "ab cd\nef" "%s %s%n" (fun a b n -> Printf.sprintf "%s %s n=%d" a b n));
  try_scan "line counter" (fun () -> Scanf.sscanf "a\nb\nc" "%s@\n%s@\n%s%l" (fun a b c l -> Printf.sprintf "%s%s%s l=%d" a b c l));
  try_scan "at delimiter" (fun () -> Scanf.sscanf "name:John Smith;age:42" "name:%s@;age:%d" (fun n a -> Printf.sprintf "%s is %d" n a));
  try_scan "int32/64/native" (fun () -> Scanf.sscanf "2147483647 -9223372036854775808 12" "%ld %Ld %nd" (fun a b c -> Printf.sprintf "%ld %Ld %nd" a b c));
  try_scan "spaces" (fun () -> Scanf.sscanf "   \t 42   \n  43" " %d %d" (fun a b -> Printf.sprintf "%d %d" a b));
  try_scan "underscores" (fun () -> Scanf.sscanf "1_000_000" "%d" string_of_int);
  try_scan "%r" (fun () -> Scanf.sscanf "[1;2;3] end" "%r %s"
                    (fun ib -> Scanf.bscanf ib "[%d;%d;%d]" (fun a b c -> a + b + c))
                    (fun sum rest -> Printf.sprintf "sum %d then %s" sum rest));
  try_scan "bad int" (fun () -> Scanf.sscanf "abc" "%d" string_of_int);
  try_scan "bad literal" (fun () -> Scanf.sscanf "x=1" "y=%d" string_of_int);
  try_scan "eof" (fun () -> Scanf.sscanf "" "%d" string_of_int);
  try_scan "overflow" (fun () -> Scanf.sscanf "99999999999999999999" "%d" string_of_int);
  try_scan "ksscanf error" (fun () -> Scanf.ksscanf "zz" (fun _ e -> "handler: " ^ Printexc.to_string e) "%d" string_of_int);
  try_scan "format_from_string" (fun () ->
      let f = Scanf.format_from_string "%d-%d" "%d-%d" in Printf.sprintf f 3 4);
  try_scan "sscanf_opt" (fun () -> match Scanf.sscanf_opt "12" "%d" Fun.id with Some n -> string_of_int n | None -> "none");
  try_scan "sscanf_opt fail" (fun () -> match Scanf.sscanf_opt "x" "%d" Fun.id with Some n -> string_of_int n | None -> "none");
  try_scan "unescaped" (fun () -> Scanf.unescaped "a\\tb\\\\c\\065");
  (* scanning many values from one Scanning.in_channel built from a function *)
  let data = "1 2 3 4 5 6 7 8 9 10" in
  let ib = Scanf.Scanning.from_string data in
  let total = ref 0 in
  (try while true do Scanf.bscanf ib " %d" (fun n -> total := !total + n) done with End_of_file -> ());
  Printf.printf "total from Scanning.from_string: %d\n" !total;
  let pos = ref 0 in
  let ib = Scanf.Scanning.from_function (fun () -> if !pos >= 5 then raise End_of_file else (incr pos; "abcde".[!pos - 1])) in
  Printf.printf "from_function: %s\n" (Scanf.bscanf ib "%s" Fun.id)
