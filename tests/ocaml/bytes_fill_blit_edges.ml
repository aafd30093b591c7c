(* Bytes.fill and blits at every short length (the inline word paths up to 16 bytes and the
   C library beyond), at every offset of a 40-byte buffer, overlapping blits both ways,
   zero lengths at odd offsets, the bound errors; Hashtbl.hash_param on integer and string
   roots with no meaningful value, one, and many. *)

let show b = String.map (fun c -> if c = '\000' then '.' else c) (Bytes.to_string b)

let guard name f =
  match f () with
  | () -> Printf.printf "%s ok\n" name
  | exception Invalid_argument m -> Printf.printf "%s Invalid_argument %s\n" name m

let () =
  let sum = ref 0 in
  for len = 0 to 40 do
    for off = 0 to 40 - len do
      let b = Bytes.make 40 '-' in
      Bytes.fill b off len (Char.chr (65 + (len + off) mod 26));
      sum := (!sum * 31 + Hashtbl.hash (Bytes.to_string b)) land 0xFFFFFF
    done
  done;
  Printf.printf "fill sweep %d\n" !sum;
  let b = Bytes.make 20 'x' in
  Bytes.fill b 3 0 'y';
  Bytes.fill b 20 0 'y';
  Bytes.fill b 0 20 'z';
  Bytes.fill b 19 1 'q';
  print_endline (show b);
  guard "fill past end" (fun () -> Bytes.fill b 15 6 'e');
  guard "fill negative offset" (fun () -> Bytes.fill b (-1) 3 'e');
  guard "fill negative length" (fun () -> Bytes.fill b 2 (-1) 'e');
  let src = String.init 40 (fun i -> Char.chr (48 + i)) in
  let sum = ref 0 in
  for len = 0 to 40 do
    for soff = 0 to 40 - len do
      let doff = (soff * 7 + len) mod (41 - len) in
      let d = Bytes.make 40 '.' in
      Bytes.blit_string src soff d doff len;
      let o = Bytes.of_string src in
      Bytes.blit o soff o doff len;
      sum := (!sum * 31 + Hashtbl.hash (Bytes.to_string d) + Hashtbl.hash (Bytes.to_string o))
             land 0xFFFFFF
    done
  done;
  Printf.printf "blit sweep %d\n" !sum;
  let o = Bytes.of_string "abcdefghijklmnopqrstuvwxyz0123456789" in
  Bytes.blit o 0 o 1 20;
  print_endline (Bytes.to_string o);
  Bytes.blit o 5 o 0 30;
  print_endline (Bytes.to_string o);
  Bytes.unsafe_blit o 100 o (-5) 0;
  Bytes.unsafe_blit_string "abc" (-7) o 400 0;
  print_endline (Bytes.to_string o);
  guard "blit past source" (fun () -> Bytes.blit o 30 o 0 7);
  guard "blit past destination" (fun () -> Bytes.blit o 0 o 30 7);
  guard "blit negative" (fun () -> Bytes.blit_string "abc" (-1) o 0 1);
  List.iter
    (fun (count, limit) ->
      List.iter
        (fun v -> Printf.printf "%d " (Hashtbl.hash_param count limit v))
        [ Obj.repr 0; Obj.repr (-1); Obj.repr max_int; Obj.repr ""; Obj.repr "a";
          Obj.repr "abcd"; Obj.repr "abcdefgh1"; Obj.repr (String.make 100 'z');
          Obj.repr (1, "x"); Obj.repr [ "a"; "b" ] ];
      print_newline ())
    [ (0, 0); (0, 10); (1, 0); (1, 1); (10, 100); (-1, 5); (5, -1) ];
  Printf.printf "%d %d %d\n" (Hashtbl.seeded_hash 7 "key") (Hashtbl.seeded_hash 7 42)
    (Hashtbl.hash 3.5)
