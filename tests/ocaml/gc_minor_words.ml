(* Gc.minor_words counts every young allocation exactly, whether the bytecode allocates
   the block itself (ref, records, closures) or a primitive does (Array.make, Bytes.create,
   boxed floats and int64s), including when the minor heap fills up in the middle of a
   primitive, and across explicit collections; custom blocks count as the stock runtime
   allocates them. Each line prints the words counted minus the words allocated: 0 under a
   runtime that counts exactly. *)

type pair = { mutable p : int; mutable q : int }

(* The boxed float that one call of Gc.minor_words returns is allocated after the count is
   read, so a measurement includes the first call's result. *)
let call_cost =
  let a = Gc.minor_words () in
  let b = Gc.minor_words () in
  int_of_float (b -. a)

let measure name words n ?(every = 0) ?(collect = ignore) alloc =
  let before = Gc.minor_words () in
  for i = 1 to n do
    alloc i;
    if every > 0 && i mod every = 0 then collect ()
  done;
  let after = Gc.minor_words () in
  Printf.printf "%-28s %d\n" name (int_of_float (after -. before) - call_cost - words * n)

let run label =
  Printf.printf "-- %s\n" label;
  let n = 300_000 in
  measure "ref" 2 n (fun i -> ignore (Sys.opaque_identity (ref i)));
  measure "record of 2" 3 n (fun i -> ignore (Sys.opaque_identity { p = i; q = i }));
  measure "tuple of 5" 6 n (fun i -> ignore (Sys.opaque_identity (i, i, i, i, i)));
  measure "Array.make 8" 9 n (fun i -> ignore (Sys.opaque_identity (Array.make 8 i)));
  measure "Array.make 100" 101 (n / 10) (fun i -> ignore (Sys.opaque_identity (Array.make 100 i)));
  measure "Bytes.create 10" 3 n (fun _ -> ignore (Sys.opaque_identity (Bytes.create 10)));
  measure "float_of_int, +." 4 n (fun i -> ignore (Sys.opaque_identity (float_of_int i +. 0.5)));
  measure "Int64.of_int, Int64.add" 6 n (fun i -> ignore (Sys.opaque_identity (Int64.add (Int64.of_int i) 1L)));
  (* Custom blocks with a finaliser: warden keeps them in the major heap, the stock runtime
     allocates the small ones young (an Array1 of 10 ints: its dimension array, 2 words,
     and its block, 7), a bigarray holding more than custom_minor_max_size bytes old. *)
  measure "Mutex.create" 3 (n / 10) (fun _ -> ignore (Sys.opaque_identity (Mutex.create ())));
  measure "Bigarray of 10 ints" 9 (n / 10)
    (fun _ -> ignore (Sys.opaque_identity (Bigarray.Array1.create Bigarray.int Bigarray.c_layout 10)));
  measure "Bigarray of 10000 ints" 2 1000
    (fun _ -> ignore (Sys.opaque_identity (Bigarray.Array1.create Bigarray.int Bigarray.c_layout 10000)));
  measure "Array.make 8, Gc.minor" 9 n ~every:50_000 ~collect:Gc.minor
    (fun i -> ignore (Sys.opaque_identity (Array.make 8 i)));
  measure "Array.make 8, Gc.full_major" 9 n ~every:100_000 ~collect:Gc.full_major
    (fun i -> ignore (Sys.opaque_identity (Array.make 8 i)));
  measure "record of 2, Gc.compact" 3 n ~every:100_000 ~collect:Gc.compact
    (fun i -> ignore (Sys.opaque_identity { p = i; q = i }))

let () =
  run "default minor heap";
  Gc.set { (Gc.get ()) with Gc.minor_heap_size = 4096 };
  run "minor heap of 4096 words";
  Gc.set { (Gc.get ()) with Gc.minor_heap_size = 300 };
  run "minor heap of 512 words"
