(* Very large blocks: Array.make 10_000_000, a 50 MB Bytes, a large float array, a large
   string built by concatenation, and blits/fills/reads across them. *)

let () =
  let n = 10_000_000 in
  let a = Array.make n 1 in
  a.(0) <- 5; a.(n - 1) <- 7; a.(n / 2) <- 11;
  Printf.printf "array: length %d, ends %d %d, mid %d\n" (Array.length a) a.(0) a.(n - 1) a.(n / 2);
  let s = ref 0 in
  let i = ref 0 in
  while !i < n do s := !s + a.(!i); i := !i + 7 done;
  Printf.printf "sum of every 7th %d\n" !s;
  let c = Array.sub a (n - 5) 5 in
  Printf.printf "sub of the end: %d %d\n" c.(0) c.(4);
  (* a large array of pointers into the minor heap, then a minor and major GC *)
  let ptrs = Array.make 1_000_000 "" in
  for i = 0 to 999_999 do if i mod 1000 = 0 then ptrs.(i) <- string_of_int i done;
  Gc.full_major ();
  Printf.printf "ptrs.(999000) = %s\n" ptrs.(999_000);
  let size = 50 * 1024 * 1024 in
  let b = Bytes.make size 'a' in
  Bytes.set b (size - 1) 'z';
  Bytes.fill b 1000 26 'q';
  Bytes.blit_string "hello" 0 b (size / 2) 5;
  Printf.printf "bytes: length %d, last %c, %S, %S\n" (Bytes.length b) (Bytes.get b (size - 1)) (Bytes.sub_string b 998 30)
    (Bytes.sub_string b (size / 2 - 2) 9);
  let count = ref 0 in
  for i = 900 to 1100 do if Bytes.get b i = 'q' then incr count done;
  Printf.printf "q count %d\n" !count;
  let str = Bytes.unsafe_to_string b in
  Printf.printf "index of 'z': %d, rindex of 'h': %d\n" (String.index_from str (size - 100) 'z') (String.rindex_from str (size / 2 + 100) 'h');
  let fa = Array.make 2_000_000 0.5 in
  fa.(1_999_999) <- 2.5;
  Printf.printf "float array: %g %g\n" fa.(0) fa.(1_999_999);
  let big_s = String.concat "" (List.init 1000 (fun i -> String.make 1000 (Char.chr (65 + i mod 26)))) in
  Printf.printf "concat: %d bytes, at 999999 %c\n" (String.length big_s) big_s.[999_999];
  let m = Array.make_matrix 1000 1000 0 in
  m.(999).(999) <- 1;
  Printf.printf "matrix corner %d\n" m.(999).(999);
  Printf.printf "Sys.max_array_length > n: %b, max_string_length > size: %b\n" (Sys.max_array_length > n) (Sys.max_string_length > size)
