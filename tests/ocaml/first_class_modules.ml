(* First-class modules: packing and unpacking, modules in data structures, module
   types with abstract types, locally abstract types, and dynamic dispatch by module. *)

module type SHOW = sig
  type t
  val name : string
  val show : t -> string
  val examples : t list
end

module Int_show = struct
  type t = int
  let name = "int"
  let show = string_of_int
  let examples = [ 1; -2; 300 ]
end

module String_show = struct
  type t = string
  let name = "string"
  let show s = Printf.sprintf "%S" s
  let examples = [ "a"; "b\n"; "" ]
end

module List_show (E : SHOW) = struct
  type t = E.t list
  let name = E.name ^ " list"
  let show l = "[" ^ String.concat "; " (List.map E.show l) ^ "]"
  let examples = [ E.examples; List.rev E.examples; [] ]
end

let describe (module S : SHOW) =
  Printf.printf "%s: %s\n" S.name (String.concat ", " (List.map S.show S.examples))

let shows : (module SHOW) list =
  [ (module Int_show); (module String_show); (module List_show (Int_show));
    (module List_show (List_show (String_show))) ]

module type STACK = sig
  type 'a t
  val empty : 'a t
  val push : 'a -> 'a t -> 'a t
  val to_list : 'a t -> 'a list
end

module List_stack : STACK = struct
  type 'a t = 'a list
  let empty = []
  let push x s = x :: s
  let to_list s = s
end

module Rev_stack : STACK = struct
  type 'a t = { items : 'a list; size : int }
  let empty = { items = []; size = 0 }
  let push x s = { items = s.items @ [ x ]; size = s.size + 1 }
  let to_list s = s.items
end

let fill (module S : STACK) xs =
  S.to_list (List.fold_left (fun acc x -> S.push x acc) S.empty xs)

(* a first-class module carrying its own state *)
module type COUNTER = sig val next : unit -> int end
let make_counter start : (module COUNTER) =
  (module struct
    let r = ref start
    let next () = let v = !r in incr r; v
  end)

(* comparing through a packed ordered type *)
let sort_with (type a) (module O : Set.OrderedType with type t = a) (l : a list) =
  let module S = Set.Make (O) in
  S.elements (S.of_list l)

let () =
  List.iter describe shows;
  Printf.printf "list stack: %s\n" (String.concat "" (fill (module List_stack) [ "a"; "b"; "c" ]));
  Printf.printf "rev stack: %s\n" (String.concat "" (fill (module Rev_stack) [ "a"; "b"; "c" ]));
  let c1 = make_counter 10 and c2 = make_counter 100 in
  let module C1 = (val c1) in
  let module C2 = (val c2 : COUNTER) in
  Printf.printf "counters: %d %d %d %d\n" (C1.next ()) (C1.next ()) (C2.next ()) (C1.next ());
  Printf.printf "sorted ints: %s\n" (String.concat " " (List.map string_of_int (sort_with (module Int) [ 5; 3; 9; 3; 1 ])));
  Printf.printf "sorted strings: %s\n" (String.concat " " (sort_with (module String) [ "pear"; "apple"; "fig"; "apple" ]));
  (* modules chosen at run time *)
  let pick n : (module SHOW) = if n mod 2 = 0 then (module Int_show) else (module String_show) in
  for i = 0 to 3 do let (module M) = pick i in Printf.printf "%d -> %s\n" i M.name done;
  (* packed modules compared by identity of their contents is not allowed; show sizes *)
  Printf.printf "number of shows: %d\n" (List.length shows)
