(* Pattern matching: symbolic differentiation and simplification of expressions, and a
   small interpreter for an expression language with variables, let and conditionals.
   Usage: symbolic [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 7000

type expr =
  | Num of int
  | Var of string
  | Add of expr * expr
  | Mul of expr * expr
  | Pow of expr * int
  | Neg of expr

let rec simplify e =
  match e with
  | Add (a, b) -> (
      match (simplify a, simplify b) with
      | Num 0, x | x, Num 0 -> x
      | Num x, Num y -> Num (x + y)
      | x, Neg y when x = y -> Num 0
      | x, y -> Add (x, y))
  | Mul (a, b) -> (
      match (simplify a, simplify b) with
      | Num 0, _ | _, Num 0 -> Num 0
      | Num 1, x | x, Num 1 -> x
      | Num x, Num y -> Num (x * y)
      | Num x, Mul (Num y, z) -> Mul (Num (x * y), z)
      | x, y -> Mul (x, y))
  | Pow (_, 0) -> Num 1
  | Pow (a, 1) -> simplify a
  | Pow (a, k) -> (match simplify a with Num x -> Num (int_of_float (float x ** float k)) | a -> Pow (a, k))
  | Neg (Neg a) -> simplify a
  | Neg a -> (match simplify a with Num x -> Num (-x) | a -> Neg a)
  | Num _ | Var _ -> e

let rec deriv x = function
  | Num _ -> Num 0
  | Var y -> if x = y then Num 1 else Num 0
  | Add (a, b) -> Add (deriv x a, deriv x b)
  | Mul (a, b) -> Add (Mul (a, deriv x b), Mul (deriv x a, b))
  | Pow (a, k) -> Mul (Mul (Num k, Pow (a, k - 1)), deriv x a)
  | Neg a -> Neg (deriv x a)

let rec size = function
  | Num _ | Var _ -> 1
  | Add (a, b) | Mul (a, b) -> 1 + size a + size b
  | Pow (a, _) | Neg a -> 1 + size a

let rec eval env = function
  | Num k -> k
  | Var v -> List.assoc v env
  | Add (a, b) -> eval env a + eval env b
  | Mul (a, b) -> eval env a * eval env b
  | Pow (a, k) -> let b = eval env a in let r = ref 1 in for _ = 1 to k do r := !r * b done; !r
  | Neg a -> - eval env a

(* a tiny language: integers, booleans, let, if, arithmetic and comparison *)
type value = I of int | B of bool
type term =
  | Lit of value | Ref of int | Let of term * term | If of term * term * term
  | Prim of string * term * term

let rec run env t =
  match t with
  | Lit v -> v
  | Ref i -> List.nth env i
  | Let (a, body) -> run (run env a :: env) body
  | If (c, a, b) -> (match run env c with B true -> run env a | B false -> run env b | I _ -> failwith "if")
  | Prim (op, a, b) -> (
      match (op, run env a, run env b) with
      | "+", I x, I y -> I (x + y)
      | "-", I x, I y -> I (x - y)
      | "*", I x, I y -> I (x * y)
      | "<", I x, I y -> B (x < y)
      | "=", I x, I y -> B (x = y)
      | "&&", B x, B y -> B (x && y)
      | _ -> failwith op)

let program k =
  Let (Lit (I k),
    Let (Prim ("*", Ref 0, Lit (I 3)),
      If (Prim ("&&", Prim ("<", Ref 1, Ref 0), Prim ("=", Prim ("-", Ref 0, Ref 1), Prim ("*", Ref 1, Lit (I 2)))),
          Prim ("+", Ref 0, Ref 1), Prim ("-", Ref 1, Ref 0))))

let () =
  let x = Var "x" and y = Var "y" in
  let base = Add (Mul (Pow (x, 3), Num 5), Add (Mul (x, y), Neg (Pow (Add (x, Num 1), 2)))) in
  let total = ref 0 in
  for i = 1 to n do
    let e = Mul (base, Add (Num i, Pow (y, i mod 4))) in
    let d1 = simplify (deriv "x" e) in
    let d2 = simplify (deriv "x" d1) in
    let d3 = simplify (deriv "y" d2) in
    total := !total + size d1 + size d2 + size d3 + eval [ ("x", i mod 7); ("y", 2) ] d2;
    for k = 0 to 99 do
      match run [] (program (i + k)) with I v -> total := !total + v | B _ -> ()
    done
  done;
  Printf.printf "symbolic %d: %d\n" n !total
