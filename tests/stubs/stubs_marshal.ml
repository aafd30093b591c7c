(* Marshal from C (caml_output_value_to_malloc/_to_block, caml_input_value_from_block/
   _from_malloc) and caml_alloc_final (tests/stubs/wstub.c). *)
external marshal : 'a -> int * 'a * 'a = "wstub_marshal"
external marshal_block : 'a -> int -> int = "wstub_marshal_block"
external unmarshal_prefix : string -> int -> 'a = "wstub_unmarshal_prefix"
type final
external final : int -> final = "wstub_final"
external final_get : final -> int = "wstub_final_get"
external final_calls : unit -> int = "wstub_final_calls"

let show l = String.concat ";" (List.map (fun (s, i) -> Printf.sprintf "%s=%d" s i) l)

let () =
  let v = [ ("one", 1); ("two", 2); ("three", 3) ] in
  let len, a, b = marshal v in
  Printf.printf "marshal %d %b [%s] [%s]\n" len (len = String.length (Marshal.to_string v []))
    (show a) (show b);
  let len, a, _ = marshal (Array.init 1000 float_of_int) in
  Printf.printf "floats %d %g\n" len a.(999);
  let len, a, _ = marshal (String.make 100_000 'x') in
  Printf.printf "big string %d %d\n" len (String.length a);
  Printf.printf "to_block %d\n" (marshal_block (1, "a") 100);
  (try ignore (marshal_block (List.init 100 string_of_int) 20)
   with Failure m -> Printf.printf "Failure %s\n" m);
  let s = Marshal.to_string (42, "x") [] in
  let (n, x) : int * string = unmarshal_prefix s (String.length s) in
  Printf.printf "from_block %d %s\n" n x;
  (try ignore (unmarshal_prefix s 10 : int * string)
   with Failure m -> Printf.printf "Failure %s\n" m);
  (try ignore (unmarshal_prefix (String.make 30 'z') 30 : int)
   with Failure m -> Printf.printf "Failure %s\n" m);
  let f = final 17 in
  Printf.printf "final %d\n" (final_get f);
  for i = 1 to 1000 do ignore (Sys.opaque_identity (final i)) done;
  Gc.full_major ();
  Gc.full_major ();
  Printf.printf "finalised at least 1000: %b\n" (final_calls () >= 1000);
  Printf.printf "compare %b\n" (try compare f f = 0 with Invalid_argument m -> print_endline m; false);
  (try ignore (Marshal.to_string f []) with Invalid_argument m -> print_endline m);
  ignore (Sys.opaque_identity f)
