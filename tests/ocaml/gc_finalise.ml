(* Gc.finalise and Gc.finalise_last: finalisers run for unreachable values after
   Gc.full_major, not for reachable ones, each exactly once; finalise_last gets no value;
   a finaliser may resurrect its value; Gc.finalise on a non-heap value raises
   Invalid_argument; finalisers registered several times on one value run several times.
   Values are created in separate functions so that no stale stack slot keeps them alive,
   and results are printed sorted so that only the set of finalised values matters. *)

let log = ref []
let note s = log := s :: !log
let flush_log title =
  Printf.printf "%s: [%s]\n" title (String.concat "; " (List.sort compare !log));
  log := []

let[@inline never] make_garbage n =
  for i = 1 to n do
    let r = ref i in
    Gc.finalise (fun r -> note (Printf.sprintf "ref %d" !r)) r
  done

let[@inline never] make_strings () =
  List.iter (fun s ->
      let b = Bytes.of_string s in
      Gc.finalise (fun b -> note ("bytes " ^ Bytes.to_string b)) b)
    [ "alpha"; "beta"; "gamma" ]

let[@inline never] make_last () =
  let v = Array.make 3 0 in
  Gc.finalise_last (fun () -> note "finalise_last ran") v

let resurrected = ref None
let[@inline never] make_resurrecting () =
  let v = Bytes.of_string "phoenix" in
  Gc.finalise (fun v -> note "resurrect"; resurrected := Some v) v

let[@inline never] make_twice () =
  let v = ref "twice" in
  Gc.finalise (fun _ -> note "first finaliser") v;
  Gc.finalise (fun _ -> note "second finaliser") v

let () =
  make_garbage 5;
  Gc.full_major ();
  flush_log "after full_major";
  Gc.full_major ();
  flush_log "again (nothing new)";
  let kept = ref 100 in
  Gc.finalise (fun r -> note (Printf.sprintf "kept %d" !r)) kept;
  make_strings ();
  Gc.full_major ();
  flush_log "strings, kept is reachable";
  Printf.printf "kept is still %d\n" !kept;
  make_last ();
  Gc.full_major ();
  flush_log "finalise_last";
  make_resurrecting ();
  Gc.full_major ();
  flush_log "resurrection";
  (match !resurrected with Some b -> Printf.printf "resurrected value: %s\n" (Bytes.to_string b) | None -> print_endline "nothing resurrected");
  resurrected := None;
  Gc.full_major ();
  flush_log "after dropping the resurrected value (finaliser not run twice)";
  make_twice ();
  Gc.full_major ();
  flush_log "two finalisers on one value";
  (match Gc.finalise (fun _ -> ()) 42 with
   | () -> print_endline "finalise on an int accepted?"
   | exception Invalid_argument m -> Printf.printf "finalise on an int: Invalid_argument %S\n" m);
  (match Gc.finalise (fun _ -> ()) "static string literal" with
   | () -> print_endline "finalise on a static string accepted (no error)"
   | exception Invalid_argument m -> Printf.printf "finalise on a static string: Invalid_argument %S\n" m);
  (* many finalisers at once, and finalisers that allocate *)
  let count = ref 0 in
  let[@inline never] many () =
    for i = 1 to 10_000 do
      let v = Array.make 4 i in
      Gc.finalise (fun v -> count := !count + v.(0); ignore (Array.make 10 0)) v
    done in
  many ();
  Gc.full_major ();
  Gc.full_major ();
  Printf.printf "10000 finalisers: sum %d\n" !count;
  (* Gc.finalise_release inside a finaliser *)
  let[@inline never] rel () =
    let v = ref 1 in
    Gc.finalise (fun _ -> Gc.finalise_release (); note "released") v in
  rel ();
  Gc.full_major ();
  flush_log "finalise_release";
  ignore (Sys.opaque_identity kept)
