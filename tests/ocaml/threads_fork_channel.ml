(* fork while another thread is blocked inside a channel write: that thread holds the
   channel's lock, and it does not exist in the child, which must still be able to use the
   channel (the stock runtime re-initialises every channel's lock in the child). *)

let () =
  let rd, wr = Unix.pipe () in
  let oc = Unix.out_channel_of_descr wr in
  (* More than a pipe holds: the writer blocks in the middle of its flush. *)
  let chunk = String.make 65536 'x' in
  let writer =
    Thread.create
      (fun () ->
        for _ = 1 to 8 do output_string oc chunk done;
        flush oc;
        print_endline "writer finished")
      ()
  in
  Thread.delay 0.2;
  match Unix.fork () with
  | 0 ->
      (* Takes the channel's lock; nothing is written, so nothing blocks. *)
      set_binary_mode_out oc true;
      Printf.printf "child: channel usable, pos_out %b\n%!" (pos_out oc > 0);
      Unix._exit 0
  | pid ->
      let rec wait_child tries =
        match Unix.waitpid [ Unix.WNOHANG ] pid with
        | 0, _ when tries > 0 -> Thread.delay 0.05; wait_child (tries - 1)
        | 0, _ ->
            Unix.kill pid Sys.sigkill;
            ignore (Unix.waitpid [] pid);
            print_endline "child stuck on the channel lock"
        | _, Unix.WEXITED n -> Printf.printf "child exited %d\n%!" n
        | _ -> print_endline "child died"
      in
      wait_child 200;
      let buf = Bytes.create 65536 in
      let total = ref 0 in
      let reader =
        Thread.create
          (fun () ->
            let rec loop () =
              let n = Unix.read rd buf 0 65536 in
              if n > 0 then (total := !total + n; loop ())
            in
            loop ())
          ()
      in
      Thread.join writer;
      close_out oc;
      Thread.join reader;
      Printf.printf "parent read %d bytes\n" !total
