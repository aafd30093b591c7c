(* Allocations whose size the program chooses and that the C allocator refuses raise
   Out_of_memory (the runtime goes on: the last line allocates normally); sizes beyond the
   largest block raise Invalid_argument first. 1 lsl 40 words (8 TiB) is refused at once by
   malloc, so nothing here touches much memory. Also marshalled headers whose data buffer or
   shared-object table the runtime cannot allocate. *)

external alloc_dummy : int -> Obj.t = "caml_alloc_dummy"
external alloc_dummy_float : int -> Obj.t = "caml_alloc_dummy_float"
external alloc_dummy_function : int -> int -> Obj.t = "caml_alloc_dummy_function"
external alloc_dummy_infix : int -> int -> Obj.t = "caml_alloc_dummy_infix"
external create_string : int -> string = "caml_create_string"
external floatarray_create : int -> floatarray = "caml_floatarray_create"
external make_float_vect : int -> float array = "caml_make_float_vect"
external ephe_create : int -> Obj.t = "caml_ephe_create"

let big = 1 lsl 40

let try_ name f =
  match f () with
  | () -> Printf.printf "%s: ok\n%!" name
  | exception e -> Printf.printf "%s: %s\n%!" name (Printexc.to_string e)

let arrays () =
  try_ "Array.make big 0" (fun () -> ignore (Array.make big 0));
  try_ "Array.make big 0.5" (fun () -> ignore (Array.make big 0.5));
  try_ "Array.make big (ref 0)" (fun () -> ignore (Array.make big (ref 0)));
  try_ "Array.make max_array_length" (fun () -> ignore (Array.make Sys.max_array_length 'a'));
  try_ "Array.make (max_array_length + 1)"
    (fun () -> ignore (Array.make (Sys.max_array_length + 1) 'a'));
  try_ "Array.make (-1)" (fun () -> ignore (Array.make (-1) 0));
  try_ "Array.make min_int" (fun () -> ignore (Array.make min_int 0));
  try_ "Array.make max_int" (fun () -> ignore (Array.make max_int 0));
  try_ "Array.make max_int 0.5" (fun () -> ignore (Array.make max_int 0.5));
  try_ "Array.make_matrix 1 big" (fun () -> ignore (Array.make_matrix 1 big 0));
  try_ "Array.init big"
    (fun () -> ignore (Array.init big (fun i -> print_endline "f 0 called first"; i)));
  try_ "Hashtbl.create big" (fun () -> ignore (Hashtbl.create big));
  let achunk = Array.make (1 lsl 20) 0 in
  try_ "Array.concat (2^20 x 2^20 ints)"
    (fun () -> ignore (Array.concat (List.init (1 lsl 20) (fun _ -> achunk))));
  let fchunk = Array.make (1 lsl 20) 0.5 in
  try_ "Array.concat (2^20 x 2^20 floats)"
    (fun () -> ignore (Array.concat (List.init (1 lsl 20) (fun _ -> fchunk))))

let float_arrays () =
  try_ "Array.create_float big" (fun () -> ignore (Array.create_float big));
  try_ "Array.create_float max_floatarray_length"
    (fun () -> ignore (Array.create_float Sys.max_floatarray_length));
  try_ "Array.create_float (max_floatarray_length + 1)"
    (fun () -> ignore (Array.create_float (Sys.max_floatarray_length + 1)));
  try_ "Float.Array.create big" (fun () -> ignore (Float.Array.create big));
  try_ "Float.Array.make big" (fun () -> ignore (Float.Array.make big 1.0));
  try_ "Float.Array.init big" (fun () -> ignore (Float.Array.init big float_of_int));
  try_ "caml_floatarray_create big" (fun () -> ignore (floatarray_create big));
  try_ "caml_make_float_vect big" (fun () -> ignore (make_float_vect big))

let strings () =
  try_ "Bytes.create max_string_length" (fun () -> ignore (Bytes.create Sys.max_string_length));
  try_ "Bytes.create (max_string_length + 1)"
    (fun () -> ignore (Bytes.create (Sys.max_string_length + 1)));
  try_ "Bytes.create (8 * big)" (fun () -> ignore (Bytes.create (8 * big)));
  try_ "Bytes.make" (fun () -> ignore (Bytes.make (8 * big) 'x'));
  try_ "String.make" (fun () -> ignore (String.make (8 * big) 'x'));
  try_ "Bytes.init" (fun () -> ignore (Bytes.init (8 * big) (fun _ -> 'x')));
  try_ "caml_create_string (8 * big)" (fun () -> ignore (create_string (8 * big)));
  try_ "caml_create_string (max_string_length + 1)"
    (fun () -> ignore (create_string (Sys.max_string_length + 1)));
  try_ "Bytes.extend" (fun () -> ignore (Bytes.extend (Bytes.of_string "abc") 1 (8 * big)));
  try_ "Buffer.create (1 lsl 50)" (fun () -> ignore (Buffer.create (1 lsl 50)));
  try_ "Buffer.create max_int" (fun () -> ignore (Buffer.create max_int));
  let chunk = Bytes.make (1 lsl 20) 'c' in
  try_ "Bytes.concat (2^20 x 1 MiB)"
    (fun () -> ignore (Bytes.concat Bytes.empty (List.init (1 lsl 20) (fun _ -> chunk))));
  let schunk = Bytes.to_string chunk in
  try_ "String.concat (2^20 x 1 MiB)"
    (fun () -> ignore (String.concat "" (List.init (1 lsl 20) (fun _ -> schunk))));
  try_ "s ^ s" (fun () ->
      let s = String.make 3 's' in
      Printf.printf "%s\n" (s ^ s));
  try_ "really_input_string stdin (8 * big)"
    (fun () -> ignore (really_input_string stdin (8 * big)))

let weak_and_obj () =
  try_ "Weak.create big" (fun () -> ignore (Weak.create big));
  try_ "Weak.create max_array_length" (fun () -> ignore (Weak.create Sys.max_array_length));
  try_ "Weak.create (1 lsl 54)" (fun () -> ignore (Weak.create (1 lsl 54)));
  try_ "Ephemeron.K1.make" (fun () ->
      let k = ref 0 in
      let e = Ephemeron.K1.make k 1 in
      Printf.printf "%d\n" (Option.get (Ephemeron.K1.query e k)));
  try_ "caml_ephe_create big" (fun () -> ignore (ephe_create big));
  try_ "Obj.new_block 0 big" (fun () -> ignore (Obj.new_block 0 big));
  try_ "Obj.new_block string_tag big" (fun () -> ignore (Obj.new_block Obj.string_tag big));
  try_ "Obj.new_block double_array_tag big"
    (fun () -> ignore (Obj.new_block Obj.double_array_tag big));
  try_ "Obj.new_block closure_tag big" (fun () -> ignore (Obj.new_block Obj.closure_tag big));
  try_ "Obj.new_block abstract_tag big" (fun () -> ignore (Obj.new_block Obj.abstract_tag big));
  try_ "caml_alloc_dummy big" (fun () -> ignore (alloc_dummy big));
  try_ "caml_alloc_dummy_float big" (fun () -> ignore (alloc_dummy_float big));
  try_ "caml_alloc_dummy_function big" (fun () -> ignore (alloc_dummy_function big 1));
  try_ "caml_alloc_dummy_infix big" (fun () -> ignore (alloc_dummy_infix big 1))

(* A "big" (64-bit) marshal header followed by [data]. *)
let message ~data_len ~num_objects ~whsize data =
  let b = Bytes.create 32 in
  Bytes.set_int32_be b 0 0x8495A6BFl;
  Bytes.set_int32_be b 4 0l;
  Bytes.set_int64_be b 8 (Int64.of_int data_len);
  Bytes.set_int64_be b 16 (Int64.of_int num_objects);
  Bytes.set_int64_be b 24 (Int64.of_int whsize);
  Bytes.to_string b ^ data

let marshal () =
  (* the data: one small int, 1 *)
  let from_string name ~data_len ~num_objects ~whsize =
    let s = message ~data_len ~num_objects ~whsize "\x41" in
    try_ ("Marshal.from_string " ^ name)
      (fun () -> Printf.printf "%d\n" (Marshal.from_string s 0 : int))
  in
  from_string "num_objects big" ~data_len:1 ~num_objects:big ~whsize:1;
  from_string "num_objects big, whsize 0" ~data_len:1 ~num_objects:big ~whsize:0;
  from_string "whsize big" ~data_len:1 ~num_objects:0 ~whsize:big;
  from_string "data_len big" ~data_len:big ~num_objects:0 ~whsize:1;
  from_string "num_objects -1" ~data_len:1 ~num_objects:(-1) ~whsize:1;
  from_string "num_objects 2^61 (table size wraps to 0)" ~data_len:1
    ~num_objects:(1 lsl 61) ~whsize:1;
  let input_value name ~data_len ~num_objects ~whsize =
    let oc = open_out_bin "message" in
    output_string oc (message ~data_len ~num_objects ~whsize "\x41");
    close_out oc;
    let ic = open_in_bin "message" in
    try_ ("input_value " ^ name) (fun () -> Printf.printf "%d\n" (input_value ic : int));
    close_in ic
  in
  input_value "data_len big" ~data_len:big ~num_objects:0 ~whsize:1;
  input_value "data_len 1 MiB, truncated" ~data_len:(1 lsl 20) ~num_objects:0 ~whsize:1;
  input_value "data_len max_int" ~data_len:max_int ~num_objects:0 ~whsize:1;
  input_value "data_len -1" ~data_len:(-1) ~num_objects:0 ~whsize:1;
  input_value "num_objects big" ~data_len:1 ~num_objects:big ~whsize:1;
  input_value "num_objects big, whsize 0" ~data_len:1 ~num_objects:big ~whsize:0;
  input_value "fine" ~data_len:1 ~num_objects:0 ~whsize:1

let () =
  arrays ();
  float_arrays ();
  strings ();
  weak_and_obj ();
  marshal ();
  let a = Array.init 1000 (fun i -> i * i) in
  let b = Bytes.make 100_000 'z' in
  Printf.printf "still allocating: %d %d %c\n" a.(999) (Bytes.length b) (Bytes.get b 99_999)
