(* Printf with strings, characters and combinators: %s %S %c %C %b %a %t %%, %!,
   @ literal, widths on strings, sprintf/bprintf/ksprintf/eprintf/ifprintf, and formats
   built with ^^ and format_of_string. *)

type point = { x : int; y : int }
let pp_point oc p = Printf.fprintf oc "(%d, %d)" p.x p.y
let bp_point b p = Printf.bprintf b "<%d|%d>" p.x p.y
let show_time oc = output_string oc "[time not printed]"

let () =
  Printf.printf "[%s] [%10s] [%-10s|] [%S] [%S]\n" "abc" "abc" "abc" "a\"b\\c\n" "\t\001\255";
  Printf.printf "[%c] [%C] [%C] [%C] [%C]\n" 'x' 'x' '\'' '\n' '\200';
  Printf.printf "[%b] [%B]\n" true false;
  Printf.printf "[%a] [%t] [%%] [%5s%%]\n" pp_point { x = 1; y = -2 } show_time "50";
  Printf.printf "literal @ and %s%!\n" "flush";
  let s = Printf.sprintf "%d-%s-%c-%.1f-%a" 1 "two" '3' 4.0 (fun () p -> Printf.sprintf "%d/%d" p.x p.y) { x = 5; y = 6 } in
  print_endline s;
  let b = Buffer.create 16 in
  Printf.bprintf b "%s=%d; " "k" 1;
  Printf.bprintf b "%a; %S" bp_point { x = 7; y = 8 } "q";
  print_endline (Buffer.contents b);
  let r = Printf.ksprintf (fun s -> String.length s) "%s%s%d" "ab" "cd" 1234 in
  Printf.printf "ksprintf length: %d\n" r;
  Printf.kbprintf (fun b -> print_endline (Buffer.contents b)) (Buffer.create 4) "kbprintf %d %s" 1 "x";
  Printf.ifprintf stdout "this is %s\n" "ignored";
  let fmt () = format_of_string "<%d>" in
  Printf.printf (fmt () ^^ " and " ^^ fmt () ^^ "\n") 1 2;
  Printf.printf "%s\n" (string_of_format (fmt ()));
  (* positional-ish: the same format reused many times *)
  let line = Printf.sprintf "%-5s|%5s|%05.1f" in
  List.iter (fun (a, b, c) -> print_endline (line a b c)) [ ("a", "b", 1.25); ("long", "z", 99.96); ("", "", -0.) ];
  (* %s with long strings and embedded NULs *)
  let nul = "a\000b" in
  Printf.printf "len %d [%S]\n" (String.length (Printf.sprintf "%s" nul)) nul;
  let long = String.make 300 'x' in
  Printf.printf "%d\n" (String.length (Printf.sprintf "%s%s" long long));
  (* eprintf goes to stderr *)
  Printf.eprintf "to stderr: %d %s\n%!" 12 "ok";
  (* %a with a custom printer taking extra state *)
  let pp_list pp oc l = List.iteri (fun i x -> if i > 0 then output_string oc ", "; pp oc x) l in
  Printf.printf "[%a]\n" (pp_list (fun oc n -> Printf.fprintf oc "%03d" n)) [ 1; 22; 333 ];
  (* Printf.sprintf with %c of every printable char class *)
  print_endline (String.concat "" (List.map (Printf.sprintf "%C") [ 'a'; '\\'; '"'; '\t'; '\r'; '\000'; '\127' ]));
  (* Stdlib string_of_format round trips *)
  print_endline (string_of_format "%d %s %5.2f %a %t %%")
