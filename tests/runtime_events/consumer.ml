(* Reads the ring file of process argv.(1) in the current directory and prints what it
   finds. *)
open Runtime_events
let () =
  let pid = int_of_string Sys.argv.(1) in
  let c = create_cursor (Some (Sys.getcwd (), pid)) in
  let minors = ref 0 and fm = ref 0 in
  let cb = Callbacks.create ~runtime_end:(fun _ _ p -> match p with EV_MINOR -> incr minors | EV_EXPLICIT_GC_FULL_MAJOR -> incr fm | _ -> ())
    ~lifecycle:(fun _ _ l _ -> print_endline (lifecycle_name l)) ()
    |> Callbacks.add_user_event Type.int (fun _ _ ev n -> Printf.printf "%s %d\n" (User.name ev) n) in
  ignore (read_poll c cb None);
  Printf.printf "minors %d full majors %d\n" !minors !fm
