(* An effect performed with no handler in a program that does not link the Effect module
   (it uses only the extensible type and the %perform primitive, so Effect.Unhandled is never
   registered): the runtime ends the program at once with "Fatal error: exception
   Effect.Unhandled" and status 2; text still in the stdout buffer and at_exit functions
   are lost. *)

type _ Effect.t += Ask : int Effect.t

let () = at_exit (fun () -> print_endline "at_exit ran")

let () =
  print_endline "flushed before the effect";
  print_string "still buffered when the effect is performed";
  let n = Effect.perform Ask in
  Printf.printf "not reached: %d\n" n
