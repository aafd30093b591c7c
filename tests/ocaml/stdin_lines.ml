(* Reading stdin line by line until End_of_file (see stdin_lines.stdin): counts lines,
   words and characters, keeps CR characters, handles an empty line and a final line
   without newline, and prints the lines sorted and reversed. *)

let () =
  let lines = ref [] in
  (try while true do lines := input_line stdin :: !lines done with End_of_file -> ());
  let lines = List.rev !lines in
  let words = List.concat_map (fun l -> List.filter (fun w -> w <> "") (String.split_on_char ' ' l)) lines in
  let chars = List.fold_left (fun acc l -> acc + String.length l) 0 lines in
  Printf.printf "%d lines, %d words, %d chars\n" (List.length lines) (List.length words) chars;
  List.iteri (fun i l -> Printf.printf "%2d %S\n" (i + 1) l) lines;
  print_endline "-- sorted";
  List.iter print_endline (List.sort compare lines);
  print_endline "-- words by frequency";
  let h = Hashtbl.create 16 in
  List.iter (fun w -> let w = String.lowercase_ascii w in Hashtbl.replace h w (1 + Option.value ~default:0 (Hashtbl.find_opt h w))) words;
  let freq = List.sort (fun (w1, c1) (w2, c2) -> if c1 <> c2 then compare c2 c1 else compare w1 w2) (Hashtbl.fold (fun w c acc -> (w, c) :: acc) h []) in
  List.iter (fun (w, c) -> if c > 1 then Printf.printf "%s %d\n" w c) freq;
  (* reading again at end of input keeps raising End_of_file *)
  (match input_line stdin with _ -> print_endline "more?" | exception End_of_file -> print_endline "still End_of_file");
  (match In_channel.input_line stdin with None -> print_endline "In_channel.input_line: None" | Some _ -> print_endline "more?")
