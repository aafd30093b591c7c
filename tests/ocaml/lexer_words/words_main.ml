(* Tokenizes the program on stdin (see lexer_words.stdin) with the ocamllex-generated
   lexer, printing each token with its line and column, then tokenizes strings with
   errors, uses a shortest-match rule, and a Lexing.from_function refill of one byte at
   a time (which must give the same tokens). *)

let tokens_of lexbuf =
  let rec go acc =
    let tok = Words_lexer.token lexbuf in
    let p = Lexing.lexeme_start_p lexbuf in
    let acc = (tok, p.Lexing.pos_lnum, p.Lexing.pos_cnum - p.Lexing.pos_bol) :: acc in
    if tok = Words_lexer.EOF then List.rev acc else go acc in
  go []

let () =
  let src = In_channel.input_all stdin in
  let toks = tokens_of (Lexing.from_string src) in
  List.iter (fun (t, l, c) -> Printf.printf "%d:%d %s\n" l c (Words_lexer.show t)) toks;
  Printf.printf "%d tokens\n" (List.length toks);
  let pos = ref 0 in
  let lb = Lexing.from_function (fun buf n -> if !pos >= String.length src || n = 0 then 0 else (Bytes.set buf 0 src.[!pos]; incr pos; 1)) in
  let toks2 = tokens_of lb in
  Printf.printf "from_function gives the same tokens: %b\n" (List.map (fun (t, _, _) -> t) toks = List.map (fun (t, _, _) -> t) toks2);
  List.iter (fun s ->
      match tokens_of (Lexing.from_string s) with
      | toks -> Printf.printf "%S -> %s\n" s (String.concat " " (List.map (fun (t, _, _) -> Words_lexer.show t) toks))
      | exception Failure m -> Printf.printf "%S -> Failure %s\n" s m)
    [ "a+=b"; "x /* never closed"; "\"open string"; "1 $ 2"; "/* /* nested */ still comment */ done"; "0xFF 0x10 9" ];
  Printf.printf "shortest: %s\n" (Words_lexer.first_word (Lexing.from_string "123 hello world"));
  let lb = Lexing.from_string "abc def" in
  ignore (Words_lexer.token lb);
  Printf.printf "lexeme %S start %d end %d\n" (Lexing.lexeme lb) (Lexing.lexeme_start lb) (Lexing.lexeme_end lb)
