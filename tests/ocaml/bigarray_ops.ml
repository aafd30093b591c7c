(* Bigarray operations: Genarray sub_left/sub_right, slice_left/slice_right, blit, fill,
   reshape (sharing data), change_layout, Array0/1/2/3 accessors and conversions,
   of_array, unsafe_get/set, bounds errors, and sharing semantics (a sub-array is a view). *)

open Bigarray

let dump1 a = String.concat " " (List.init (Array1.dim a) (fun i -> string_of_int a.{i}))
let dump1f a = String.concat " " (List.init (Array1.dim a) (fun i -> string_of_int a.{i + 1}))

let () =
  let a = Array1.init int c_layout 10 (fun i -> i * i) in
  Printf.printf "a: %s\n" (dump1 a);
  let s = Array1.sub a 2 4 in
  s.{0} <- -1;
  Printf.printf "sub 2 4: %s; a.{2} now %d (view)\n" (dump1 s) a.{2};
  let b = Array1.create int c_layout 4 in
  Array1.blit s b;
  Array1.fill s 7;
  Printf.printf "blit copy %s, after fill: a %s\n" (dump1 b) (dump1 a);
  let a0 = Array1.slice a 5 in
  Array0.set a0 555;
  Printf.printf "slice 5 (Array0): %d, a.{5} %d\n" (Array0.get a0) a.{5};
  let f = Array1.init int fortran_layout 5 (fun i -> i * 10) in
  Printf.printf "fortran: %s, sub 2 3: %s\n" (dump1f f) (dump1f (Array1.sub f 2 3));
  let c = Array1.change_layout f c_layout in
  Printf.printf "change_layout to c: %s\n" (dump1 c);
  (* Array2 *)
  let m = Array2.init int c_layout 3 4 (fun i j -> i * 10 + j) in
  Printf.printf "Array2 dims %dx%d, m.{2,3} = %d\n" (Array2.dim1 m) (Array2.dim2 m) m.{2, 3};
  let row = Array2.slice_left m 1 in
  Printf.printf "slice_left 1: %s\n" (dump1 row);
  let sub = Array2.sub_left m 1 2 in
  Printf.printf "sub_left 1 2: dims %dx%d, first %d\n" (Array2.dim1 sub) (Array2.dim2 sub) sub.{0, 0};
  let mf = Array2.init int fortran_layout 3 4 (fun i j -> i * 10 + j) in
  let col = Array2.slice_right mf 2 in
  Printf.printf "fortran slice_right 2: %s\n" (dump1f col);
  let subr = Array2.sub_right mf 2 2 in
  Printf.printf "fortran sub_right 2 2: dims %dx%d, (1,1) = %d\n" (Array2.dim1 subr) (Array2.dim2 subr) subr.{1, 1};
  let mt = Array2.change_layout m fortran_layout in
  Printf.printf "change_layout (transposes dims): %dx%d, (4,3) = %d\n" (Array2.dim1 mt) (Array2.dim2 mt) mt.{4, 3};
  let oa = Array2.of_array float64 c_layout [| [| 1.; 2. |]; [| 3.; 4. |] |] in
  Printf.printf "of_array 2d: %g %g %g %g\n" oa.{0, 0} oa.{0, 1} oa.{1, 0} oa.{1, 1};
  (* Array3 *)
  let t = Array3.init int c_layout 2 3 4 (fun i j k -> i * 100 + j * 10 + k) in
  Printf.printf "Array3 %dx%dx%d, t.{1,2,3} = %d\n" (Array3.dim1 t) (Array3.dim2 t) (Array3.dim3 t) t.{1, 2, 3};
  let plane = Array3.slice_left_2 t 1 in
  Printf.printf "slice_left_2 1: %dx%d, (2,3) = %d\n" (Array2.dim1 plane) (Array2.dim2 plane) plane.{2, 3};
  let line = Array3.slice_left_1 t 1 2 in
  Printf.printf "slice_left_1 1 2: %s\n" (dump1 line);
  Array3.fill t 0;
  Printf.printf "after fill: %d\n" t.{1, 2, 3};
  (* Genarray and reshape *)
  let g = Genarray.init int c_layout [| 2; 3; 2 |] (fun i -> i.(0) * 100 + i.(1) * 10 + i.(2)) in
  let r = reshape g [| 3; 4 |] in
  Printf.printf "reshape 3x4: dims %s, (2,3) = %d\n" (String.concat "x" (Array.to_list (Array.map string_of_int (Genarray.dims r)))) (Genarray.get r [| 2; 3 |]);
  Genarray.set r [| 0; 0 |] 999;
  Printf.printf "reshape shares data: %d\n" (Genarray.get g [| 0; 0; 0 |]);
  let r1 = reshape_1 g 12 in
  Printf.printf "reshape_1: %s\n" (dump1 r1);
  let r2 = reshape_2 g 6 2 in
  Printf.printf "reshape_2 (5,1) = %d\n" r2.{5, 1};
  let gl = Genarray.sub_left g 1 1 in
  Printf.printf "Genarray.sub_left: dims %s\n" (String.concat "x" (Array.to_list (Array.map string_of_int (Genarray.dims gl))));
  let gs = Genarray.slice_left g [| 1; 2 |] in
  Printf.printf "Genarray.slice_left [1;2]: dims %s values %d %d\n" (String.concat "x" (Array.to_list (Array.map string_of_int (Genarray.dims gs))))
    (Genarray.get gs [| 0 |]) (Genarray.get gs [| 1 |]);
  let gf = Genarray.init int fortran_layout [| 2; 3 |] (fun i -> i.(0) * 10 + i.(1)) in
  let gsr = Genarray.slice_right gf [| 3 |] in
  Printf.printf "Genarray.slice_right fortran: %d %d\n" (Genarray.get gsr [| 1 |]) (Genarray.get gsr [| 2 |]);
  let gsub = Genarray.sub_right gf 2 2 in
  Printf.printf "Genarray.sub_right fortran: (2,1) = %d\n" (Genarray.get gsub [| 2; 1 |]);
  let dst = Genarray.create int c_layout [| 2; 3; 2 |] in
  Genarray.blit g dst;
  Genarray.fill g 0;
  Printf.printf "blit then fill source: dst (1,2,1) = %d, g (1,2,1) = %d\n" (Genarray.get dst [| 1; 2; 1 |]) (Genarray.get g [| 1; 2; 1 |]);
  Printf.printf "array1_of_genarray: %d\n" (Array1.dim (array1_of_genarray (Genarray.create int c_layout [| 7 |])));
  let z = Genarray.create float32 c_layout [||] in
  Genarray.fill z 2.5;
  Printf.printf "0-dim genarray: %g, reshape_0 %g\n" (Genarray.get z [||]) (Array0.get (reshape_0 z));
  (* errors *)
  let tryit name f = match f () with
    | () -> Printf.printf "%s: ok\n" name
    | exception Invalid_argument m -> Printf.printf "%s: Invalid_argument %S\n" name m in
  tryit "get out of bounds" (fun () -> ignore a.{10});
  tryit "get negative" (fun () -> ignore a.{-1});
  tryit "fortran get 0" (fun () -> ignore f.{0});
  tryit "2d out of bounds" (fun () -> ignore m.{3, 0});
  tryit "sub too long" (fun () -> ignore (Array1.sub a 8 5));
  tryit "blit size mismatch" (fun () -> Array1.blit a b);
  tryit "reshape wrong size" (fun () -> ignore (reshape g [| 5 |]));
  tryit "genarray wrong rank" (fun () -> ignore (Genarray.get g [| 1 |]));
  tryit "create negative" (fun () -> ignore (Array1.create int c_layout (-1)));
  tryit "array2_of_genarray wrong rank" (fun () -> ignore (array2_of_genarray g));
  (* big sum *)
  let big = Array1.create float64 c_layout 1_000_000 in
  Array1.fill big 0.5;
  let s = ref 0. in
  for i = 0 to Array1.dim big - 1 do s := !s +. Array1.unsafe_get big i done;
  Printf.printf "big sum: %g\n" !s
