(* Parallel primitives: the same total work split over D domains, each item going
   through runtime primitives (string_of_int, int_of_string, Hashtbl.hash, polymorphic
   compare, Buffer and Bytes blits, a domain-local Hashtbl); the result does not depend
   on D. Usage: parallel_prims [D] [total] *)
let work lo hi =
  let b = Buffer.create 4096 in
  let h = Hashtbl.create 1024 in
  let acc = ref 0 in
  (* the buffer holds the items since the last multiple of 256 *)
  let flush () =
    if Buffer.length b > 0 then begin
      acc := !acc + Hashtbl.hash (Buffer.contents b) land 0xFF + Buffer.length b;
      Buffer.clear b
    end in
  for i = lo to hi - 1 do
    let s = string_of_int i in
    let k = int_of_string s in
    acc := !acc + Hashtbl.hash s + Hashtbl.hash (i, s) land 0xFFFF;
    acc := !acc + compare (k, s) (i - 1, s) + compare s "500000";
    if i land 255 = 0 then flush ();
    Buffer.add_string b s;
    if i land 15 = 0 then begin
      let key = i land 1023 in
      Hashtbl.replace h key (1 + Option.value ~default:0 (Hashtbl.find_opt h key))
    end
  done;
  flush ();
  Hashtbl.fold (fun k v a -> a + k * v) h !acc

let () =
  let d = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1 in
  let total = if Array.length Sys.argv > 2 then int_of_string Sys.argv.(2) else 2_000_000 in
  (* ranges start at multiples of 1024, so the per-item work does not depend on D *)
  let start k = if k >= d then total else k * total / d / 1024 * 1024 in
  let range k = (start k, start (k + 1)) in
  let ds = List.init (d - 1) (fun k -> let lo, hi = range (k + 1) in Domain.spawn (fun () -> work lo hi)) in
  let mine = let lo, hi = range 0 in work lo hi in
  let r = List.fold_left (fun a dom -> a + Domain.join dom) mine ds in
  Printf.printf "parallel_prims %d: %d\n" total r
