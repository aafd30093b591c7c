(* Domain-local storage: per-domain values, keys created inside domains, split_from_parent
   initialisation, and DLS values surviving collections. *)
let counter_key = Domain.DLS.new_key (fun () -> ref 0)
let name_key = Domain.DLS.new_key ~split_from_parent:(fun parent -> parent ^ "/child") (fun () -> "root")

let () =
  Domain.DLS.set name_key "main";
  let ds = List.init 3 (fun i -> Domain.spawn (fun () ->
    let c = Domain.DLS.get counter_key in
    for _ = 1 to 1000 * (i + 1) do incr c done;
    Gc.full_major ();
    let local = Domain.DLS.new_key (fun () -> Printf.sprintf "local-%d" i) in
    let inner = Domain.spawn (fun () -> Domain.DLS.get name_key) in
    (!(Domain.DLS.get counter_key), Domain.DLS.get name_key, Domain.DLS.get local, Domain.join inner))) in
  List.iter (fun d ->
    let (c, n, l, inner) = Domain.join d in
    Printf.printf "count %d name %s local %s inner %s\n" c n l inner) ds;
  Printf.printf "main count %d name %s\n" !(Domain.DLS.get counter_key) (Domain.DLS.get name_key)
