(* Parallel major allocation: each item allocates blocks too large for the minor heap (an
   array of 300 fields, 3000 bytes), marshals a small value to bytes and back, forces a lazy
   value and duplicates a pair with Obj.dup; the same total split over D domains, the result
   does not depend on D. Usage: parallel_major [D] [total] *)
let work lo hi =
  let acc = ref 0 in
  for i = lo to hi - 1 do
    let a = Array.make 300 i in
    let b = Bytes.make 3000 'x' in
    let m = Marshal.to_bytes (i, "abc", [i; i]) [] in
    let (j, _, _) : int * string * int list = Marshal.from_bytes m 0 in
    let l = lazy (i * 2) in
    let d = Obj.dup (Obj.repr (i, i)) in
    acc := !acc + a.(i land 255) + Bytes.length b + j + Lazy.force l
           + (Obj.obj (Obj.field d 0) : int)
  done;
  !acc

let () =
  let d = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1 in
  let total = if Array.length Sys.argv > 2 then int_of_string Sys.argv.(2) else 300_000 in
  let start k = if k >= d then total else k * total / d in
  let ds =
    List.init (d - 1) (fun k -> Domain.spawn (fun () -> work (start (k + 1)) (start (k + 2)))) in
  let mine = work (start 0) (start 1) in
  let r = List.fold_left (fun a dom -> a + Domain.join dom) mine ds in
  Printf.printf "parallel_major %d: %d\n" total r
