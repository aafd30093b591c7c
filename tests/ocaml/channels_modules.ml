(* The In_channel and Out_channel modules (OCaml 4.14+): with_open_*, input_all,
   input_line, fold_lines, input_lines, really_input_string, seek/pos/length,
   set_binary_mode, Out_channel.output_* and flush behaviour, is_buffered, and
   stdout/stderr interleaving with explicit flushes. *)

let () =
  let name = Filename.temp_file "warden_chan" ".txt" in
  Out_channel.with_open_text name (fun oc ->
      Out_channel.output_string oc "alpha\nbeta\n";
      Out_channel.output_char oc 'g';
      Out_channel.output_substring oc "xxgammaxx" 2 5;
      Out_channel.output_bytes oc (Bytes.of_string "\ndelta\n");
      Printf.fprintf oc "epsilon %d\n" 5);
  let all = In_channel.with_open_text name In_channel.input_all in
  Printf.printf "input_all: %S\n" all;
  let lines = In_channel.with_open_text name In_channel.input_lines in
  Printf.printf "input_lines: [%s]\n" (String.concat "|" lines);
  let total = In_channel.with_open_text name (In_channel.fold_lines (fun acc l -> acc + String.length l) 0) in
  Printf.printf "fold_lines total length: %d\n" total;
  In_channel.with_open_bin name (fun ic ->
      Printf.printf "length %Ld\n" (In_channel.length ic);
      In_channel.seek ic 6L;
      Printf.printf "line after seek: %s\n" (Option.value ~default:"-" (In_channel.input_line ic));
      Printf.printf "pos %Ld\n" (In_channel.pos ic);
      Printf.printf "really_input_string 3: %s\n" (Option.value ~default:"-" (In_channel.really_input_string ic 3));
      Printf.printf "input_char: %s\n" (match In_channel.input_char ic with Some c -> String.make 1 c | None -> "-");
      Printf.printf "input_byte: %s\n" (match In_channel.input_byte ic with Some b -> string_of_int b | None -> "-");
      let buf = Bytes.create 4 in
      let n = In_channel.input ic buf 0 4 in
      Printf.printf "input: %d %S\n" n (Bytes.sub_string buf 0 n);
      Printf.printf "really_input: %s\n" (match In_channel.really_input ic buf 0 4 with Some () -> Bytes.to_string buf | None -> "None");
      In_channel.seek ic (In_channel.length ic);
      Printf.printf "at end: input_line %s, input_char %s, really_input_string %s, is_binary_mode %b\n"
        (match In_channel.input_line ic with None -> "None" | Some _ -> "Some")
        (match In_channel.input_char ic with None -> "None" | Some _ -> "Some")
        (match In_channel.really_input_string ic 1 with None -> "None" | Some _ -> "Some")
        (In_channel.is_binary_mode ic));
  (* Out_channel with_open_gen, append *)
  Out_channel.with_open_gen [ Open_append; Open_creat; Open_wronly ] 0o600 name (fun oc ->
      Printf.printf "append pos starts at %Ld\n" (Out_channel.pos oc);
      Out_channel.output_string oc "zeta\n";
      Printf.printf "out length %Ld\n" (Out_channel.length oc));
  Printf.printf "last line: %s\n" (List.nth (In_channel.with_open_text name In_channel.input_lines) 5);
  (* exceptions from with_open are re-raised after closing *)
  (match In_channel.with_open_text name (fun _ -> raise Exit) with
   | _ -> () | exception Exit -> print_endline "Exit propagated out of with_open_text");
  Sys.remove name;
  (* buffering on stdout *)
  Printf.printf "stdout is_buffered %b, stderr is_buffered %b\n" (Out_channel.is_buffered stdout) (Out_channel.is_buffered stderr);
  print_string "stdout before flush; ";
  Out_channel.flush stdout;
  prerr_string "stderr line\n";
  Out_channel.flush stderr;
  Out_channel.set_buffered stdout false;
  print_string "unbuffered stdout\n";
  Out_channel.set_buffered stdout true;
  Out_channel.output_string Out_channel.stdout "via Out_channel.stdout\n";
  Out_channel.flush_all ();
  (* In_channel.stdin is stdin: empty here *)
  Printf.printf "stdin input_all: %S\n" (In_channel.input_all In_channel.stdin)
