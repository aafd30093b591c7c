(* At most 128 domains are alive at once: the main domain and 127 more; one more fails.
   Slots are reused after a domain exits. *)
let () =
  let m = Mutex.create () in
  Mutex.lock m;
  let alive = List.init 127 (fun i -> Domain.spawn (fun () -> Mutex.lock m; Mutex.unlock m; i)) in
  (match Domain.spawn (fun () -> 0) with
   | d -> ignore (Domain.join d); print_endline "129th domain spawned?"
   | exception Failure msg -> Printf.printf "129th domain: Failure %S\n" msg);
  Mutex.unlock m;
  Printf.printf "joined %d\n" (List.fold_left (fun a d -> a + Domain.join d) 0 alive);
  let again = List.init 127 (fun i -> Domain.spawn (fun () -> i * 2)) in
  Printf.printf "again %d\n" (List.fold_left (fun a d -> a + Domain.join d) 0 again)
