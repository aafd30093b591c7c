(* A thread created in C registers with the runtime (caml_c_thread_register), calls back
   into OCaml and unregisters (tests/stubs/wstub_rt.c); linked with the threads library. *)
external foreign : (int -> int) -> int -> int * int * int * int = "wstub_foreign"
external register_here : unit -> int = "wstub_register_here"

let report name (r, again, u, sum) =
  Printf.printf "%s: registered %d again %d unregistered %d sum %d\n" name r again u sum

let () =
  let ids = ref [] in
  let f i =
    ids := Thread.id (Thread.self ()) :: !ids;
    let l = List.init 1000 (fun j -> i + j) in
    Gc.minor ();
    List.fold_left ( + ) 0 l
  in
  report "first" (foreign f 5);
  Printf.printf "ids %s\n" (String.concat " " (List.rev_map string_of_int !ids));
  Printf.printf "register on an OCaml thread: %d\n" (register_here ());
  report "squares" (foreign (fun i -> i * i) 10);
  let log = ref 0 in
  let th =
    Thread.create
      (fun () ->
        for _ = 1 to 50 do
          incr log;
          Thread.yield ()
        done)
      ()
  in
  report "beside a Thread.t" (foreign (fun i -> Thread.yield (); Gc.full_major (); i) 20);
  Thread.join th;
  Printf.printf "the OCaml thread ran %d turns\n" !log;
  Printf.printf "main thread id %d\n" (Thread.id (Thread.self ()))
