(* Marshal through channels: several values written with output_value/Marshal.to_channel
   to a temporary file and read back in order, plus input_value on a truncated file,
   big data (compressed? no: plain), floats, Int64, nested arrays, and a value written
   in the middle of text. *)

type shape = Circle of float | Rect of float * float | Group of shape list

let () =
  let name = Filename.temp_file "warden_marshal" ".bin" in
  let oc = open_out_bin name in
  output_value oc 42;
  output_value oc "a string";
  Marshal.to_channel oc [ 1.5; 2.5; -0. ] [];
  Marshal.to_channel oc (Group [ Circle 1.; Rect (2., 3.); Group [] ]) [ Marshal.No_sharing ];
  Marshal.to_channel oc (Array.init 1000 (fun i -> Array.make (i mod 5) (Int64.of_int i))) [];
  output_string oc "TEXT IN BETWEEN\n";
  Marshal.to_channel oc (String.make 100_000 'z', 3l, 4n) [];
  let after = pos_out oc in
  close_out oc;
  Printf.printf "file length %d\n" after;
  let ic = open_in_bin name in
  let a : int = input_value ic in
  let b : string = input_value ic in
  let c : float list = Marshal.from_channel ic in
  let d : shape = Marshal.from_channel ic in
  let e : int64 array array = Marshal.from_channel ic in
  let line = input_line ic in
  let (f, g, h) : string * int32 * nativeint = Marshal.from_channel ic in
  Printf.printf "a=%d b=%S c=[%s]\n" a b (String.concat ";" (List.map string_of_float c));
  let rec show = function Circle r -> Printf.sprintf "C%g" r | Rect (w, h) -> Printf.sprintf "R%gx%g" w h
                        | Group l -> "G[" ^ String.concat "," (List.map show l) ^ "]" in
  Printf.printf "d=%s\n" (show d);
  Printf.printf "e: %d arrays, e.(999) = [%s]\n" (Array.length e) (String.concat ";" (Array.to_list (Array.map Int64.to_string e.(999))));
  Printf.printf "line=%S\n" line;
  Printf.printf "f length %d, g %ld, h %nd\n" (String.length f) g h;
  Printf.printf "at end: pos %d = length %d\n" (pos_in ic) (in_channel_length ic);
  (match (input_value ic : int) with _ -> print_endline "read past end?" | exception End_of_file -> print_endline "End_of_file at end");
  close_in ic;
  (* truncated data *)
  let s = Marshal.to_string (List.init 100 Fun.id) [] in
  let oc = open_out_bin name in
  output_string oc (String.sub s 0 (String.length s / 2));
  close_out oc;
  let ic = open_in_bin name in
  (match (input_value ic : int list) with
   | _ -> print_endline "read truncated data?"
   | exception End_of_file -> print_endline "truncated: End_of_file"
   | exception Failure m -> Printf.printf "truncated: Failure %S\n" m);
  close_in ic;
  (* bad magic number *)
  let oc = open_out_bin name in
  output_string oc (String.make 40 'x');
  close_out oc;
  let ic = open_in_bin name in
  (match (input_value ic : int list) with
   | _ -> print_endline "read garbage?"
   | exception Failure m -> Printf.printf "bad magic: Failure %S\n" m);
  close_in ic;
  Sys.remove name;
  Printf.printf "removed: %b\n" (not (Sys.file_exists name))
