(* scripts/bench-stubs.sh: N calls of a trivial stub ("nop") or an allocating one
   ("alloc"). *)
external nop : int -> int = "bstub_nop"
external pair : int -> int -> int * int = "bstub_pair"

let () =
  let which = Sys.argv.(1) and n = int_of_string Sys.argv.(2) in
  let acc = ref 0 in
  (match which with
   | "nop" -> for i = 1 to n do acc := !acc + nop i done
   | _ -> for i = 1 to n do let a, b = pair i 1 in acc := !acc + a + b done);
  Printf.printf "%s %d\n" which !acc
