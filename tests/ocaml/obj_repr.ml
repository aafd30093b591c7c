(* Obj: tags, sizes, is_int/is_block, fields, and the representation of the main kinds
   of values (ints, chars, constant constructors, blocks, strings, floats, closures,
   lazy values, objects, records, boxed integers). *)

type t = A | B | C of int | D of string * int | E of { f : float; g : int }

let describe name v =
  let r = Obj.repr v in
  if Obj.is_int r then Printf.printf "%-22s immediate %d\n" name (Obj.obj r : int)
  else Printf.printf "%-22s block tag %d size %d\n" name (Obj.tag r) (Obj.size r)

let () =
  Printf.printf "tags: lazy %d closure %d object %d infix %d forward %d abstract %d string %d double %d double_array %d custom %d\n"
    Obj.lazy_tag Obj.closure_tag Obj.object_tag Obj.infix_tag Obj.forward_tag Obj.abstract_tag
    Obj.string_tag Obj.double_tag Obj.double_array_tag Obj.custom_tag;
  Printf.printf "no_scan_tag %d first_non_constant_constructor_tag %d last %d int_tag %d out_of_heap %d unaligned %d\n"
    Obj.no_scan_tag Obj.first_non_constant_constructor_tag Obj.last_non_constant_constructor_tag Obj.int_tag
    Obj.out_of_heap_tag Obj.unaligned_tag;
  describe "42" 42;
  describe "'a'" 'a';
  describe "true" true;
  describe "()" ();
  describe "[]" [];
  describe "A" A;
  describe "B" B;
  describe "C 5" (C 5);
  describe "D (\"x\", 1)" (D ("x", 1));
  describe "E {..}" (E { f = 1.; g = 2 });
  describe "[1; 2]" [ 1; 2 ];
  describe "(1, 2, 3)" (1, 2, 3);
  describe "Some 1" (Some 1);
  describe "\"\"" "";
  describe "\"hello\"" "hello";
  describe "\"1234567\"" "1234567";
  describe "\"12345678\"" "12345678";
  describe "3.14" 3.14;
  describe "[| 1.; 2. |]" [| 1.; 2. |];
  describe "[| 1; 2 |]" [| 1; 2 |];
  describe "[||]" [||];
  describe "42l" 42l;
  describe "42L" 42L;
  describe "42n" 42n;
  describe "ref 0" (ref 0);
  describe "fun x -> x" (fun x -> x);
  let k = 5 in
  describe "closure with env" (fun x -> x + k);
  describe "object" (object method m = 1 end);
  describe "`Tag" `Tag;
  describe "`Tag 1" (`Tag 1);
  describe "exception Not_found" Not_found;
  describe "Failure \"x\"" (Failure "x");
  describe "Bytes.create 10" (Bytes.create 10);
  let lz = lazy (k * 2) in
  describe "lazy (before force)" lz;
  ignore (Lazy.force lz);
  describe "lazy (after force)" lz;
  describe "lazy constant" (lazy 3);
  (* string representation: padding in the last word *)
  let s = "abc" in
  Printf.printf "string size in words: %d (word size %d)\n" (Obj.size (Obj.repr s)) Sys.word_size;
  (* fields *)
  let d = D ("field", 99) in
  Printf.printf "field 1 of D = %d, field 0 = %s\n" (Obj.obj (Obj.field (Obj.repr d) 1) : int) (Obj.obj (Obj.field (Obj.repr d) 0) : string);
  let blk = Obj.new_block 0 3 in
  Obj.set_field blk 0 (Obj.repr 10);
  Obj.set_field blk 1 (Obj.repr "s");
  Obj.set_field blk 2 (Obj.repr 30);
  let (a, b, c) : int * string * int = Obj.obj blk in
  Printf.printf "new_block as tuple: %d %s %d\n" a b c;
  let dup = Obj.dup (Obj.repr (1, 2)) in
  Obj.set_field dup 0 (Obj.repr 100);
  let (x, y) : int * int = Obj.obj dup in
  Printf.printf "dup: %d %d\n" x y;
  Printf.printf "magic: %d\n" (Obj.magic 'A' : int);
  Printf.printf "magic bool: %d %d\n" (Obj.magic false : int) (Obj.magic true : int);
  Printf.printf "magic list: %b\n" ((Obj.magic 0 : int list) = []);
  Printf.printf "reachable words of a list of 3: %d\n" (Obj.reachable_words (Obj.repr [ 1; 2; 3 ]));
  Printf.printf "reachable words of shared pair: %d\n" (let s = [ 1; 2 ] in Obj.reachable_words (Obj.repr (s, s)));
  Printf.printf "Obj.Extension_constructor name: %s\n" (Obj.Extension_constructor.name (Obj.Extension_constructor.of_val Not_found));
  Printf.printf "double_field of float array: %g\n" (Obj.double_field (Obj.repr [| 1.5; 2.5 |]) 1)
