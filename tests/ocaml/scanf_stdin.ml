(* Scanf.scanf reading from stdin (see scanf_stdin.stdin): a header with a count, then
   records of mixed fields, then free text read line by line with "%[^\n]". *)

let () =
  let n = Scanf.scanf " %d" Fun.id in
  Printf.printf "%d records\n" n;
  let total = ref 0.0 in
  for _ = 1 to n do
    Scanf.scanf " %s %d %f" (fun name qty price ->
        Printf.printf "%-8s %3d x %7.2f = %8.2f\n" name qty price (float_of_int qty *. price);
        total := !total +. float_of_int qty *. price)
  done;
  Printf.printf "total %.2f\n" !total;
  let quoted = Scanf.scanf " %S" Fun.id in
  Printf.printf "quoted: %S\n" quoted;
  let a, b = Scanf.scanf " (%d,%d)" (fun a b -> (a, b)) in
  Printf.printf "pair: %d %d\n" a b;
  Scanf.scanf "%_[^\n]\n" ();
  let lines = ref [] in
  (try
     while true do
       Scanf.scanf "%[^\n]" (fun l -> lines := l :: !lines);
       Scanf.scanf "\n" ()
     done
   with End_of_file -> ());
  List.iteri (fun i l -> Printf.printf "line %d: %S\n" i l) (List.rev !lines);
  Printf.printf "end of input: %b\n" (Scanf.Scanning.end_of_input Scanf.Scanning.stdin)
