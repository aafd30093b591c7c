(* Reads calculator lines from stdin (see lexer_parser.stdin) and prints each result:
   exercises the ocamlyacc-generated tables (Parsing), the ocamllex-generated automaton
   (Lexing), error recovery with the error token, and lexer exceptions. *)

let () =
  let lexbuf = Lexing.from_channel stdin in
  Lexing.set_filename lexbuf "stdin";
  let rec loop n =
    match Calc_parser.line Calc_lexer.token lexbuf with
    | None -> Printf.printf "end of input after %d lines\n" n
    | Some "" -> loop (n + 1)
    | Some s -> Printf.printf "%d: %s\n" n s; loop (n + 1)
    | exception Calc_lexer.Error m ->
      Printf.printf "lexer error: %s\n" m;
      Calc_lexer.skip_line lexbuf;
      loop (n + 1)
    | exception Failure m -> Printf.printf "%d: evaluation error: %s\n" n m; loop (n + 1)
    | exception Parsing.Parse_error -> Printf.printf "%d: parse error\n" n; loop (n + 1)
  in
  loop 1;
  let p = Lexing.lexeme_end_p lexbuf in
  Printf.printf "final position: %s line %d\n" p.Lexing.pos_fname p.Lexing.pos_lnum;
  (* parse from a string too *)
  let lb = Lexing.from_string "2 ** 3 ** 2\n" in
  (match Calc_parser.line Calc_lexer.token lb with Some s -> Printf.printf "from_string: %s\n" s | None -> ())
