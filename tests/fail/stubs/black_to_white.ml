(* Colours a major block black by hand (an unchecked store over its header, by a stub), as a marker that
   skipped it would leave it, so the marker does not scan it: after marking, the hardened build
   finds a marked block pointing to an unmarked one, which the sweep would free while
   reachable. *)
external store : 'a -> int -> 'b -> unit = "wfail_store"
(* an unchecked word store (tests/fail/stubs/wfail.c) *)
let () =
  let x : Obj.t array = Array.make 300 (Obj.repr (Array.make 300 1)) in
  (* header word: wosize 300, colour black (1), tag 1, written as the int whose tagged
     representation it is *)
  let header = ((300 lsl 10) lor (1 lsl 8) lor 1 - 1) / 2 in
  store (Obj.magic x : int array) (-1) header;
  Gc.full_major ();
  print_endline "not reached";
  ignore (Sys.opaque_identity x)
