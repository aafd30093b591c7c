(* Sockets on the loopback and socketpairs: addresses, TCP and UDP exchanges, options,
   errors. Nothing needs the network. *)
[@@@alert "-deprecated"]
open Unix

let show_err f =
  try f () with
  | Unix_error (e, cmd, arg) ->
    Printf.printf "  Unix_error (%s, %S, %S)\n" (error_message e) cmd arg
  | Invalid_argument s -> Printf.printf "  Invalid_argument %S\n" s
  | Failure s -> Printf.printf "  Failure %S\n" s
  | Not_found -> print_endline "  Not_found"

let show_addr = function
  | ADDR_UNIX s -> Printf.sprintf "ADDR_UNIX %S" s
  | ADDR_INET (a, _) -> Printf.sprintf "ADDR_INET (%s, <port>)" (string_of_inet_addr a)

let port_of = function ADDR_INET (_, p) -> p | ADDR_UNIX _ -> -1

let () =
  Sys.set_signal Sys.sigpipe Sys.Signal_ignore;
  print_endline "inet addresses";
  List.iter (fun s ->
      match inet_addr_of_string s with
      | a -> Printf.printf "  %S -> %s (%d bytes)\n" s (string_of_inet_addr a)
               (String.length (Obj.magic a : string))
      | exception Failure m -> Printf.printf "  %S -> Failure %S\n" s m)
    ["127.0.0.1"; "0.0.0.0"; "255.255.255.255"; "1.2.3"; "01.2.3.4"; "256.1.1.1";
     "::1"; "::"; "fe80::1:2"; "::ffff:1.2.3.4"; "::1.2.3.4"; "1:0:0:2:0:0:0:3";
     "1:2:3:4:5:6:7:8"; "1::2::3"; "abc"; ""; "1.2.3.4\000"; "0:0:0:0:0:0:0:1"];
  Printf.printf "  constants: %s %s %s %s\n" (string_of_inet_addr inet_addr_any)
    (string_of_inet_addr inet_addr_loopback) (string_of_inet_addr inet6_addr_any)
    (string_of_inet_addr inet6_addr_loopback);
  print_endline "socketpair";
  let a, b = socketpair ~cloexec:true PF_UNIX SOCK_STREAM 0 in
  Printf.printf "  sockname %s peername %s\n" (show_addr (getsockname a)) (show_addr (getpeername b));
  let msg = Bytes.of_string "hello, socket" in
  let n = send a msg 0 5 [] in
  let buf = Bytes.make 20 '.' in
  let m = recv b buf 3 10 [MSG_PEEK] in
  let m2 = recv b buf 3 10 [] in
  Printf.printf "  sent %d, peeked %d, got %d: %S\n" n m m2 (Bytes.to_string buf);
  let n = send_substring b "back again" 5 5 [] in
  let m = recv a buf 0 20 [] in
  Printf.printf "  sent %d, read %d: %S\n" n m (Bytes.sub_string buf 0 m);
  show_err (fun () -> ignore (send a msg 10 10 []));
  show_err (fun () -> ignore (recv a buf (-1) 2 []));
  show_err (fun () -> ignore (recvfrom a buf 0 21 []));
  show_err (fun () -> ignore (sendto a msg 0 100 [] (ADDR_UNIX "x")));
  shutdown a SHUTDOWN_SEND;
  Printf.printf "  after shutdown recv -> %d\n" (recv b buf 0 20 []);
  show_err (fun () -> ignore (send a msg 0 1 []));
  Printf.printf "  SO_TYPE %b, SO_ERROR %s\n" (getsockopt_int a SO_TYPE = 1)
    (match getsockopt_error a with None -> "None" | Some e -> error_message e);
  close a; close b;
  print_endline "big transfer";
  let a, b = socketpair PF_UNIX SOCK_STREAM 0 in
  setsockopt_int a SO_SNDBUF 300000;
  let big = Bytes.make 100000 'x' in
  let n = send a big 0 100000 [] in
  Printf.printf "  send of 100000 sent %d\n" n;
  let big2 = Bytes.make 100000 '-' in
  let m = recv b big2 0 100000 [] in
  Printf.printf "  recv of 100000 got %d\n" m;
  close a; close b;
  print_endline "unix addresses";
  let dir = Filename.concat (Filename.get_temp_dir_name ()) "usock" in
  Sys.mkdir dir 0o700;
  let path = Filename.concat dir "s" in
  let s = socket PF_UNIX SOCK_STREAM 0 in
  Printf.printf "  unbound: %s\n" (show_addr (getsockname s));
  bind s (ADDR_UNIX path);
  Printf.printf "  bound: %b\n" (getsockname s = ADDR_UNIX path);
  listen s 5;
  let c = socket PF_UNIX SOCK_STREAM 0 in
  connect c (ADDR_UNIX path);
  let d, peer = accept ~cloexec:true s in
  Printf.printf "  accepted peer %s; client peer ok %b\n" (show_addr peer) (getpeername c = ADDR_UNIX path);
  ignore (send_substring c "ping" 0 4 []);
  let buf = Bytes.create 10 in
  let k = recv d buf 0 10 [] in
  Printf.printf "  server read %S\n" (Bytes.sub_string buf 0 k);
  List.iter close [c; d; s];
  Sys.remove path;
  show_err (fun () -> let s = socket PF_UNIX SOCK_STREAM 0 in
             Fun.protect ~finally:(fun () -> close s)
               (fun () -> bind s (ADDR_UNIX (String.make 200 'a'))));
  show_err (fun () -> let s = socket PF_UNIX SOCK_STREAM 0 in
             Fun.protect ~finally:(fun () -> close s)
               (fun () -> bind s (ADDR_UNIX "a\000b")));
  show_err (fun () -> let s = socket PF_UNIX SOCK_STREAM 0 in
             Fun.protect ~finally:(fun () -> close s)
               (fun () -> connect s (ADDR_UNIX (Filename.concat dir "none"))));
  let s = socket PF_UNIX SOCK_DGRAM 0 in
  bind s (ADDR_UNIX "\000warden-abstract-test");
  Printf.printf "  abstract: %s\n" (show_addr (getsockname s));
  close s;
  Sys.rmdir dir;
  print_endline "tcp on loopback";
  let srv = socket PF_INET SOCK_STREAM 0 in
  setsockopt srv SO_REUSEADDR true;
  Printf.printf "  SO_REUSEADDR %b\n" (getsockopt srv SO_REUSEADDR);
  bind srv (ADDR_INET (inet_addr_loopback, 0));
  listen srv 1;
  Printf.printf "  SO_ACCEPTCONN %b\n" (getsockopt srv SO_ACCEPTCONN);
  let addr = getsockname srv in
  Printf.printf "  bound %s, port > 0: %b\n" (show_addr addr) (port_of addr > 0);
  let cl = socket PF_INET SOCK_STREAM 0 in
  connect cl addr;
  let sv, peer = accept srv in
  Printf.printf "  peer %s same as client's name: %b\n" (show_addr peer) (peer = getsockname cl);
  Printf.printf "  client's peer is server: %b\n" (getpeername cl = addr);
  setsockopt cl TCP_NODELAY true;
  Printf.printf "  TCP_NODELAY %b\n" (getsockopt cl TCP_NODELAY);
  setsockopt_optint cl SO_LINGER (Some 3);
  Printf.printf "  SO_LINGER %s\n" (match getsockopt_optint cl SO_LINGER with None -> "None" | Some n -> string_of_int n);
  setsockopt_optint cl SO_LINGER None;
  Printf.printf "  SO_LINGER %s\n" (match getsockopt_optint cl SO_LINGER with None -> "None" | Some n -> string_of_int n);
  setsockopt_float cl SO_RCVTIMEO 1.5;
  Printf.printf "  SO_RCVTIMEO %g\n" (getsockopt_float cl SO_RCVTIMEO);
  show_err (fun () -> setsockopt_float cl SO_SNDTIMEO (-1.));
  show_err (fun () -> setsockopt srv IPV6_ONLY true);
  ignore (send_substring cl "echo me" 0 7 []);
  let buf = Bytes.create 16 in
  let k = recv sv buf 0 16 [] in
  ignore (send sv buf 0 k []);
  let k = recv cl buf 0 16 [] in
  Printf.printf "  echo %S\n" (Bytes.sub_string buf 0 k);
  set_nonblock sv;
  show_err (fun () -> ignore (recv sv buf 0 16 []));
  set_nonblock srv;
  show_err (fun () -> close (fst (accept srv)));
  List.iter close [cl; sv; srv];
  show_err (fun () -> let s = socket PF_INET SOCK_STREAM 0 in
             Fun.protect ~finally:(fun () -> close s)
               (fun () -> connect s addr));
  show_err (fun () -> ignore (getpeername stdin));
  show_err (fun () -> listen (Obj.magic 1000 : file_descr) 1);
  print_endline "udp on loopback";
  let u1 = socket PF_INET SOCK_DGRAM 0 and u2 = socket PF_INET SOCK_DGRAM 0 in
  bind u1 (ADDR_INET (inet_addr_loopback, 0));
  bind u2 (ADDR_INET (inet_addr_loopback, 0));
  let n = sendto_substring u2 "datagram!" 0 9 [] (getsockname u1) in
  let buf = Bytes.make 12 '_' in
  let k, from = recvfrom u1 buf 1 11 [] in
  Printf.printf "  sent %d, got %d %S from u2: %b\n" n k (Bytes.to_string buf) (from = getsockname u2);
  show_err (fun () -> ignore (getpeername u1));
  List.iter close [u1; u2];
  print_endline "ipv6 loopback";
  (match socket PF_INET6 SOCK_DGRAM 0 with
   | exception Unix_error _ -> print_endline "  (no ipv6)"
   | s ->
     (try
        setsockopt s IPV6_ONLY true;
        Printf.printf "  IPV6_ONLY %b\n" (getsockopt s IPV6_ONLY);
        bind s (ADDR_INET (inet6_addr_loopback, 0));
        let a = getsockname s in
        Printf.printf "  bound %s\n" (show_addr a);
        ignore (sendto_substring s "six" 0 3 [] a);
        let buf = Bytes.create 5 in
        let k, from = recvfrom s buf 0 5 [] in
        Printf.printf "  self datagram %S, from self: %b\n" (Bytes.sub_string buf 0 k) (from = a)
      with Unix_error (e, c, _) -> Printf.printf "  %s %s\n" c (error_message e));
     close s);
  print_endline "pending error";
  let s = socket PF_INET SOCK_STREAM 0 in
  set_nonblock s;
  (* The listener was closed: refused, at once or (EINPROGRESS) as a pending error. *)
  let rec wait i = match getsockopt_error s with
    | Some e -> "pending " ^ error_message e
    | None when i > 0 -> Domain.cpu_relax (); wait (i - 1)
    | None -> "no pending error" in
  let outcome = match connect s addr with
    | () -> "connected?"
    | exception Unix_error (EINPROGRESS, "connect", "") -> wait 10_000_000
    | exception Unix_error (e, c, _) -> c ^ ": " ^ error_message e in
  Printf.printf "  %s\n" (if outcome = "pending Connection refused" then "connect: Connection refused" else outcome);
  Printf.printf "  SO_ERROR as int now %d\n" (getsockopt_int s SO_ERROR);
  close s;
  let s = socket PF_UNIX SOCK_DGRAM 0 in
  bind s (ADDR_UNIX "");
  (match getsockname s with
   | ADDR_UNIX n -> Printf.printf "  autobind: %d bytes, abstract %b\n" (String.length n) (n <> "" && n.[0] = '\000')
   | ADDR_INET _ -> print_endline "  inet?");
  close s;
  print_endline "odd inet_addr values";
  List.iter (fun s -> Printf.printf "  %S -> %s\n" s (string_of_inet_addr (Obj.magic s : inet_addr)))
    [""; "a"; "abc"; "abcde"; "0123456789abcdefg"];
  print_endline "errors";
  show_err (fun () -> ignore (socket PF_INET SOCK_STREAM 9999));
  show_err (fun () -> ignore (socketpair PF_INET SOCK_STREAM 0));
  show_err (fun () -> shutdown stdin SHUTDOWN_ALL)
