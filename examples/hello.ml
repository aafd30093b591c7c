(* A small example for warden: a few allocations, a hash table, printing. *)
let () =
  let tbl = Hashtbl.create 16 in
  List.iter (fun w -> Hashtbl.replace tbl w (String.length w)) ["hello"; "from"; "warden"];
  let words = List.sort compare (Hashtbl.fold (fun k _ acc -> k :: acc) tbl []) in
  Printf.printf "%s (%d words, runtime variant %S)\n" (String.concat " " words)
    (List.length words) (Sys.runtime_variant ())
