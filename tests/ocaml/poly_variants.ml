(* Polymorphic variants: open and closed types, subtyping, pattern matching with
   #abbreviations, variants with payloads, hashing of tags, and comparisons. *)

type color = [ `Red | `Green | `Blue ]
type extended = [ color | `Rgb of int * int * int | `Named of string ]

let color_name : [< extended ] -> string = function
  | `Red -> "red" | `Green -> "green" | `Blue -> "blue"
  | `Rgb (r, g, b) -> Printf.sprintf "#%02x%02x%02x" r g b
  | `Named s -> s

let is_primary = function #color -> true | _ -> false

let to_extended (c : color) = (c :> extended)

let rec eval = function
  | `Num n -> n
  | `Add (a, b) -> eval a + eval b
  | `Neg a -> - (eval a)
  | `Mul (a, b) -> eval a * eval b

type json = [ `Null | `Bool of bool | `Int of int | `String of string | `List of json list | `Assoc of (string * json) list ]
let rec json_to_string : json -> string = function
  | `Null -> "null"
  | `Bool b -> string_of_bool b
  | `Int i -> string_of_int i
  | `String s -> Printf.sprintf "%S" s
  | `List l -> "[" ^ String.concat "," (List.map json_to_string l) ^ "]"
  | `Assoc kv -> "{" ^ String.concat "," (List.map (fun (k, v) -> Printf.sprintf "%S:%s" k (json_to_string v)) kv) ^ "}"

let () =
  List.iter (fun c -> Printf.printf "%s " (color_name c)) [ `Red; `Green; `Blue; `Rgb (255, 128, 0); `Named "teal" ];
  print_newline ();
  List.iter (fun c -> Printf.printf "%b " (is_primary c)) [ `Red; `Rgb (1, 2, 3); `Blue; `Named "x" ];
  print_newline ();
  print_endline (color_name (to_extended `Green));
  Printf.printf "eval: %d\n" (eval (`Add (`Num 3, `Mul (`Num 4, `Neg (`Num 5)))));
  print_endline (json_to_string (`Assoc [ "a", `Int 1; "b", `List [ `Bool true; `Null; `String "q\"x" ]; "c", `Assoc [] ]));
  (* the runtime representation: constant tags are ints (hashes), non-constant are blocks *)
  let tag_of (v : [> `Red | `Rgb of int * int * int ]) = Obj.repr v in
  Printf.printf "`Red is int: %b, value %d\n" (Obj.is_int (tag_of `Red)) (Obj.obj (tag_of `Red) : int);
  Printf.printf "`Rgb is block: %b, size %d, hash field %d\n" (Obj.is_block (tag_of (`Rgb (1, 2, 3))))
    (Obj.size (tag_of (`Rgb (1, 2, 3)))) (Obj.obj (Obj.field (tag_of (`Rgb (1, 2, 3))) 0) : int);
  (* comparisons and hashing *)
  Printf.printf "compare `A `B = %d, `B `A = %d\n" (compare `A `B) (compare `B `A);
  Printf.printf "`Abc = `Abc: %b, hash %d\n" (`Abc = `Abc) (Hashtbl.hash `Abc);
  Printf.printf "sorted: %s\n" (String.concat " " (List.map color_name (List.sort compare [ `Blue; `Red; `Green; `Named "a"; `Rgb (0, 0, 0) ])));
  (* variants as hashtable keys *)
  let h = Hashtbl.create 8 in
  List.iteri (fun i k -> Hashtbl.replace h k i) [ `One; `Two; `Three; `Two ];
  Printf.printf "table: %d %d %d (length %d)\n" (Hashtbl.find h `One) (Hashtbl.find h `Two) (Hashtbl.find h `Three) (Hashtbl.length h);
  (* a variant with a tuple payload vs several arguments *)
  let p = `Pair (1, "x") in
  (match p with `Pair (n, s) -> Printf.printf "pair %d %s\n" n s);
  (* polymorphic variants with the same name in different types are compatible *)
  let f = function `A -> 1 | `B -> 2 in
  let g = function `A -> "a" | `C -> "c" in
  Printf.printf "shared tag: %d %s\n" (f `A) (g `A)
