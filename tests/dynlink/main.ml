(* Loads the plugins named on the command line, in order, and reports what each did. *)
let () =
  Printexc.record_backtrace true;
  Dynlink.allow_unsafe_modules true;
  for i = 1 to Array.length Sys.argv - 1 do
    let file = Dynlink.adapt_filename Sys.argv.(i) in
    Printf.printf "loading %s\n%!" (Filename.basename file);
    try Dynlink.loadfile file with
    | Dynlink.Error (Dynlink.Library's_module_initializers_failed e) ->
        Printf.printf "initializer failed: %s\n" (Printexc.to_string e);
        Printexc.print_backtrace stdout
    | Dynlink.Error e -> Printf.printf "error: %s\n" (Dynlink.error_message e)
  done;
  (* The registry filled by the plugins. *)
  List.iter (fun (name, f) -> Printf.printf "%s -> %d\n" name (f 20)) (List.rev !Registry.fns)
