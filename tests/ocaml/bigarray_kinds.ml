(* Bigarray element kinds: every kind in both layouts, with values at and beyond the
   range of the element type (wrapping/truncation on store), float32/float16 rounding,
   complex numbers, kind_size_in_bytes, size_in_bytes, and equality/compare/hash of
   bigarrays, plus marshaling a bigarray of every kind. *)

open Bigarray

let show_ints (type b) name (k : (int, b) kind) =
  let a = Array1.create k c_layout 6 in
  let vals = [| 0; 1; -1; 127; 128; 70000 |] in
  Array.iteri (fun i v -> a.{i} <- v) vals;
  let f = Array1.create k fortran_layout 3 in
  f.{1} <- -129; f.{2} <- 255; f.{3} <- 65535;
  Printf.printf "%-16s size %d: %s | fortran %d %d %d\n" name (kind_size_in_bytes k)
    (String.concat " " (List.init 6 (fun i -> string_of_int a.{i}))) f.{1} f.{2} f.{3}

let show_floats (type b) name (k : (float, b) kind) =
  let a = Array1.create k c_layout 7 in
  let vals = [| 0.; -0.; 1.1; 1e-8; 65504.; 1e40; nan |] in
  Array.iteri (fun i v -> a.{i} <- v) vals;
  Printf.printf "%-16s size %d: %s\n" name (kind_size_in_bytes k) (String.concat " " (List.init 7 (fun i -> Printf.sprintf "%.9g" a.{i})))

let () =
  show_ints "int8_signed" int8_signed;
  show_ints "int8_unsigned" int8_unsigned;
  show_ints "int16_signed" int16_signed;
  show_ints "int16_unsigned" int16_unsigned;
  show_ints "int" int;
  show_floats "float16" float16;
  show_floats "float32" float32;
  show_floats "float64" float64;
  let a32 = Array1.create int32 c_layout 3 in
  a32.{0} <- Int32.max_int; a32.{1} <- Int32.min_int; a32.{2} <- 5l;
  Printf.printf "int32: %ld %ld %ld size %d\n" a32.{0} a32.{1} a32.{2} (kind_size_in_bytes int32);
  let a64 = Array1.create int64 fortran_layout 2 in
  a64.{1} <- Int64.max_int; a64.{2} <- Int64.min_int;
  Printf.printf "int64: %Ld %Ld size %d\n" a64.{1} a64.{2} (kind_size_in_bytes int64);
  let an = Array1.create nativeint c_layout 2 in
  an.{0} <- Nativeint.min_int; an.{1} <- 7n;
  Printf.printf "nativeint: %nd %nd size %d\n" an.{0} an.{1} (kind_size_in_bytes nativeint);
  let ac = Array1.init char c_layout 5 (fun i -> Char.chr (65 + i)) in
  Printf.printf "char: %s size %d\n" (String.init 5 (fun i -> ac.{i})) (kind_size_in_bytes char);
  let cx = Array1.create complex32 c_layout 2 and cx64 = Array1.create complex64 fortran_layout 2 in
  cx.{0} <- { Complex.re = 1.1; im = -2.2 }; cx.{1} <- Complex.i;
  cx64.{1} <- { Complex.re = 1.1; im = -2.2 }; cx64.{2} <- Complex.exp Complex.i;
  Printf.printf "complex32: (%.9g, %.9g) (%g, %g) size %d\n" cx.{0}.Complex.re cx.{0}.Complex.im cx.{1}.Complex.re cx.{1}.Complex.im (kind_size_in_bytes complex32);
  Printf.printf "complex64: (%.17g, %.17g) (%.17g, %.17g) size %d\n" cx64.{1}.Complex.re cx64.{1}.Complex.im cx64.{2}.Complex.re cx64.{2}.Complex.im (kind_size_in_bytes complex64);
  (* Genarray kinds and layouts *)
  let g = Genarray.init float64 fortran_layout [| 2; 3 |] (fun idx -> float_of_int (idx.(0) * 10 + idx.(1))) in
  Printf.printf "genarray fortran: dims %s, num_dims %d, size_in_bytes %d, layout fortran %b, kind float64 %b, (2,3) = %g\n"
    (String.concat "x" (Array.to_list (Array.map string_of_int (Genarray.dims g)))) (Genarray.num_dims g) (Genarray.size_in_bytes g)
    (Genarray.layout g = fortran_layout) (Genarray.kind g = float64) (Genarray.get g [| 2; 3 |]);
  (* equality, compare, hash *)
  let x = Array1.of_array int c_layout [| 1; 2; 3 |] and y = Array1.of_array int c_layout [| 1; 2; 3 |] and z = Array1.of_array int c_layout [| 1; 2; 4 |] in
  Printf.printf "equal %b %b, compare %d %d, hash equal %b, hash %d\n" (x = y) (x = z) (compare x z) (compare z x) (Hashtbl.hash x = Hashtbl.hash y) (Hashtbl.hash x);
  let fa = Array1.of_array float32 c_layout [| 1.5; nan |] and fb = Array1.of_array float32 c_layout [| 1.5; nan |] in
  Printf.printf "float32 arrays with nan: equal %b, compare %d\n" (fa = fb) (compare fa fb);
  Printf.printf "hash float64 %d, hash char %d\n" (Hashtbl.hash (Array1.of_array float64 c_layout [| 1.; 2. |])) (Hashtbl.hash ac);
  (* marshal round trips *)
  let rt (type a b c) name (v : (a, b, c) Genarray.t) =
    let s = Marshal.to_string v [] in
    let v' : (a, b, c) Genarray.t = Marshal.from_string s 0 in
    Printf.printf "marshal %-10s %4d bytes, equal %b, md5 %s\n" name (String.length s) (v = v') (Digest.to_hex (Digest.string s)) in
  rt "int8" (genarray_of_array1 (Array1.of_array int8_signed c_layout [| -1; 2; 3 |]));
  rt "int16" (genarray_of_array1 (Array1.of_array int16_unsigned fortran_layout [| 65535; 2 |]));
  rt "int32" (genarray_of_array1 a32);
  rt "int64" (genarray_of_array1 a64);
  rt "int" (genarray_of_array1 (Array1.of_array int c_layout [| max_int; min_int |]));
  rt "nativeint" (genarray_of_array1 an);
  rt "float16" (genarray_of_array1 (Array1.of_array float16 c_layout [| 1.5; -2. |]));
  rt "float32" (genarray_of_array1 fa);
  rt "float64" g;
  rt "complex32" (genarray_of_array1 cx);
  rt "complex64" (genarray_of_array1 cx64);
  rt "char" (genarray_of_array1 ac);
  rt "3d" (Genarray.init int16_signed c_layout [| 2; 3; 4 |] (fun i -> i.(0) * 100 + i.(1) * 10 + i.(2)))
