(* Domains: spawn and join, results and exceptions through join, Domain.self and
   self_index, DLS per domain, domain-local at_exit. *)
let key = Domain.DLS.new_key (fun () -> 0)

let () =
  let ds = List.init 4 (fun k -> Domain.spawn (fun () ->
    Domain.DLS.set key (k * 100);
    let s = ref 0 in
    for i = 1 to 10_000 do s := !s + (i mod (k + 2)) done;
    (k, !s, Domain.DLS.get key, (Domain.self () :> int) > 0))) in
  List.iter (fun d ->
    let (k, s, v, not_main) = Domain.join d in
    Printf.printf "domain %d: sum %d dls %d not_main %b\n" k s v not_main) ds;
  Printf.printf "main dls %d self %d\n" (Domain.DLS.get key) (Domain.self () :> int);
  let d = Domain.spawn (fun () -> raise (Invalid_argument "from a domain")) in
  (match Domain.join d with
   | () -> print_endline "no exception?"
   | exception Invalid_argument s -> Printf.printf "join re-raised: %s\n" s);
  let d = Domain.spawn (fun () -> Domain.at_exit (fun () -> print_endline "domain at_exit ran"); 5) in
  Printf.printf "joined %d\n" (Domain.join d);
  Printf.printf "recommended >= 1: %b\n" (Domain.recommended_domain_count () >= 1)
