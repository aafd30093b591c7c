(* GADTs: a typed expression evaluator, existential types, type equality witnesses,
   a heterogeneous list, and locally abstract types in recursive functions. *)

type _ expr =
  | Int : int -> int expr
  | Bool : bool -> bool expr
  | Add : int expr * int expr -> int expr
  | Mul : int expr * int expr -> int expr
  | If : bool expr * 'a expr * 'a expr -> 'a expr
  | Eq : int expr * int expr -> bool expr
  | Pair : 'a expr * 'b expr -> ('a * 'b) expr
  | Fst : ('a * 'b) expr -> 'a expr
  | Str : string -> string expr
  | Concat : string expr * string expr -> string expr

let rec eval : type a. a expr -> a = function
  | Int n -> n
  | Bool b -> b
  | Add (a, b) -> eval a + eval b
  | Mul (a, b) -> eval a * eval b
  | If (c, t, e) -> if eval c then eval t else eval e
  | Eq (a, b) -> eval a = eval b
  | Pair (a, b) -> (eval a, eval b)
  | Fst p -> fst (eval p)
  | Str s -> s
  | Concat (a, b) -> eval a ^ eval b

let rec show : type a. a expr -> string = function
  | Int n -> string_of_int n
  | Bool b -> string_of_bool b
  | Add (a, b) -> "(" ^ show a ^ " + " ^ show b ^ ")"
  | Mul (a, b) -> show a ^ " * " ^ show b
  | If (c, t, e) -> "if " ^ show c ^ " then " ^ show t ^ " else " ^ show e
  | Eq (a, b) -> show a ^ " = " ^ show b
  | Pair (a, b) -> "<" ^ show a ^ ", " ^ show b ^ ">"
  | Fst p -> "fst " ^ show p
  | Str s -> Printf.sprintf "%S" s
  | Concat (a, b) -> show a ^ " ^ " ^ show b

(* existential packing *)
type any_expr = Any : 'a expr * ('a -> string) -> any_expr

(* type witnesses *)
type _ ty = TInt : int ty | TString : string ty | TList : 'a ty -> 'a list ty | TPair : 'a ty * 'b ty -> ('a * 'b) ty
type (_, _) eq = Refl : ('a, 'a) eq

let rec ty_eq : type a b. a ty -> b ty -> (a, b) eq option = fun a b ->
  match a, b with
  | TInt, TInt -> Some Refl
  | TString, TString -> Some Refl
  | TList a, TList b -> (match ty_eq a b with Some Refl -> Some Refl | None -> None)
  | TPair (a1, a2), TPair (b1, b2) ->
    (match ty_eq a1 b1, ty_eq a2 b2 with Some Refl, Some Refl -> Some Refl | _ -> None)
  | _ -> None

let rec to_string : type a. a ty -> a -> string = fun t v ->
  match t with
  | TInt -> string_of_int v
  | TString -> v
  | TList t -> "[" ^ String.concat ";" (List.map (to_string t) v) ^ "]"
  | TPair (a, b) -> "(" ^ to_string a (fst v) ^ "," ^ to_string b (snd v) ^ ")"

type dyn = Dyn : 'a ty * 'a -> dyn
let get : type a. a ty -> dyn -> a option = fun t (Dyn (t', v)) ->
  match ty_eq t t' with Some Refl -> Some v | None -> None

(* heterogeneous list indexed by its element types *)
type _ hlist = HNil : unit hlist | HCons : 'a * 'b hlist -> ('a * 'b) hlist
let rec hlength : type a. a hlist -> int = function HNil -> 0 | HCons (_, r) -> 1 + hlength r

(* length-indexed vectors *)
type z = Z
type 'n s = S of 'n
type (_, _) vec = VNil : ('a, z) vec | VCons : 'a * ('a, 'n) vec -> ('a, 'n s) vec
let vhead : type a n. (a, n s) vec -> a = function VCons (x, _) -> x
let rec vto_list : type a n. (a, n) vec -> a list = function VNil -> [] | VCons (x, r) -> x :: vto_list r

let () =
  let e1 = Add (Int 3, Mul (Int 4, Int 5)) in
  let e2 = If (Eq (e1, Int 23), Str "yes", Str "no") in
  let e3 = Fst (Pair (Concat (e2, Str "!"), Bool false)) in
  Printf.printf "%s = %d\n" (show e1) (eval e1);
  Printf.printf "%s = %s\n" (show e2) (eval e2);
  Printf.printf "%s = %s\n" (show e3) (eval e3);
  let all = [ Any (e1, string_of_int); Any (e2, Fun.id); Any (Eq (Int 1, Int 2), string_of_bool);
              Any (Pair (Int 1, Str "x"), fun (a, b) -> string_of_int a ^ b) ] in
  List.iter (fun (Any (e, f)) -> Printf.printf "any: %s\n" (f (eval e))) all;
  let dyns = [ Dyn (TInt, 42); Dyn (TString, "s"); Dyn (TList TInt, [ 1; 2 ]);
               Dyn (TPair (TString, TList TString), ("k", [ "v1"; "v2" ])) ] in
  List.iter (fun (Dyn (t, v)) -> print_endline (to_string t v)) dyns;
  List.iter (fun d -> match get TInt d with Some n -> Printf.printf "int %d\n" n | None -> print_endline "not an int") dyns;
  let h = HCons (1, HCons ("two", HCons (3.0, HNil))) in
  Printf.printf "hlist length %d\n" (hlength h);
  let HCons (a, HCons (b, HCons (c, HNil))) = h in
  Printf.printf "hlist: %d %s %g\n" a b c;
  let v = VCons (1, VCons (2, VCons (3, VNil))) in
  Printf.printf "vec head %d, list %s\n" (vhead v) (String.concat "," (List.map string_of_int (vto_list v)))
