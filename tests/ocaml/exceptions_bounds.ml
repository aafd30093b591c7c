(* Invalid_argument from out-of-bounds accesses and bad arguments, with the exact
   messages the stdlib and runtime produce. *)

let show name f =
  match f () with
  | () -> Printf.printf "%-28s ok\n" name
  | exception Invalid_argument m -> Printf.printf "%-28s Invalid_argument %S\n" name m
  | exception Failure m -> Printf.printf "%-28s Failure %S\n" name m
  | exception e -> Printf.printf "%-28s %s\n" name (Printexc.to_string e)

let () =
  let a = [| 1; 2; 3 |] and fa = [| 1.0; 2.0 |] and s = "abc" and b = Bytes.of_string "xyz" in
  let i = int_of_string "3" and m = int_of_string "-1" in
  show "a.(3)" (fun () -> ignore a.(i));
  show "a.(-1)" (fun () -> ignore a.(m));
  show "a.(3) <- 0" (fun () -> a.(i) <- 0);
  show "fa.(2)" (fun () -> ignore fa.(i - 1));
  show "fa.(2) <- 0." (fun () -> fa.(i - 1) <- 0.);
  show "s.[3]" (fun () -> ignore s.[i]);
  show "s.[-1]" (fun () -> ignore s.[m]);
  show "Bytes.get b 3" (fun () -> ignore (Bytes.get b i));
  show "Bytes.set b -1" (fun () -> Bytes.set b m 'q');
  show "Array.get a 100" (fun () -> ignore (Array.get a 100));
  show "Array.sub a 2 5" (fun () -> ignore (Array.sub a 2 5));
  show "Array.make -1" (fun () -> ignore (Array.make m 0));
  show "Array.init -1" (fun () -> ignore (Array.init m (fun x -> x)));
  show "Array.blit" (fun () -> Array.blit a 0 a 2 5);
  show "Array.fill" (fun () -> Array.fill a 1 10 0);
  show "Array.make_matrix -1" (fun () -> ignore (Array.make_matrix m 2 0));
  show "Array.map2 lengths" (fun () -> ignore (Array.map2 ( + ) a [| 1 |]));
  show "Array.sub a 0 0" (fun () -> ignore (Array.sub a 0 0));
  show "String.sub s 1 5" (fun () -> ignore (String.sub s 1 5));
  show "String.sub s -1 1" (fun () -> ignore (String.sub s m 1));
  show "String.make -1" (fun () -> ignore (String.make m 'x'));
  show "String.init -1" (fun () -> ignore (String.init m (fun _ -> 'x')));
  show "String.index_from s 5" (fun () -> ignore (String.index_from s 5 'a'));
  show "String.rindex_from s 5" (fun () -> ignore (String.rindex_from s 5 'a'));
  show "String.blit" (fun () -> String.blit s 0 b 1 3);
  show "Bytes.sub b 3 1" (fun () -> ignore (Bytes.sub b 3 1));
  show "Bytes.blit" (fun () -> Bytes.blit b 2 b 0 2);
  show "Bytes.fill" (fun () -> Bytes.fill b 2 2 'z');
  show "Bytes.extend" (fun () -> ignore (Bytes.extend b (-4) 0));
  show "Bytes.get_int32_le 0" (fun () -> ignore (Bytes.get_int32_le b 0));
  show "Bytes.get_int16_be 2" (fun () -> ignore (Bytes.get_int16_be b 2));
  show "String.get_uint8 3" (fun () -> ignore (String.get_uint8 s 3));
  show "Char.chr 256" (fun () -> ignore (Char.chr 256));
  show "Char.chr -1" (fun () -> ignore (Char.chr m));
  show "List.init -1" (fun () -> ignore (List.init m Fun.id));
  show "List.nth" (fun () -> ignore (List.nth [] 0));
  show "List.combine" (fun () -> ignore (List.combine [1] []));
  show "List.iter2" (fun () -> List.iter2 (fun _ _ -> ()) [1] [1; 2]);
  show "List.hd []" (fun () -> ignore (List.hd []));
  show "List.tl []" (fun () -> ignore (List.tl []));
  show "Buffer.sub" (fun () -> ignore (Buffer.sub (Buffer.create 1) 0 1));
  show "Buffer.nth" (fun () -> ignore (Buffer.nth (Buffer.create 1) 0));
  show "Buffer.truncate" (fun () -> Buffer.truncate (Buffer.create 1) 5);
  show "String.concat ok" (fun () -> ignore (String.concat "," [ "a" ]));
  show "Float.Array.get" (fun () -> ignore (Float.Array.get (Float.Array.make 2 0.) 2));
  show "Sys.getenv missing" (fun () -> ignore (Sys.getenv "WARDEN_SURELY_UNSET_VARIABLE"));
  show "Random.int 0" (fun () -> ignore (Random.int 0));
  show "Hashtbl.create -1 is fine" (fun () -> ignore (Hashtbl.create m));
  show "Uchar.of_int 0xD800" (fun () -> ignore (Uchar.of_int 0xD800));
  show "input on closed channel" (fun () -> let ic = open_in_bin Sys.argv.(0) in close_in ic; ignore (input_char ic));
  show "String.get_utf_8_uchar 9" (fun () -> ignore (String.get_utf_8_uchar s 9));
  show "Bytes.create -1" (fun () -> ignore (Bytes.create m));
  show "Obj.field out of range ok" (fun () -> ());
  show "Array.concat" (fun () -> ignore (Array.concat [ a; a ]));
  show "Array.of_list" (fun () -> ignore (Array.of_list [ 1 ]));
  Printf.printf "a is now [|%s|]\n" (String.concat ";" (Array.to_list (Array.map string_of_int a)))
