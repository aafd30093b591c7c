(* Recursive modules (module rec), which the bytecode compiler initialises through
   CamlinternalMod with dummy blocks updated in place; plus recursive values built with
   let rec (cyclic data, closures referring to each other), and lazy module fields. *)

module rec Expr : sig
  type t = Num of int | Add of t * t | Let of string * t * t | Var of string | Block of Stmt.t list * t
  val eval : (string * int) list -> t -> int
end = struct
  type t = Num of int | Add of t * t | Let of string * t * t | Var of string | Block of Stmt.t list * t
  let rec eval env = function
    | Num n -> n
    | Add (a, b) -> eval env a + eval env b
    | Let (x, e, body) -> eval ((x, eval env e) :: env) body
    | Var x -> List.assoc x env
    | Block (stmts, e) -> eval (List.fold_left Stmt.exec env stmts) e
end
and Stmt : sig
  type t = Assign of string * Expr.t | Print of Expr.t
  val exec : (string * int) list -> t -> (string * int) list
end = struct
  type t = Assign of string * Expr.t | Print of Expr.t
  let exec env = function
    | Assign (x, e) -> (x, Expr.eval env e) :: env
    | Print e -> Printf.printf "print %d\n" (Expr.eval env e); env
end

module rec Even : sig val test : int -> bool end = struct let test n = n = 0 || Odd.test (n - 1) end
and Odd : sig val test : int -> bool end = struct let test n = n <> 0 && Even.test (n - 1) end

module rec Tree : sig
  type t = Leaf | Node of t * int * t
  val size : t -> int
  module S : Set.S with type elt = t
end = struct
  type t = Leaf | Node of t * int * t
  let rec size = function Leaf -> 0 | Node (l, _, r) -> size l + 1 + size r
  module S = Set.Make (struct type nonrec t = t let compare = compare end)
end

let rec even_l = 0 :: odd_l
and odd_l = 1 :: even_l

let rec f n = if n <= 0 then 0 else 1 + g (n - 1)
and g n = if n <= 0 then 0 else 2 + f (n - 1)

type node = { name : string; mutable next : node }
let rec a = { name = "a"; next = b }
and b = { name = "b"; next = a }

let () =
  let open Expr in
  let prog = Block ([ Stmt.Assign ("x", Num 5); Stmt.Print (Add (Var "x", Num 1)); Stmt.Assign ("y", Add (Var "x", Var "x")) ],
                    Let ("z", Num 100, Add (Var "y", Var "z"))) in
  Printf.printf "result %d\n" (eval [] prog);
  Printf.printf "even 10 %b, odd 7 %b, even 7 %b\n" (Even.test 10) (Odd.test 7) (Even.test 7);
  let t = Tree.Node (Tree.Node (Tree.Leaf, 1, Tree.Leaf), 2, Tree.Leaf) in
  let s = Tree.S.of_list [ t; Tree.Leaf; t ] in
  Printf.printf "tree size %d, set cardinal %d\n" (Tree.size t) (Tree.S.cardinal s);
  Printf.printf "cyclic lists: %d %d %d %d, physically cyclic %b\n" (List.nth even_l 0) (List.nth even_l 1) (List.nth even_l 2)
    (List.nth odd_l 3) (List.tl (List.tl even_l) == even_l);
  Printf.printf "f 10 = %d, g 10 = %d\n" (f 10) (g 10);
  Printf.printf "a.next.next.name = %s, a.next.name = %s, cyclic %b\n" a.next.next.name a.next.name (a.next.next == a);
  let rec local_cycle = `Cons (1, `Cons (2, local_cycle)) in
  (match local_cycle with `Cons (x, `Cons (y, `Cons (z, _))) -> Printf.printf "local cycle: %d %d %d\n" x y z | _ -> ());
  (* let rec with a closure and a lazy value referring to each other *)
  let rec fn x = if x = 0 then Lazy.force lz else x + fn (x - 1)
  and lz = lazy (fn_base 10)
  and fn_base k = k * 2 in
  Printf.printf "closure + lazy: %d\n" (fn 4)
