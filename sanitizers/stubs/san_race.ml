(* A stub's two threads race on a counter: the TSan build reports it (sanitizers/stubs/wsan.c). *)
external race : unit -> bool = "wsan_race"
let () = Printf.printf "%b\n" (race ())
