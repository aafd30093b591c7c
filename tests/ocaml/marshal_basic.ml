(* Marshal to and from strings: the exact bytes produced for many values (printed in hex,
   so the format must match the stock runtime bit for bit), sharing vs No_sharing,
   cyclic values, the Closures flag error without it, header/data/total sizes, and
   round trips of every kind of value. *)

let hex s = String.concat "" (List.map (fun c -> Printf.sprintf "%02x" (Char.code c)) (List.of_seq (String.to_seq s)))

type r = { name : string; age : int; score : float; tags : string list }
type v = Leaf | Node of v * int * v

let show name v flags =
  let s = Marshal.to_string v flags in
  Printf.printf "%-22s %3d bytes: %s\n" name (String.length s) (if String.length s <= 80 then hex s else hex (String.sub s 0 80) ^ "...")

let () =
  show "0" 0 [];
  show "-1" (-1) [];
  show "63" 63 [];
  show "64" 64 [];
  show "-64" (-64) [];
  show "-65" (-65) [];
  show "32767" 32767 [];
  show "32768" 32768 [];
  show "1 lsl 40" (1 lsl 40) [];
  show "max_int" max_int [];
  show "\"\"" "" [];
  show "\"hello\"" "hello" [];
  show "31-byte string" (String.make 31 'a') [];
  show "32-byte string" (String.make 32 'b') [];
  show "300-byte string" (String.make 300 'c') [];
  show "3.14" 3.14 [];
  show "[| 1.; 2. |]" [| 1.; 2. |] [];
  show "[1; 2; 3]" [ 1; 2; 3 ] [];
  show "(1, \"a\", 2.5)" (1, "a", 2.5) [];
  show "Some (Some ())" (Some (Some ())) [];
  show "record" { name = "Ann"; age = 33; score = 9.5; tags = [ "x" ] } [];
  show "42l" 42l [];
  show "42L" 42L [];
  show "42n" 42n [];
  show "tree" (Node (Node (Leaf, 1, Leaf), 2, Leaf)) [];
  show "`Poly" (`Poly 5) [];
  show "char" 'z' [];
  show "empty array" [||] [];
  show "array of 20 ints" (Array.init 20 Fun.id) [];
  (* sharing *)
  let shared = "shared string" in
  let pair = (shared, shared) in
  show "shared pair" pair [];
  show "shared pair No_sharing" pair [ Marshal.No_sharing ];
  let (a, b) : string * string = Marshal.from_string (Marshal.to_string pair []) 0 in
  Printf.printf "sharing preserved: %b\n" (a == b);
  let (a, b) : string * string = Marshal.from_string (Marshal.to_string pair [ Marshal.No_sharing ]) 0 in
  Printf.printf "No_sharing gives copies: %b (equal %b)\n" (a != b) (a = b);
  (* cyclic *)
  let rec cyc = 1 :: 2 :: cyc in
  let s = Marshal.to_string cyc [] in
  Printf.printf "cyclic list: %d bytes %s\n" (String.length s) (hex s);
  let back : int list = Marshal.from_string s 0 in
  Printf.printf "cyclic back: %d %d %d, cycle kept %b\n" (List.nth back 0) (List.nth back 1) (List.nth back 2) (List.tl (List.tl back) == back);
  (* closures *)
  let f = fun x -> x + 1 in
  (match Marshal.to_string f [] with
   | _ -> print_endline "marshaled a closure without Closures?"
   | exception Invalid_argument m -> Printf.printf "closure without flag: Invalid_argument %S\n" m);
  (match Marshal.to_string (1, f) [] with
   | _ -> print_endline "marshaled a closure inside a tuple?"
   | exception Invalid_argument m -> Printf.printf "nested closure: Invalid_argument %S\n" m);
  let s = Marshal.to_string f [ Marshal.Closures ] in
  let g : int -> int = Marshal.from_string s 0 in
  Printf.printf "closure with Closures flag: g 41 = %d\n" (g 41);
  (* object values cannot be marshaled? they can (they are blocks with tag Object) *)
  (* sizes *)
  let s = Marshal.to_string [ "a"; "b"; "c" ] [] in
  Printf.printf "header_size %d data_size %d total_size %d length %d\n" Marshal.header_size (Marshal.data_size (Bytes.of_string s) 0)
    (Marshal.total_size (Bytes.of_string s) 0) (String.length s);
  (* to_bytes / from_bytes / to_buffer *)
  let b = Marshal.to_bytes (3, "three") [] in
  let (n, w) : int * string = Marshal.from_bytes b 0 in
  Printf.printf "bytes roundtrip: %d %s\n" n w;
  let buf = Bytes.make 100 '\000' in
  let len = Marshal.to_buffer buf 10 90 [ 1; 2 ] [] in
  let l : int list = Marshal.from_bytes buf 10 in
  Printf.printf "to_buffer: %d bytes, back %s\n" len (String.concat "," (List.map string_of_int l));
  (match Marshal.to_buffer (Bytes.create 10) 0 10 (String.make 100 'x') [] with
   | _ -> print_endline "fits?" | exception Failure m -> Printf.printf "to_buffer too small: Failure %S\n" m);
  (* from_string with garbage *)
  (match (Marshal.from_string "not a marshaled value at all" 0 : int) with
   | _ -> print_endline "accepted garbage?"
   | exception Failure m -> Printf.printf "garbage: Failure %S\n" m
   | exception Invalid_argument m -> Printf.printf "garbage: Invalid_argument %S\n" m);
  (* round trip a big structure and compare *)
  let big = List.init 10_000 (fun i -> (i, string_of_int i, float_of_int i /. 7., if i mod 3 = 0 then Some [ i ] else None)) in
  let s = Marshal.to_string big [] in
  let back = Marshal.from_string s 0 in
  Printf.printf "big: %d bytes, equal %b, digest %s\n" (String.length s) (big = back) (Digest.to_hex (Digest.string s))
