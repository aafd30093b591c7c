(* A stub writes past a malloc'ed buffer: the ASan build reports it (sanitizers/stubs/wsan.c). *)
external overflow : int -> int = "wsan_overflow"
let () = Printf.printf "%d\n" (overflow 16)
