(* Raises through two of its own functions: the backtrace names the plugin's lines. *)
let check x = if x > 2 then invalid_arg "too big" else x
let twice x = 2 * check x
let () =
  Registry.register "twice" (fun x -> try twice x with Invalid_argument _ -> -1);
  (try ignore (twice 5) with Invalid_argument m ->
     print_endline m; Printexc.print_backtrace stdout);
  (* A dynlinked closure through Marshal (code pointer by fragment digest). *)
  let s = Marshal.to_string (fun x -> x + 100) [Marshal.Closures] in
  let g : int -> int = Marshal.from_string s 0 in
  Printf.printf "marshalled closure: %d\n" (g 1);
  (* An exception out of the initializer. *)
  if Array.length Sys.argv > 0 then ignore (twice 7)
