(* Parallel allocation: the same total work (building and dropping short lists of
   tuples, with a small surviving set) split over D domains; the result does not
   depend on D. Usage: parallel_alloc [D] [total] *)
let work lo hi =
  let keep = ref [] in
  let s = ref 0 in
  for i = lo to hi - 1 do
    let l = List.init 8 (fun j -> (i, j)) in
    s := !s + List.length l;
    if i mod 10_000 = 0 then keep := l :: !keep
  done;
  !s + List.length !keep

let () =
  let d = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1 in
  let total = if Array.length Sys.argv > 2 then int_of_string Sys.argv.(2) else 2_000_000 in
  (* ranges start at multiples of 1024, so the per-item work does not depend on D *)
  let start k = if k >= d then total else k * total / d / 1024 * 1024 in
  let range k = (start k, start (k + 1)) in
  let ds = List.init (d - 1) (fun k -> let lo, hi = range (k + 1) in Domain.spawn (fun () -> work lo hi)) in
  let mine = let lo, hi = range 0 in work lo hi in
  let r = List.fold_left (fun a dom -> a + Domain.join dom) mine ds in
  Printf.printf "parallel_alloc %d: %d\n" total r
