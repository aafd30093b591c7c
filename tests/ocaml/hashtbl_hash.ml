(* Hashtbl.hash values, which must be bit-for-bit those of the stock runtime: ints,
   negative ints, chars, strings (short, long, with NULs), floats (0., -0., nan, inf),
   boxed integers, lists, tuples, records, variants, nested structures beyond the
   meaningful/total limits, polymorphic variants, objects excluded. Also seeded_hash,
   hash_param and String.hash/Int.hash etc. *)

type r = { a : int; b : string; c : float }
type v = A | B of int | C of string * int

let show name x = Printf.printf "%-30s %d\n" name (Hashtbl.hash x)

let rec deep n = if n = 0 then [] else [ n ] :: deep (n - 1)

let () =
  show "0" 0; show "1" 1; show "-1" (-1); show "max_int" max_int; show "min_int" min_int;
  show "123456789" 123456789;
  show "'a'" 'a'; show "true" true; show "()" (); show "[]" [];
  show "\"\"" ""; show "\"a\"" "a"; show "\"hello\"" "hello"; show "\"hello world, longer\"" "hello world, longer";
  show "\"a\\000b\"" "a\000b";
  show "long string" (String.make 1000 'x');
  show "0." 0.; show "-0." (-0.); show "1." 1.; show "nan" nan; show "-nan" (-. nan); show "inf" infinity;
  show "-inf" neg_infinity; show "3.14159" 3.14159; show "1e300" 1e300;
  show "42l" 42l; show "42L" 42L; show "42n" 42n; show "-1L" (-1L); show "Int64.min_int" Int64.min_int;
  show "[1;2;3]" [ 1; 2; 3 ]; show "[3;2;1]" [ 3; 2; 1 ];
  show "(1, \"a\")" (1, "a"); show "(\"a\", 1)" ("a", 1);
  show "record" { a = 1; b = "b"; c = 1.5 };
  show "A" A; show "B 1" (B 1); show "C (\"x\", 2)" (C ("x", 2));
  show "Some 0" (Some 0); show "None" None;
  show "`Poly" `Poly; show "`Poly 1" (`Poly 1);
  show "[| 1.; 2. |]" [| 1.; 2. |]; show "[| 1; 2 |]" [| 1; 2 |];
  show "deep 20" (deep 20); show "deep 50" (deep 50);
  show "list of 100" (List.init 100 Fun.id);
  show "list of 100 from 1" (List.init 100 succ);
  show "ref 5" (ref 5);
  show "Bytes" (Bytes.of_string "bytes");
  show "nested tuple" ((1, 2), (3, (4, 5)), [ "x"; "y" ]);
  show "exception Not_found" Not_found;
  Printf.printf "seeded_hash 0 \"x\" = %d, 1 = %d, 42 = %d\n" (Hashtbl.seeded_hash 0 "x") (Hashtbl.seeded_hash 1 "x") (Hashtbl.seeded_hash 42 "x");
  Printf.printf "hash_param 1 1 list = %d, 10 100 = %d, 255 255 = %d\n" (Hashtbl.hash_param 1 1 [ 1; 2; 3 ])
    (Hashtbl.hash_param 10 100 [ 1; 2; 3 ]) (Hashtbl.hash_param 255 255 (deep 30));
  Printf.printf "seeded_hash_param: %d\n" (Hashtbl.seeded_hash_param 10 100 7 (1, "seven"));
  Printf.printf "String.hash %d, String.seeded_hash %d\n" (String.hash "abc") (String.seeded_hash 3 "abc");
  Printf.printf "Int.hash %d, Float.hash %d, Char.hash %d, Bool.hash %d\n" (Int.hash 77) (Float.hash 2.5) (Char.hash 'q') (Bool.hash true);
  Printf.printf "Int32.hash %d, Int64.hash %d, Nativeint.hash %d\n" (Int32.hash 5l) (Int64.hash 5L) (Nativeint.hash 5n);
  Printf.printf "Unit.hash? %d, Uchar.hash %d\n" (Hashtbl.hash ()) (Uchar.hash (Uchar.of_int 0x263a));
  (* hashing a cyclic value terminates *)
  let rec cyc = 1 :: 2 :: cyc in
  Printf.printf "cyclic list hash: %d\n" (Hashtbl.hash cyc);
  (* equal values have equal hashes, even if physically different *)
  let s1 = String.concat "" [ "ab"; "cd" ] and s2 = "abcd" in
  Printf.printf "equal strings same hash: %b\n" (Hashtbl.hash s1 = Hashtbl.hash s2);
  Printf.printf "0. and -0. same hash: %b\n" (Hashtbl.hash 0. = Hashtbl.hash (-0.))
