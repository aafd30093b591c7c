(* Channel I/O from several domains while others collect. One domain reads stdin line by
   line (a read that blocks, when stdin is a pipe or a terminal, must not stop the other
   domains) while the main domain and another allocate and run full major collections; then
   two domains write to one channel at once, a domain marshals a large value to a file and
   another reads it back, and digests are taken, with collections running meanwhile. Every
   result is printed by the main domain, after the joins. *)

let reader () =
  let rec loop n total acc =
    match input_line stdin with
    | line ->
      (* Allocate per line, so the reader's own values must survive the others' GCs. *)
      let words = String.split_on_char ' ' line in
      loop (n + 1) (total + String.length line) ((String.uppercase_ascii line, List.length words) :: acc)
    | exception End_of_file -> (n, total, List.rev acc)
  in
  loop 0 0 []

let churn seed rounds =
  let sum = ref 0 in
  for r = 1 to rounds do
    let l = List.init 2000 (fun i -> (i * seed + r, string_of_int (i + r))) in
    let a = Array.of_list l in
    sum := !sum + Array.fold_left (fun acc (x, s) -> acc + x + String.length s) 0 a;
    if r mod 10 = 0 then Gc.full_major ()
  done;
  !sum

let stdin_part () =
  let r = Domain.spawn reader in
  let c = Domain.spawn (fun () -> churn 7 30) in
  let mine = churn 3 30 in
  let n, total, lines = Domain.join r in
  let theirs = Domain.join c in
  Printf.printf "stdin: %d lines, %d bytes\n" n total;
  List.iteri
    (fun i (l, w) -> if i < 4 || i >= n - 2 then Printf.printf "  %3d (%d words): %s\n" i w l)
    lines;
  Printf.printf "churn: %d %d\n" mine theirs

(* Two domains write whole lines to one channel: each [output_string] holds the channel for
   the whole call, flushes included, so lines never mix. *)
let shared_output_part () =
  let file = Filename.temp_file "domain_io" ".txt" in
  let oc = open_out_bin file in
  let writer tag () =
    for i = 1 to 4000 do
      output_string oc (Printf.sprintf "%c %05d %s\n" tag i (String.make 40 tag))
    done
  in
  let w1 = Domain.spawn (writer 'A') and w2 = Domain.spawn (writer 'B') in
  Gc.full_major ();
  Domain.join w1;
  Domain.join w2;
  Printf.printf "pos_out %d\n" (pos_out oc);
  close_out oc;
  let ic = open_in_bin file in
  let len = in_channel_length ic in
  let counts = Hashtbl.create 2 and last = Hashtbl.create 2 and bad = ref 0 in
  (try
     while true do
       let l = input_line ic in
       match String.split_on_char ' ' l with
       | [ t; i; body ] when String.length t = 1 && body = String.make 40 t.[0] ->
         let i = int_of_string i in
         let prev = Option.value (Hashtbl.find_opt last t) ~default:0 in
         if i <> prev + 1 then incr bad;
         Hashtbl.replace last t i;
         Hashtbl.replace counts t (1 + Option.value (Hashtbl.find_opt counts t) ~default:0)
       | _ -> incr bad
     done
   with End_of_file -> ());
  close_in ic;
  Sys.remove file;
  Printf.printf "shared file: %d bytes, A %d, B %d, bad %d\n" len
    (Hashtbl.find counts "A") (Hashtbl.find counts "B") !bad

(* A value of a few hundred kilobytes goes through a file: written by one domain, read back
   by another, each while a third collects. *)
let marshal_part () =
  let file = Filename.temp_file "domain_io" ".bin" in
  let value = List.init 30000 (fun i -> (i, string_of_int (i * i), [| float_of_int i |])) in
  let stop = Atomic.make false in
  let rec collector () =
    ignore (Sys.opaque_identity (List.init 1000 (fun i -> Some i)));
    Gc.full_major ();
    if not (Atomic.get stop) then collector ()
  in
  let g = Domain.spawn collector in
  let w =
    Domain.spawn (fun () ->
        let oc = open_out_bin file in
        output_value oc value;
        output_value oc (List.length value);
        close_out oc)
  in
  Domain.join w;
  let r =
    Domain.spawn (fun () ->
        let ic = open_in_bin file in
        let (v : (int * string * float array) list) = input_value ic in
        let (n : int) = input_value ic in
        let eof = match input_value ic with (_ : int) -> false | exception End_of_file -> true in
        seek_in ic 0;
        let d = Digest.to_hex (Digest.channel ic (-1)) in
        close_in ic;
        (v, n, eof, d))
  in
  let v, n, eof, d = Domain.join r in
  Atomic.set stop true;
  Domain.join g;
  Printf.printf "marshal: equal %b, length %d, eof %b\n" (v = value) n eof;
  Printf.printf "digest of the file: %s (same as Digest.file: %b)\n" d (d = Digest.to_hex (Digest.file file));
  let ic = open_in_bin file in
  let d100 = Digest.to_hex (Digest.channel ic 100) in
  Printf.printf "first 100 bytes: %s, pos_in %d\n" d100 (pos_in ic);
  close_in ic;
  Sys.remove file

let () =
  stdin_part ();
  shared_output_part ();
  marshal_part ();
  print_endline "done"
