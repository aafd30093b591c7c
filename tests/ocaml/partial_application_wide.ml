(* A function of 40 parameters applied to 39 arguments: the partial application's
   RESTART pushes 39 words at once, more than the room a call guarantees; called at every
   stack depth from 0 to 600 frames, so that some call finds the stack nearly full. *)
let f a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20 a21 a22 a23 a24 a25 a26 a27 a28 a29 a30 a31 a32 a33 a34 a35 a36 a37 a38 a39 a40 =
  a1 * 1 + a2 * 2 + a3 * 3 + a4 * 4 + a5 * 5 + a6 * 6 + a7 * 7 + a8 * 8 + a9 * 9 + a10 * 10 + a11 * 11 + a12 * 12 + a13 * 13 + a14 * 14 + a15 * 15 + a16 * 16 + a17 * 17 + a18 * 18 + a19 * 19 + a20 * 20 + a21 * 21 + a22 * 22 + a23 * 23 + a24 * 24 + a25 * 25 + a26 * 26 + a27 * 27 + a28 * 28 + a29 * 29 + a30 * 30 + a31 * 31 + a32 * 32 + a33 * 33 + a34 * 34 + a35 * 35 + a36 * 36 + a37 * 37 + a38 * 38 + a39 * 39 + a40 * 40

let g = (Sys.opaque_identity f) 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39

let rec deep n = if n = 0 then g 40 else 1 + deep (n - 1)

let () =
  let total = ref 0 in
  for n = 0 to 600 do
    total := !total + deep n;
    if n mod 7 = 0 then ignore (Sys.opaque_identity (Array.make 50 n))
  done;
  Printf.printf "%d %d\n" !total (g 1)
