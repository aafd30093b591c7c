(* Parallel allocation benchmark: the same total work (building and dropping short lists
   and tuples, with a small surviving set) split over D domains. Usage: prog D *)
let work iters =
  let keep = ref [] in
  let s = ref 0 in
  for i = 1 to iters do
    let l = List.init 8 (fun j -> (i, j)) in
    s := !s + List.length l;
    if i mod 10_000 = 0 then keep := l :: !keep
  done;
  !s + List.length !keep

let () =
  let d = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1 in
  let total = 4_000_000 in
  let per = total / d in
  let ds = List.init (d - 1) (fun _ -> Domain.spawn (fun () -> work per)) in
  let mine = work per in
  let r = List.fold_left (fun a dom -> a + Domain.join dom) mine ds in
  Printf.printf "domains %d result %d\n" d r
