(* Immediate objects, row polymorphism, structural subtyping, method calls through
   polymorphic functions, objects with many methods (method lookup by hash), and
   recursive objects. *)

let point x y = object
  val x = x
  val y = y
  method x = x
  method y = y
  method move dx dy = {< x = x + dx; y = y + dy >}
  method to_string = Printf.sprintf "(%d, %d)" x y
end

let get_x o = o#x
let describe o = o#to_string

let colored = object
  method x = 7
  method y = 8
  method color = "red"
  method to_string = "colored point"
end

let many_methods = object
  method m01 = 1 method m02 = 2 method m03 = 3 method m04 = 4 method m05 = 5
  method m06 = 6 method m07 = 7 method m08 = 8 method m09 = 9 method m10 = 10
  method m11 = 11 method m12 = 12 method m13 = 13 method m14 = 14 method m15 = 15
  method alpha = "alpha" method beta = "beta" method gamma = "gamma"
  method zeta = "zeta" method omega = "omega"
end

let rec_obj = object (self)
  method fact n = if n <= 1 then 1 else n * self#fact (n - 1)
  method fib n = if n < 2 then n else self#fib (n - 1) + self#fib (n - 2)
end

type shape = < area : float; name : string >

let shapes : shape list = [
  object method area = 1.0 method name = "unit" end;
  object val r = 2.0 method area = 3.14 *. r *. r method name = "circle" end;
  (object method area = 6.0 method name = "tri" method sides = 3 end :> shape);
]

let () =
  let p = point 1 2 in
  let q = p#move 10 20 in
  Printf.printf "%s %s\n" p#to_string q#to_string;
  Printf.printf "get_x: %d %d\n" (get_x p) (get_x colored);
  Printf.printf "describe: %s / %s\n" (describe q) (describe colored);
  Printf.printf "sum of many methods: %d\n"
    (many_methods#m01 + many_methods#m02 + many_methods#m03 + many_methods#m04 + many_methods#m05
     + many_methods#m06 + many_methods#m07 + many_methods#m08 + many_methods#m09 + many_methods#m10
     + many_methods#m11 + many_methods#m12 + many_methods#m13 + many_methods#m14 + many_methods#m15);
  print_endline (String.concat " " [ many_methods#alpha; many_methods#beta; many_methods#gamma; many_methods#zeta; many_methods#omega ]);
  Printf.printf "fact 10 = %d, fib 20 = %d\n" (rec_obj#fact 10) (rec_obj#fib 20);
  List.iter (fun s -> Printf.printf "%s %.2f\n" s#name s#area) shapes;
  let total = List.fold_left (fun acc s -> acc +. s#area) 0.0 shapes in
  Printf.printf "total area %.2f\n" total;
  (* an object with a mutable field shared by closures *)
  let acc = object
    val mutable items = []
    method add x = items <- x :: items
    method items = List.rev items
  end in
  List.iter acc#add [ 3; 1; 4; 1; 5 ];
  Printf.printf "items: %s\n" (String.concat "," (List.map string_of_int acc#items));
  (* method called through a first-class function *)
  let f = fun o -> o#fact in
  Printf.printf "through function: %d\n" (f rec_obj 6);
  (* Oo.copy of an immediate object *)
  let acc2 = Oo.copy acc in
  acc2#add 9;
  Printf.printf "original %d items, copy %d items\n" (List.length acc#items) (List.length acc2#items);
  (* objects as hashtable values *)
  let h = Hashtbl.create 4 in
  Hashtbl.add h "p" p; Hashtbl.add h "q" q;
  Printf.printf "from table: %s\n" (Hashtbl.find h "q")#to_string;
  (* compare objects: equal only to themselves *)
  Printf.printf "p = p: %b; p == p#move 0 0: %b; compare p p = %d\n" (p = p) (p == p#move 0 0) (compare p p)
