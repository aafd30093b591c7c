(* The C API through the stub library wstub: allocation, exceptions, callbacks, custom
   blocks, global roots, bigarrays. *)
external tuple : 'a -> 'b -> 'c -> 'a * 'b * 'c = "wstub_tuple"
type small = A | B | C | D of int * string
external small : int -> string -> small = "wstub_small"
external boxes : unit -> float * int32 * int64 * nativeint = "wstub_boxes"
external strings : string -> bytes * string array * string = "wstub_strings"
external is_c_safe : string -> bool = "wstub_is_c_safe"
external floats : int -> float array = "wstub_floats"
external big : int -> float option array = "wstub_big"
external shr : 'a -> 'a * float = "wstub_shr"
external some : 'a -> 'a option = "wstub_some"
external array_length : 'a array -> int = "wstub_array_length"
external six : int -> int -> int -> int -> int -> int -> int = "wstub_six_byte" "wstub_six"
external raise_ : int -> string = "wstub_raise"
external apply : ('a -> 'b) -> 'a -> 'b = "wstub_apply"
external apply2 : ('a -> 'b -> 'c) -> 'a -> 'b -> 'c = "wstub_apply2"
external apply3 : ('a -> 'b -> 'c -> 'd) -> 'a -> 'b -> 'c -> 'd = "wstub_apply3"
external applyN : (int -> int -> int -> int -> int) -> int list -> int = "wstub_applyN"
external try_ : ('a -> 'b) -> 'a -> ('b, exn) result = "wstub_try"
external try_res : ('a -> 'b) -> 'a -> bool = "wstub_try_res"
external build : (int -> 'a) -> int -> 'a list = "wstub_build"
external named : string -> int -> int = "wstub_named"
type point
external point : int -> int -> point = "wstub_point"
external point_x : point -> int = "wstub_point_x"
external finalized : unit -> int = "wstub_finalized"
external register : unit -> unit = "wstub_register"
external set_roots : 'a -> 'b -> unit = "wstub_set_roots"
external get_roots : unit -> 'a * 'b = "wstub_get_roots"
external drop_roots : unit -> unit = "wstub_drop_roots"
external pending : unit -> unit = "wstub_pending"
external ba_sum : (float, Bigarray.float64_elt, Bigarray.c_layout) Bigarray.Array1.t -> float
  = "wstub_ba_sum"

exception E of string
exception E2 of int * int
let () = Callback.register_exception "wstub exn" (E "")
let () = Callback.register_exception "wstub exn2" (E2 (0, 0))

let show_exn = function
  | E s -> "E " ^ s
  | E2 (a, b) -> Printf.sprintf "E2 (%d, %d)" a b
  | e -> Printexc.to_string e

let () =
  let a, b, c = tuple 1 "two" [3.0] in
  Printf.printf "tuple %d %s %g\n" a b (List.hd c);
  (match small 5 "five" with D (n, s) -> Printf.printf "small D %d %s\n" n s | _ -> ());
  let d, i32, i64, ni = boxes () in
  Printf.printf "boxes %g %ld %Lx %nd\n" d i32 i64 ni;
  let by, arr, s = strings "ab" in
  Printf.printf "strings %s [%s] %S\n" (Bytes.to_string by) (String.concat ";" (Array.to_list arr)) s;
  Printf.printf "c safe %b %b\n" (is_c_safe "abc") (is_c_safe "a\000c");
  Printf.printf "floats [%s]\n" (String.concat ";" (List.map string_of_float (Array.to_list (floats 5))));
  let bg = big 1000 in
  Gc.full_major ();
  let get = function Some f -> f | None -> nan in
  Printf.printf "big %d %g %g\n" (Array.length bg) (get bg.(0)) (get bg.(999));
  let x, f = shr [1; 2] in
  Gc.minor ();
  Printf.printf "shr %d %g\n" (List.length x) f;
  Printf.printf "some %s\n" (match some 3 with Some n -> string_of_int n | None -> "none");
  Printf.printf "array_length %d %d\n" (array_length [|1; 2; 3|]) (array_length [|1.; 2.|]);
  Printf.printf "six %d\n" (six 1 2 3 4 5 6);
  for i = 0 to 13 do
    match raise_ i with
    | s -> Printf.printf "raise %d: returned %s\n" i s
    | exception e -> Printf.printf "raise %d: %s\n" i (show_exn e)
  done;
  Printf.printf "apply %d\n" (apply (fun x -> x + 1) 41);
  Printf.printf "apply2 %s\n" (apply2 (fun a b -> a ^ b) "x" "y");
  Printf.printf "apply3 %d\n" (apply3 (fun a b c -> a * b * c) 2 3 4);
  Printf.printf "applyN %d\n" (applyN (fun a b c d -> a + 10 * b + 100 * c + 1000 * d) [1; 2; 3; 4]);
  (* an exception raised by OCaml through C frames *)
  (match apply (fun _ -> raise (E "through C")) 0 with
   | _ -> print_endline "no exception"
   | exception e -> Printf.printf "through: %s\n" (show_exn e));
  (* nested: C -> OCaml -> C -> OCaml raising *)
  (match apply (fun x -> apply (fun _ -> failwith "deep") x) 0 with
   | _ -> print_endline "no exception"
   | exception e -> Printf.printf "nested: %s\n" (show_exn e));
  (match try_ (fun x -> 10 / x) 0 with
   | Ok n -> Printf.printf "try ok %d\n" n
   | Error e -> Printf.printf "try error %s\n" (show_exn e));
  (match try_ (fun x -> 10 / x) 2 with
   | Ok n -> Printf.printf "try ok %d\n" n
   | Error e -> Printf.printf "try error %s\n" (show_exn e));
  Printf.printf "try_res %b %b\n" (try_res (fun () -> raise Exit) ()) (try_res (fun () -> ()) ());
  let l = build (fun i -> Array.make (i mod 7 + 1) (string_of_int i)) 2000 in
  Printf.printf "build %d %s %s\n" (List.length l) (List.hd l).(0) (List.nth l 1999).(0);
  (* a stub that raises (its CAMLparam frame dropped) inside the callbacks of one whose local
     roots stay, across collections *)
  let l =
    build (fun i ->
        let s = match raise_ (i mod 13) with s -> s | exception e -> show_exn e in
        if i mod 100 = 0 then Gc.minor ();
        Array.make (i mod 5 + 1) s) 1000
  in
  Printf.printf "build raising %d %s %s\n" (List.length l) (List.hd l).(0) (List.nth l 999).(0);
  Callback.register "wstub double" (fun x -> 2 * x);
  Printf.printf "named %d %d\n" (named "wstub double" 21) (named "nothing" 0);
  Callback.register "wstub double" (fun x -> 3 * x);
  Printf.printf "named again %d\n" (named "wstub double" 21);
  (* custom blocks *)
  register ();
  let p = point 3 4 and q = point 3 5 in
  Printf.printf "compare %d %d %d\n" (compare p q) (compare q p) (compare p (point 3 4));
  Printf.printf "equal %b hash %d %d\n" (p = point 3 4) (Hashtbl.hash p) (Hashtbl.hash q);
  let s = Marshal.to_string [p; q] [] in
  let l : point list = Marshal.from_string s 0 in
  Printf.printf "marshal %d [%s]\n" (String.length s) (String.concat ";" (List.map (fun p -> string_of_int (point_x p)) l));
  (try ignore (point_x (Obj.magic (Int64.of_int 3) : point)) with Invalid_argument m -> print_endline m);
  for i = 1 to 1000 do ignore (Sys.opaque_identity (point i i)) done;
  Gc.full_major ();
  Gc.full_major ();
  Printf.printf "finalized at least 1000: %b\n" (finalized () >= 1000);
  (* global roots *)
  set_roots (List.init 100 (fun i -> string_of_int i)) (Array.make 10 "ten");
  for _ = 1 to 20 do ignore (Sys.opaque_identity (Array.make 1000 0.)) done;
  Gc.full_major ();
  let a, b = get_roots () in
  Printf.printf "roots %d %s %d %s\n" (List.length a) (List.nth a 99) (Array.length b) b.(9);
  set_roots "second" (ref 5);
  Gc.minor ();
  let a, b = get_roots () in
  Printf.printf "roots %s %d\n" a !b;
  drop_roots ();
  pending ();
  let ba = Bigarray.Array1.init Bigarray.float64 Bigarray.c_layout 10 float_of_int in
  Printf.printf "ba_sum %g\n" (ba_sum ba);
  print_endline "done"
