(* Mapped files are unmapped when their bigarrays (and sub-arrays) are collected: 500 maps
   leave /proc/self/maps about as long as it was. *)
let maps () = let ic = open_in "/proc/self/maps" in let n = ref 0 in (try while true do ignore (input_line ic); incr n done with End_of_file -> ()); close_in ic; !n
let () =
  let f = Filename.temp_file "map" ".bin" in
  let fd = Unix.openfile f [Unix.O_RDWR] 0o600 in
  let once () = let a = Unix.map_file fd Bigarray.char Bigarray.c_layout true [|4096|] in
    let a = Bigarray.array1_of_genarray a in let s = Bigarray.Array1.sub a 10 20 in s.{0} <- 'x'; ignore (Sys.opaque_identity s) in
  for _ = 1 to 20 do once () done; Gc.full_major ();
  let before = maps () in
  for _ = 1 to 500 do once () done; Gc.full_major (); Gc.full_major ();
  Printf.printf "grew by more than 100: %b\n" (maps () - before > 100);
  Unix.close fd; Sys.remove f
