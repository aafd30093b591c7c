(* Custom operations whose C serialize/deserialize raise (tests/stubs/wstub_rt.c): the
   exception comes out of Marshal, and marshalling works afterwards. *)
type flaky
external flaky : int -> flaky = "wstub_flaky"
external flaky_get : flaky -> int = "wstub_flaky_get"

let attempt name f =
  match f () with
  | s -> Printf.printf "%s: ok %s\n" name s
  | exception Failure m -> Printf.printf "%s: Failure %s\n" name m
  | exception Not_found -> Printf.printf "%s: Not_found\n" name
  | exception Invalid_argument m -> Printf.printf "%s: Invalid_argument %s\n" name m

let show l = String.concat "," (List.map (fun f -> string_of_int (flaky_get f)) l)

let roundtrip l =
  let s = Marshal.to_string (List.map flaky l) [] in
  show (Marshal.from_string s 0 : flaky list)

let () =
  List.iter
    (fun l -> attempt (String.concat ";" (List.map string_of_int l)) (fun () -> roundtrip l))
    [ [ 1; 2 ]; [ -1 ]; [ 3; -4 ]; [ 100 ]; [ 13 ]; [ 1; 14 ]; [ 15; 2 ]; [ 5 ] ];
  attempt "to_bytes" (fun () -> Bytes.to_string (Marshal.to_bytes (flaky (-2)) []));
  attempt "to_buffer" (fun () ->
      string_of_int (Marshal.to_buffer (Bytes.create 100) 0 100 (flaky (-3)) []));
  let file = Filename.temp_file "flaky" ".bin" in
  let oc = open_out_bin file in
  attempt "to_channel" (fun () -> Marshal.to_channel oc [ flaky 6; flaky (-5) ] []; "");
  Marshal.to_channel oc [ flaky 7; flaky 13 ] [];
  Marshal.to_channel oc [ flaky 8 ] [];
  close_out oc;
  let ic = open_in_bin file in
  attempt "input_value" (fun () -> show (input_value ic : flaky list));
  attempt "input_value again" (fun () -> show (input_value ic : flaky list));
  close_in ic;
  Sys.remove file;
  attempt "after" (fun () -> roundtrip [ 9; 10 ])
