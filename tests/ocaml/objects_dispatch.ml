(* Method dispatch through shared call sites: one `#` site sees many classes in turn, each
   with its own method table in which the same labels sit at different positions, tables
   that differ only by their sizes, labels absent from some tables (a different method is
   found instead, by its own label), objects made at run time (immediate objects in a
   loop, functional updates, Oo.copy) and from first-class modules. Every method returns
   something that names it, so a wrong method found shows in the output. *)

class a = object method f = 1 method g = 2 method h = 3 end
class b = object method h = 30 method f = 10 method g = 20 method i = 40 end
class c = object method zz = 0 method g = 200 method aa = 0 method f = 100 method h = 300 end
class d = object inherit a method! g = 2000 method j = 5000 method k = 6000 end
class e = object inherit b method! f = 10000 method l = 0 method m = 0 method n = 0 end

type t = < f : int; g : int; h : int >

let objs : t array =
  [| (new a :> t); (new b :> t); (new c :> t); (new d :> t); (new e :> t);
     object method f = 7 method g = 8 method h = 9 end;
     (object method h = 90 method g = 80 method f = 70 method other = 0 end :> t) |]

(* Tables of every size from 1 to 40 methods, with the probed labels spread among them. *)
let sized n =
  let rec build i acc = if i > n then acc else build (i + 1) (acc + i) in
  let base = build 1 0 in
  object
    method f = base + n
    method g = base * 2
    method h = n
  end

let () =
  let total = ref 0 in
  for round = 1 to 2000 do
    let o = objs.(round mod Array.length objs) in
    total := !total + o#f + (3 * o#g) + (7 * o#h)
  done;
  Printf.printf "mixed: %d\n" !total;
  Array.iteri (fun i o -> Printf.printf "%d: %d %d %d\n" i o#f o#g o#h) objs;
  let many = Array.init 40 (fun i -> sized (i + 1)) in
  let s = ref 0 in
  for round = 0 to 3999 do
    let o = many.(round * 7 mod 40) in
    s := !s + o#f - o#g + o#h
  done;
  Printf.printf "sized: %d\n" !s

(* Classes with many methods, called through one site in an order that collides in any
   small cache. *)
class big k = object
  method m00 = k + 0 method m01 = k + 1 method m02 = k + 2 method m03 = k + 3
  method m04 = k + 4 method m05 = k + 5 method m06 = k + 6 method m07 = k + 7
  method m08 = k + 8 method m09 = k + 9 method m10 = k + 10 method m11 = k + 11
  method m12 = k + 12 method m13 = k + 13 method m14 = k + 14 method m15 = k + 15
end

class bigger k = object
  inherit big k
  method! m03 = k * 3
  method! m11 = k * 11
  method n00 = k - 1
end

let () =
  let xs = [| new big 100; (new bigger 1000 :> big); new big 200; (new bigger 2000 :> big) |] in
  let acc = ref 0 in
  for i = 0 to 4095 do
    let o = xs.(i land 3) in
    let v =
      match i mod 16 with
      | 0 -> o#m00 | 1 -> o#m01 | 2 -> o#m02 | 3 -> o#m03 | 4 -> o#m04 | 5 -> o#m05
      | 6 -> o#m06 | 7 -> o#m07 | 8 -> o#m08 | 9 -> o#m09 | 10 -> o#m10 | 11 -> o#m11
      | 12 -> o#m12 | 13 -> o#m13 | 14 -> o#m14 | _ -> o#m15
    in
    acc := (!acc * 31 + v) land 0xffffff
  done;
  Printf.printf "big: %d\n" !acc

(* Objects made in a loop (a new table is not made per object, but the objects move in a
   minor collection), copies and functional updates. *)
class counter start = object
  val n = start
  method get = n
  method bump = {< n = n + 1 >}
end

let () =
  let keep = ref [] in
  for i = 1 to 300 do
    let o = object method f = i method g = i * i method h = -i end in
    let c = (new counter i)#bump#bump in
    let c' = Oo.copy c in
    keep := (o#f + o#g + o#h + c#get + c'#bump#get) :: !keep;
    if i mod 50 = 0 then Gc.minor ()
  done;
  Printf.printf "made: %d\n" (List.fold_left ( + ) 0 !keep)

module type S = sig val o : < f : int; h : int > end

let () =
  let ms : (module S) list =
    [ (module struct let o = (new a :> < f : int; h : int >) end);
      (module struct let o = (new c :> < f : int; h : int >) end);
      (module struct let o = object method h = 5 method f = 6 end end) ]
  in
  List.iter (fun (module M : S) -> Printf.printf "module: %d %d\n" M.o#f M.o#h) ms
