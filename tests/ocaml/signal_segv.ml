(* SIGSEGV and SIGBUS sent by kill, not by a fault. A runtime that dies by a signal cannot
   be compared directly, so the program runs itself as a child under the same runtime
   (/proc/$PPID/exe: the shell's parent is the runtime) and prints the shell's status.
   Never handled, a sent SIGSEGV kills the child (status 139); with an OCaml handler the
   handler runs, with Signal_ignore nothing happens, and back to Signal_default the child
   dies by it. *)

let got = ref []

let kill name = ignore (Sys.command ("kill -" ^ name ^ " $PPID"))

(* Polls until [pred] holds (the handler runs at a poll point after the signal). *)
let wait_for pred =
  let i = ref 0 in
  while not (pred ()) && !i < 2_000_000 do incr i; if !i land 1023 = 0 then ignore (Sys.opaque_identity (Array.make 4 0)) done;
  pred ()

let never_handled () =
  print_endline "child: before";
  kill "SEGV";
  print_endline "child: survived sigsegv?"

let handled () =
  let old = Sys.signal Sys.sigsegv (Sys.Signal_handle (fun n -> got := n :: !got)) in
  Printf.printf "child: sigsegv was default: %b\n" (old = Sys.Signal_default);
  let old = Sys.signal Sys.sigbus (Sys.Signal_handle (fun n -> got := n :: !got)) in
  Printf.printf "child: sigbus was default: %b\n" (old = Sys.Signal_default);
  kill "SEGV";
  let segv = wait_for (fun () -> List.mem Sys.sigsegv !got) in
  kill "BUS";
  let bus = wait_for (fun () -> List.mem Sys.sigbus !got) in
  Printf.printf "child: handled segv %b, bus %b\n" segv bus;
  Sys.set_signal Sys.sigbus Sys.Signal_ignore;
  kill "BUS";
  print_endline "child: ignored sigbus";
  Sys.set_signal Sys.sigsegv Sys.Signal_default;
  flush stdout;
  kill "SEGV";
  print_endline "child: survived sigsegv?"

let run_child mode =
  let cmd =
    Printf.sprintf "/proc/$PPID/exe %s %s; echo \"%s: status $?\"" (Filename.quote Sys.executable_name) mode mode
  in
  ignore (Sys.command cmd)

let () =
  match Sys.argv with
  | [| _; "never_handled" |] -> never_handled ()
  | [| _; "handled" |] -> handled ()
  | _ ->
    print_endline "parent: start";
    flush stdout;
    run_child "never_handled";
    run_child "handled";
    print_endline "parent: done"
