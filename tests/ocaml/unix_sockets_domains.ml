(* A TCP echo server in a second domain: accept, recv and send block there (in blocking
   sections) while the main domain connects, talks and allocates, so collections happen
   while the server waits with a young receive buffer. *)
open Unix

let rounds = 50

let server srv =
  let c, _ = accept srv in
  let total = ref 0 in
  let rec loop () =
    let buf = Bytes.create 4096 in   (* young while recv blocks *)
    let n = recv c buf 0 4096 [] in
    if n > 0 then begin
      total := !total + n;
      let rec out o = if o < n then out (o + send c buf o (n - o) []) in
      out 0;
      loop ()
    end
  in
  loop ();
  close c;
  !total

let () =
  let srv = socket PF_INET SOCK_STREAM 0 in
  bind srv (ADDR_INET (inet_addr_loopback, 0));
  listen srv 1;
  let addr = getsockname srv in
  let d = Domain.spawn (fun () -> server srv) in
  let c = socket PF_INET SOCK_STREAM 0 in
  connect c addr;
  let garbage = ref [] in
  let ok = ref true in
  for i = 1 to rounds do
    let msg = Printf.sprintf "message %d %s" i (String.make (i * 37) (Char.chr (97 + i mod 26))) in
    let n = String.length msg in
    let sent = send_substring c msg 0 n [] in
    (* Allocate a lot meanwhile. *)
    for j = 1 to 2000 do garbage := [j; i] :: (if j mod 100 = 0 then [] else !garbage) done;
    Gc.minor ();
    let buf = Bytes.create n in
    let rec get o = if o < n then (let k = recv c buf o (n - o) [] in if k = 0 then o else get (o + k)) else o in
    let got = get 0 in
    if sent <> n || got <> n || Bytes.to_string buf <> msg then begin
      ok := false; Printf.printf "round %d: sent %d got %d\n" i sent got
    end
  done;
  shutdown c SHUTDOWN_SEND;
  let buf = Bytes.create 1 in
  Printf.printf "end of stream: %d\n" (recv c buf 0 1 []);
  let total = Domain.join d in
  Printf.printf "echoed %d rounds ok: %b, server total %d\n" rounds !ok total;
  close c; close srv
