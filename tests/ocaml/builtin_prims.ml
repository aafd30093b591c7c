(* The primitives warden runs inline in C_CALL1..3 (float arithmetic and comparison, array
   and string get/set, int and polymorphic comparison, string equality and length), on
   their common inputs and on every case the inline path hands to the primitive: indices
   out of bounds, float arrays through the generic array primitives, comparisons of
   non-integers, nans, a minor heap filling up while floats are boxed. *)

let show_float x = Printf.printf "%h %b\n" x (Float.is_nan x)

let floats () =
  let xs = [ 0.; -0.; 1.5; -2.25; 1e308; -1e308; 5e-324; infinity; neg_infinity; nan ] in
  List.iter
    (fun x ->
      show_float (-.x);
      show_float (abs_float x);
      show_float (sqrt x);
      List.iter
        (fun y ->
          show_float (x +. y);
          show_float (x -. y);
          show_float (x *. y);
          show_float (x /. y);
          Printf.printf "%b %b %b %b %b %b %d %d\n" (x = y) (x <> y) (x < y) (x <= y)
            (x > y) (x >= y) (compare x y) (Float.compare x y))
        xs)
    xs;
  List.iter (fun i -> show_float (float_of_int i)) [ 0; 1; -1; max_int; min_int; 1 lsl 53 + 1 ]

(* Enough boxed floats to fill the minor heap many times over. *)
let float_pressure () =
  let acc = ref 0. in
  for i = 1 to 300_000 do
    acc := !acc +. (float_of_int i *. 0.5) -. sqrt (float_of_int i)
  done;
  show_float !acc

let catch name f =
  match f () with
  | v -> Printf.printf "%s: %s\n" name v
  | exception Invalid_argument m -> Printf.printf "%s: Invalid_argument %s\n" name m

let arrays () =
  let a = [| 1; 2; 3 |] in
  let s = [| "a"; "b" |] in
  let f = [| 1.5; 2.5 |] in
  a.(0) <- 10;
  s.(1) <- "c";
  f.(1) <- 4.5;
  Printf.printf "%d %s %h\n" (a.(0) + a.(2)) (s.(0) ^ s.(1)) (f.(0) +. f.(1));
  List.iter
    (fun i ->
      catch "get" (fun () -> string_of_int a.(i));
      catch "set" (fun () -> s.(i) <- "z"; "ok");
      catch "fget" (fun () -> Printf.sprintf "%h" f.(i));
      catch "fset" (fun () -> f.(i) <- 0.25; "ok"))
    [ 0; 1; 2; 3; -1; max_int; min_int ];
  (* Polymorphic code: the generic primitives, on value and float arrays. *)
  let get x i = x.(i) and set x i v = x.(i) <- v in
  let uget x i = Array.unsafe_get x i in
  set f 0 7.5;
  set s 0 "y";
  Printf.printf "%h %s %h %s\n" (get f 0) (get s 0) (uget f 1) (uget s 1);
  catch "poly get" (fun () -> Printf.sprintf "%h" (get f 5));
  catch "poly set" (fun () -> set s 9 "q"; "ok");
  let e : float array = [||] in
  catch "empty" (fun () -> Printf.sprintf "%h" (get e 0))

let strings () =
  let s = "hello, world" and b = Bytes.of_string "abc" in
  Bytes.set b 1 'X';
  Printf.printf "%c %c %d %d %s\n" s.[0] (Bytes.get b 1) (String.length s) (Bytes.length b)
    (Bytes.to_string b);
  List.iter
    (fun i ->
      catch "sget" (fun () -> String.make 1 s.[i]);
      catch "bget" (fun () -> String.make 1 (Bytes.get b i));
      catch "bset" (fun () -> Bytes.set b i 'q'; Bytes.to_string b))
    [ 0; 2; 3; 12; -1; max_int ];
  let words = [ ""; "a"; "b"; "ab"; "abcdefg"; "abcdefgh"; "abcdefghi"; "abcdefgh\000";
                String.make 16 'x'; String.make 17 'x'; String.make 15 'x' ] in
  List.iter
    (fun x ->
      List.iter
        (fun y ->
          let y' = String.init (String.length y) (String.get y) in
          Printf.printf "%b%b%b%b%d " (x = y) (x <> y) (String.equal x y') (x <> y')
            (String.compare x y))
        words;
      print_newline ())
    words

let compares () =
  let ints = [ 0; 1; -1; max_int; min_int; 42 ] in
  List.iter
    (fun x ->
      List.iter
        (fun y ->
          Printf.printf "%d%d%b%b%b%b%b%b " (compare x y) (Int.compare x y) (x = y) (x <> y)
            (x < y) (x <= y) (x > y) (x >= y))
        ints;
      print_newline ())
    ints;
  (* The same primitives on values that are not two integers. *)
  let vals : Obj.t list = [ Obj.repr 1; Obj.repr "x"; Obj.repr (Some 2); Obj.repr 1.5; Obj.repr [ 3 ] ] in
  List.iter
    (fun x ->
      List.iter
        (fun y ->
          match compare x y with
          | c -> Printf.printf "%d%b%b " c (x = y) (x < y)
          | exception Invalid_argument m -> print_string m)
        vals;
      print_newline ())
    vals

let () =
  floats ();
  float_pressure ();
  arrays ();
  strings ();
  compares ();
  (* An uncaught exception out of an inline primitive's fallback, with its backtrace. *)
  Printexc.record_backtrace true;
  let a = Array.make 3 0 in
  let i = ref 5 in
  print_int a.(!i)
