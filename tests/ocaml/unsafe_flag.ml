(* Compiled with -unsafe and -noassert (see unsafe_flag.flags): array and string
   accesses use the unchecked primitives and opcodes, and assertions are removed (but
   assert false still raises). Only in-bounds accesses are made. *)

let () =
  let a = Array.init 100 (fun i -> i * 3) in
  let fa = Array.init 100 (fun i -> float_of_int i /. 2.) in
  let s = String.init 26 (fun i -> Char.chr (97 + i)) in
  let b = Bytes.make 26 '.' in
  let sum = ref 0 and fsum = ref 0. in
  for i = 0 to 99 do
    sum := !sum + a.(i);
    fsum := !fsum +. fa.(i);
    a.(i) <- a.(i) + 1;
    fa.(i) <- fa.(i) *. 2.
  done;
  for i = 0 to 25 do Bytes.set b i (Char.uppercase_ascii s.[i]) done;
  Printf.printf "sum %d fsum %g a.(99) %d fa.(99) %g\n" !sum !fsum a.(99) fa.(99);
  Printf.printf "bytes %s\n" (Bytes.to_string b);
  let poly arr i = arr.(i) in
  Printf.printf "polymorphic get: %d %g %s\n" (poly a 10) (poly fa 10) (poly [| "x"; "y" |] 1);
  assert (1 = 2);
  print_endline "assert (1 = 2) was removed by -noassert";
  (match assert false with () -> () | exception Assert_failure (f, l, _) -> Printf.printf "assert false still raises: %s line %d\n" f l);
  let m = Array.make_matrix 10 10 0 in
  for i = 0 to 9 do for j = 0 to 9 do m.(i).(j) <- i * j done done;
  Printf.printf "matrix %d %d\n" m.(9).(9) m.(3).(7)
