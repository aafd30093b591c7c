(* Records: creation, functional update, mutable fields, records with many fields,
   nested records, records in arrays, structural equality and comparison, inline
   records in variants, and records with polymorphic fields. *)

type point = { x : int; y : int }
type person = { name : string; mutable age : int; tags : string list }
type big = { f1 : int; f2 : int; f3 : int; f4 : int; f5 : int; f6 : int; f7 : int; f8 : int;
             f9 : int; f10 : string; f11 : bool; f12 : char; f13 : int option; f14 : point }
type shape = Circle of { cx : int; cy : int; r : int } | Rect of { x0 : int; y0 : int; mutable w : int; h : int }
type 'a box = { mutable contents : 'a; history : 'a list }
type poly = { apply : 'a. 'a list -> int }

let area = function
  | Circle { r; _ } -> 3 * r * r
  | Rect { w; h; _ } -> w * h

let () =
  let p = { x = 1; y = 2 } in
  let q = { p with y = 20 } in
  Printf.printf "p = (%d, %d), q = (%d, %d)\n" p.x p.y q.x q.y;
  let alice = { name = "Alice"; age = 30; tags = [ "a"; "b" ] } in
  alice.age <- alice.age + 1;
  let bob = { alice with name = "Bob" } in
  bob.age <- 50;
  Printf.printf "%s %d [%s], %s %d\n" alice.name alice.age (String.concat "," alice.tags) bob.name bob.age;
  let b = { f1 = 1; f2 = 2; f3 = 3; f4 = 4; f5 = 5; f6 = 6; f7 = 7; f8 = 8; f9 = 9; f10 = "ten";
            f11 = true; f12 = 'c'; f13 = Some 13; f14 = { x = 14; y = 15 } } in
  let b2 = { b with f5 = 50; f14 = { x = 140; y = 150 } } in
  Printf.printf "big: %d %d %s %b %c %d %d\n" (b.f1 + b.f9) b2.f5 b2.f10 b2.f11 b2.f12
    (Option.get b2.f13) (b2.f14.x + b.f14.y);
  Printf.printf "equal: %b %b, compare: %d %d\n" (b = b) (b = b2) (compare b b2) (compare p q);
  Printf.printf "p = {x=1;y=2}: %b, physical: %b\n" (p = { x = 1; y = 2 }) (p == { x = 1; y = 2 });
  let shapes = [ Circle { cx = 0; cy = 0; r = 2 }; Rect { x0 = 1; y0 = 1; w = 3; h = 4 } ] in
  List.iter (fun s -> Printf.printf "area %d\n" (area s)) shapes;
  (match List.nth shapes 1 with Rect r -> r.w <- 10 | Circle _ -> ());
  Printf.printf "after mutation: %d\n" (area (List.nth shapes 1));
  let bx = { contents = 1; history = [] } in
  bx.contents <- 5;
  let bx2 = { bx with history = bx.contents :: bx.history } in
  bx2.contents <- 7;
  Printf.printf "box: %d %d [%s]\n" bx.contents bx2.contents (String.concat ";" (List.map string_of_int bx2.history));
  let pl = { apply = List.length } in
  Printf.printf "poly field: %d %d\n" (pl.apply [ 1; 2; 3 ]) (pl.apply [ "a" ]);
  let arr = Array.init 5 (fun i -> { x = i; y = i * i }) in
  arr.(2) <- { (arr.(2)) with y = -1 };
  Array.iter (fun { x; y } -> Printf.printf "(%d,%d) " x y) arr;
  print_newline ();
  let sorted = List.sort compare [ { x = 2; y = 1 }; { x = 1; y = 5 }; { x = 1; y = 2 } ] in
  List.iter (fun r -> Printf.printf "{%d,%d} " r.x r.y) sorted;
  print_newline ();
  (* ref is a mutable record *)
  let r = ref 10 in
  r.contents <- r.contents + 1;
  incr r;
  Printf.printf "ref: %d\n" !r;
  (* records holding functions *)
  let ops = { apply = (fun l -> List.length l * 2) } in
  Printf.printf "ops: %d\n" (ops.apply [ (); () ]);
  (* a record shared in two places sees the mutation in both *)
  let shared = { name = "S"; age = 1; tags = [] } in
  let pair = (shared, shared) in
  (fst pair).age <- 99;
  Printf.printf "shared: %d\n" (snd pair).age
