/* A calculator grammar for ocamlyacc: integers and floats, variables, assignment,
   precedence and associativity, unary minus, function calls, and error recovery. */
%{
let vars : (string, float) Hashtbl.t = Hashtbl.create 16
let lookup v = match Hashtbl.find_opt vars v with Some x -> x | None -> failwith ("unbound variable " ^ v)
let call f args = match f, args with
  | "max", [ a; b ] -> Float.max a b
  | "min", [ a; b ] -> Float.min a b
  | "sqrt", [ a ] -> sqrt a
  | "sum", l -> List.fold_left ( +. ) 0. l
  | _ -> failwith ("bad call to " ^ f)
%}
%token <float> NUM
%token <string> IDENT
%token PLUS MINUS TIMES DIV POW LPAREN RPAREN COMMA ASSIGN EOL EOF
%right ASSIGN
%left PLUS MINUS
%left TIMES DIV
%nonassoc UMINUS
%right POW
%start line
%type <string option> line
%%
line:
    EOF                      { None }
  | EOL                      { Some "" }
  | expr EOL                 { Some (Printf.sprintf "%g" $1) }
  | IDENT ASSIGN expr EOL    { Hashtbl.replace vars $1 $3; Some (Printf.sprintf "%s := %g" $1 $3) }
  | error EOL                { Some "syntax error, line skipped" }
;
expr:
    NUM                      { $1 }
  | IDENT                    { lookup $1 }
  | IDENT LPAREN args RPAREN { call $1 $3 }
  | LPAREN expr RPAREN       { $2 }
  | expr PLUS expr           { $1 +. $3 }
  | expr MINUS expr          { $1 -. $3 }
  | expr TIMES expr          { $1 *. $3 }
  | expr DIV expr            { $1 /. $3 }
  | expr POW expr            { $1 ** $3 }
  | MINUS expr %prec UMINUS  { -. $2 }
;
args:
    expr                     { [ $1 ] }
  | expr COMMA args          { $1 :: $3 }
;
