(* String equality and ordering at every length around word boundaries, and blits of every
   small size and offset, overlapping within one bytes or not. *)

let () =
  let base = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH" in
  for n = 0 to 40 do
    let a = String.sub base 0 n in
    for m = 0 to 40 do
      let b = String.sub base 0 m in
      let b' = if m > 0 then String.mapi (fun i c -> if i = m - 1 then 'Z' else c) b else b in
      Printf.printf "%d%d%d%d%d" (Bool.to_int (a = b)) (Bool.to_int (a <> b))
        (compare a b) (Bool.to_int (String.equal a b')) (String.compare a b')
    done;
    print_newline ()
  done;
  (* equal contents in distinct blocks, one made by Bytes *)
  let s = Bytes.to_string (Bytes.of_string "hello, world") in
  Printf.printf "%b %b %b\n" (s = "hello, world") (s <> "hello, world!") ("" = String.make 0 'x');
  for n = 0 to 38 do
    for src = 0 to 5 do
      for dst = 0 to 5 do
        let b = Bytes.of_string base in
        Bytes.blit b src b dst n;
        let c = Bytes.make 48 '.' in
        Bytes.blit_string base src c dst n;
        print_string (Bytes.to_string b);
        print_char ' ';
        print_string (Bytes.to_string c);
        print_newline ()
      done
    done
  done;
  (match Bytes.blit (Bytes.create 4) 0 (Bytes.create 4) 1 4 with
   | () -> print_endline "no error"
   | exception Invalid_argument m -> print_endline m);
  (match Bytes.get (Bytes.create 4) 4 with
   | _ -> print_endline "no error"
   | exception Invalid_argument m -> print_endline m);
  (match Bytes.set (Bytes.create 4) (-1) 'c' with
   | () -> print_endline "no error"
   | exception Invalid_argument m -> print_endline m)
