(* The calculator's lexer: numbers (with exponents), identifiers, operators, comments
   to end of line, and a position-aware error for unknown characters. *)
{
open Calc_parser
exception Error of string
}

let digit = ['0'-'9']
let ident = ['a'-'z' 'A'-'Z' '_'] ['a'-'z' 'A'-'Z' '0'-'9' '_']*
let exp = ['e' 'E'] ['+' '-']? digit+

rule token = parse
  | [' ' '\t' '\r']          { token lexbuf }
  | '#' [^ '\n']*            { token lexbuf }
  | '\n'                     { Lexing.new_line lexbuf; EOL }
  | digit+ ('.' digit*)? exp? as n { NUM (float_of_string n) }
  | '.' digit+ exp? as n     { NUM (float_of_string n) }
  | ident as id              { IDENT id }
  | '+'                      { PLUS }
  | '-'                      { MINUS }
  | "**" | '^'               { POW }
  | '*'                      { TIMES }
  | '/'                      { DIV }
  | '('                      { LPAREN }
  | ')'                      { RPAREN }
  | ','                      { COMMA }
  | ":=" | '='               { ASSIGN }
  | eof                      { EOF }
  | _ as c
      { let p = Lexing.lexeme_start_p lexbuf in
        raise (Error (Printf.sprintf "line %d, column %d: unexpected %C" p.Lexing.pos_lnum (p.Lexing.pos_cnum - p.Lexing.pos_bol) c)) }

(* skip the rest of a line after a lexical error *)
and skip_line = parse
  | '\n'                     { Lexing.new_line lexbuf }
  | eof                      { () }
  | _                        { skip_line lexbuf }
