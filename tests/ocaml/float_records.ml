(* Records whose fields are all floats are stored flat (unboxed doubles, Double_array_tag);
   check reading, writing, functional update, polymorphic access through generic
   functions, comparison, hashing, marshaling and Obj introspection. *)

type vec = { x : float; y : float; z : float }
type mvec = { mutable mx : float; mutable my : float }
type mixed = { a : float; b : int }  (* not flat *)
type single = { only : float }

let norm v = sqrt (v.x *. v.x +. v.y *. v.y +. v.z *. v.z)
let add u v = { x = u.x +. v.x; y = u.y +. v.y; z = u.z +. v.z }
let scale k v = { x = k *. v.x; y = k *. v.y; z = k *. v.z }

let () =
  let u = { x = 1.; y = 2.; z = 2. } in
  let v = { u with z = -7.5 } in
  Printf.printf "norm u = %g, v = (%g, %g, %g)\n" (norm u) v.x v.y v.z;
  let w = add u (scale 2. v) in
  Printf.printf "w = (%g, %g, %g)\n" w.x w.y w.z;
  let m = { mx = 0.5; my = 0.25 } in
  for _ = 1 to 10 do m.mx <- m.mx *. 2.; m.my <- m.my +. m.mx done;
  Printf.printf "m = (%g, %g)\n" m.mx m.my;
  Printf.printf "tag of vec %d (Double_array_tag %d), size %d\n" (Obj.tag (Obj.repr u)) Obj.double_array_tag (Obj.size (Obj.repr u));
  Printf.printf "tag of mixed %d, size %d\n" (Obj.tag (Obj.repr { a = 1.; b = 2 })) (Obj.size (Obj.repr { a = 1.; b = 2 }));
  Printf.printf "tag of single %d\n" (Obj.tag (Obj.repr { only = 3. }));
  Printf.printf "Obj.double_field u 2 = %g\n" (Obj.double_field (Obj.repr u) 2);
  Printf.printf "equal %b %b, compare %d %d\n" (u = { x = 1.; y = 2.; z = 2. }) (u = v) (compare u v) (compare v u);
  let n = { x = nan; y = 0.; z = 0. } in
  Printf.printf "nan record equal to itself: %b, compare: %d\n" (n = n) (compare n n);
  Printf.printf "-0. vs 0.: %b %d\n" ({ only = -0. } = { only = 0. }) (compare { only = -0. } { only = 0. });
  Printf.printf "hash u %d, hash v %d\n" (Hashtbl.hash u) (Hashtbl.hash v);
  let s = Marshal.to_string u [] in
  let u' : vec = Marshal.from_string s 0 in
  Printf.printf "marshal roundtrip: %b (%d bytes)\n" (u = u') (String.length s);
  (* a polymorphic container of float records *)
  let l = List.init 5 (fun i -> { x = float_of_int i; y = 0.5; z = -1. }) in
  let total = List.fold_left add { x = 0.; y = 0.; z = 0. } l in
  Printf.printf "total (%g, %g, %g)\n" total.x total.y total.z;
  let arr = Array.of_list l in
  Array.sort (fun a b -> compare b.x a.x) arr;
  Printf.printf "sorted desc: %s\n" (String.concat " " (Array.to_list (Array.map (fun v -> string_of_float v.x) arr)));
  (* large float records survive GC *)
  let keep = Array.init 10000 (fun i -> { mx = float_of_int i; my = float_of_int (i * 2) }) in
  Gc.full_major ();
  let s = Array.fold_left (fun acc r -> acc +. r.mx +. r.my) 0. keep in
  Printf.printf "sum after GC: %g\n" s
