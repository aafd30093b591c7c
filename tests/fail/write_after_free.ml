(* Run with the `lost-root` fault: at the collection that fires it, the accumulator (a young
   ref) is not updated, so the pair built next holds a pointer into the evacuated minor arena.
   The program writes through it, into freed memory; when the arena is handed out again, the
   hardened build finds the changed poison. *)
let () =
  let s = ref 0 in
  for i = 1 to 2_000_000 do
    let r = ref i in
    let p = Sys.opaque_identity (r, r) in
    (fst p) := !(fst p) + 1;
    s := !s + !(snd p)
  done;
  Printf.printf "%d\n" !s
