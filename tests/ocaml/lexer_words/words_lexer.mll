(* A tokenizer for a small C-like language: keywords vs identifiers, integer and float
   literals, string literals with escapes (a second entry point with an accumulator
   argument), nested comments (a recursive entry point with a depth), operators with
   longest match, and positions. *)
{
type token =
  | KW of string | ID of string | INT of int | FLOAT of float | STR of string | CHAR of char
  | OP of string | EOF

let keywords = [ "if"; "else"; "while"; "return"; "int"; "float" ]

let show = function
  | KW k -> "KW(" ^ k ^ ")" | ID s -> "ID(" ^ s ^ ")" | INT n -> "INT(" ^ string_of_int n ^ ")"
  | FLOAT f -> "FLOAT(" ^ Printf.sprintf "%g" f ^ ")" | STR s -> Printf.sprintf "STR(%S)" s
  | CHAR c -> Printf.sprintf "CHAR(%C)" c | OP o -> "OP(" ^ o ^ ")" | EOF -> "EOF"
}

let space = [' ' '\t' '\r']
let letter = ['a'-'z' 'A'-'Z' '_']
let digit = ['0'-'9']
let hex = ['0'-'9' 'a'-'f' 'A'-'F']

rule token = parse
  | space+                         { token lexbuf }
  | '\n'                           { Lexing.new_line lexbuf; token lexbuf }
  | "//" [^ '\n']*                 { token lexbuf }
  | "/*"                           { comment 1 lexbuf; token lexbuf }
  | letter (letter | digit)* as w  { if List.mem w keywords then KW w else ID w }
  | "0x" hex+ as h                 { INT (int_of_string h) }
  | digit+ as d                    { INT (int_of_string d) }
  | digit+ '.' digit* as f         { FLOAT (float_of_string f) }
  | '"'                            { STR (string (Buffer.create 16) lexbuf) }
  | '\'' ([^ '\\' '\''] as c) '\'' { CHAR c }
  | "'\\n'"                        { CHAR '\n' }
  | "==" | "!=" | "<=" | ">=" | "&&" | "||" | "++" | "+=" | "->" as op { OP op }
  | ['+' '-' '*' '/' '<' '>' '=' '!' '(' ')' '{' '}' ';' ','] as c { OP (String.make 1 c) }
  | eof                            { EOF }
  | _ as c                         { failwith (Printf.sprintf "unexpected character %C at offset %d" c (Lexing.lexeme_start lexbuf)) }

and string buf = parse
  | '"'                            { Buffer.contents buf }
  | "\\n"                          { Buffer.add_char buf '\n'; string buf lexbuf }
  | "\\t"                          { Buffer.add_char buf '\t'; string buf lexbuf }
  | "\\\""                         { Buffer.add_char buf '"'; string buf lexbuf }
  | "\\\\"                         { Buffer.add_char buf '\\'; string buf lexbuf }
  | '\n'                           { Lexing.new_line lexbuf; Buffer.add_char buf '\n'; string buf lexbuf }
  | [^ '"' '\\' '\n']+ as s        { Buffer.add_string buf s; string buf lexbuf }
  | eof                            { failwith "unterminated string" }

and comment depth = parse
  | "*/"                           { if depth > 1 then comment (depth - 1) lexbuf }
  | "/*"                           { comment (depth + 1) lexbuf }
  | '\n'                           { Lexing.new_line lexbuf; comment depth lexbuf }
  | eof                            { failwith "unterminated comment" }
  | _                              { comment depth lexbuf }

(* shortest match entry point: the first complete word *)
and first_word = shortest
  | letter+ as w                   { w }
  | _                              { first_word lexbuf }
