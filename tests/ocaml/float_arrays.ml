(* Float arrays (flat, Double_array_tag) through the generic Array functions and
   Float.Array; arrays of floats created from polymorphic code; mixed-tag checks. *)

let poly_make n (v : 'a) = Array.make n v
let poly_get (a : 'a array) i = a.(i)
let poly_set (a : 'a array) i (v : 'a) = a.(i) <- v

let () =
  let a = Array.make 5 1.5 in
  a.(2) <- 3.25;
  Printf.printf "tag %d size %d (Double_array_tag %d)\n" (Obj.tag (Obj.repr a)) (Obj.size (Obj.repr a)) Obj.double_array_tag;
  Printf.printf "a: %s\n" (String.concat " " (Array.to_list (Array.map string_of_float a)));
  let p = poly_make 4 2.5 in
  poly_set p 1 (-1.0);
  Printf.printf "poly_make tag %d, get %g %g\n" (Obj.tag (Obj.repr p)) (poly_get p 0) (poly_get p 1);
  let i = poly_make 3 7 in
  Printf.printf "int array tag %d\n" (Obj.tag (Obj.repr i));
  let init = Array.init 6 (fun i -> float_of_int i /. 4.) in
  Printf.printf "init: %s\n" (String.concat ";" (Array.to_list (Array.map (Printf.sprintf "%.2f") init)));
  let appended = Array.append init [| 100.; 200. |] in
  Printf.printf "append: len %d last %g tag %d\n" (Array.length appended) appended.(7) (Obj.tag (Obj.repr appended));
  let sub = Array.sub appended 2 3 in
  Printf.printf "sub: %g %g %g\n" sub.(0) sub.(1) sub.(2);
  let concat = Array.concat [ [| 1. |]; [||]; [| 2.; 3. |] ] in
  Printf.printf "concat: %d %g\n" (Array.length concat) (Array.fold_left ( +. ) 0. concat);
  Array.blit init 0 appended 4 3;
  Printf.printf "after blit: %s\n" (String.concat " " (Array.to_list (Array.map string_of_float appended)));
  Array.fill appended 0 2 9.;
  Printf.printf "after fill: %g %g %g\n" appended.(0) appended.(1) appended.(2);
  let sorted = Array.copy [| 3.; -1.; nan; 2.; neg_infinity; 0.; -0. |] in
  Array.sort compare sorted;
  Printf.printf "sorted: %s\n" (String.concat " " (Array.to_list (Array.map string_of_float sorted)));
  let l = Array.to_list init in
  let back = Array.of_list l in
  Printf.printf "of_list tag %d equal %b\n" (Obj.tag (Obj.repr back)) (back = init);
  let m = Array.make_matrix 3 4 0. in
  m.(1).(2) <- 5.;
  Printf.printf "matrix row tag %d, value %g\n" (Obj.tag (Obj.repr m.(1))) m.(1).(2);
  let fa = Float.Array.make 4 0.5 in
  Float.Array.set fa 3 8.;
  Printf.printf "Float.Array: len %d sum %g\n" (Float.Array.length fa) (Float.Array.fold_left ( +. ) 0. fa);
  let fm = Float.Array.map (fun x -> x *. 2.) fa in
  Printf.printf "Float.Array.map: %s\n" (String.concat " " (List.map string_of_float (Float.Array.to_list fm)));
  let empty = [||] in
  Printf.printf "empty float array length %d\n" (Array.length (empty : float array));
  (* Array.map producing floats from ints and back *)
  let conv = Array.map float_of_int [| 1; 2; 3 |] in
  let back = Array.map int_of_float conv in
  Printf.printf "map tags: %d %d\n" (Obj.tag (Obj.repr conv)) (Obj.tag (Obj.repr back));
  (* big float array *)
  let big = Array.make 1_000_000 0.25 in
  Printf.printf "big sum %g\n" (Array.fold_left ( +. ) 0. big);
  let mapped = Array.mapi (fun i x -> x *. float_of_int (i mod 10)) big in
  Printf.printf "mapped sum %g\n" (Array.fold_left ( +. ) 0. mapped);
  Printf.printf "mem %b %b, exists %b\n" (Array.mem 0.25 big) (Array.mem 3. big) (Array.exists Float.is_nan sorted)
