(* The name services, on local data only: numeric lookups, localhost, /etc/protocols and
   /etc/services entries, and failures. The aliases of host and protocol entries are not
   printed: they come from the libc's databases (musl answers protocol lookups from a
   built-in table without aliases, and lists a numeric host's name as an alias), so the
   stock runtime itself gives other ones on another libc. The other answers (service aliases,
   getaddrinfo's entries) are the libc's too: under musl this program agrees with the stock
   runtime built with musl, not with the glibc one (see docs/sanitizers.md). *)
open Unix

let show_addr = function
  | ADDR_UNIX s -> Printf.sprintf "ADDR_UNIX %S" s
  | ADDR_INET (a, p) -> Printf.sprintf "ADDR_INET (%s, %d)" (string_of_inet_addr a) p

let dom = function PF_UNIX -> "PF_UNIX" | PF_INET -> "PF_INET" | PF_INET6 -> "PF_INET6"
let ty = function SOCK_STREAM -> "STREAM" | SOCK_DGRAM -> "DGRAM" | SOCK_RAW -> "RAW"
                | SOCK_SEQPACKET -> "SEQPACKET"

let show_ai l =
  List.iter (fun ai ->
      Printf.printf "    %s %s %d %s %S\n" (dom ai.ai_family) (ty ai.ai_socktype)
        ai.ai_protocol (show_addr ai.ai_addr) ai.ai_canonname)
    (List.sort compare l)

let try_ f = try f () with Not_found -> print_endline "  Not_found"

let () =
  Printf.printf "hostname nonempty: %b\n" (String.length (gethostname ()) > 0);
  try_ (fun () ->
      let h = gethostbyname "localhost" in
      Printf.printf "localhost: family %s, first %s\n" (dom h.h_addrtype)
        (string_of_inet_addr h.h_addr_list.(0)));
  try_ (fun () ->
      let h = gethostbyname "127.0.0.1" in
      Printf.printf "127.0.0.1: %S, family %s, %s\n" h.h_name
        (dom h.h_addrtype) (string_of_inet_addr h.h_addr_list.(0)));
  try_ (fun () -> ignore (gethostbyname "local\000host"));
  try_ (fun () ->
      let h = gethostbyaddr inet_addr_loopback in
      Printf.printf "gethostbyaddr loopback: first addr %s\n" (string_of_inet_addr h.h_addr_list.(0)));
  let proto n =
    try_ (fun () ->
        let p = getprotobyname n in
        Printf.printf "proto %s: %s %d\n" n p.p_name p.p_proto) in
  List.iter proto ["tcp"; "udp"; "icmp"; "nope"; "t\000cp"];
  List.iter (fun n -> try_ (fun () ->
      let p = getprotobynumber n in Printf.printf "proto %d: %s\n" n p.p_name)) [6; 17; 0; 9999; -1];
  List.iter (fun (s, p) -> try_ (fun () ->
      let e = getservbyname s p in
      Printf.printf "serv %s/%s: %s [%s] %d %s\n" s p e.s_name
        (String.concat "," (Array.to_list e.s_aliases)) e.s_port e.s_proto))
    ["http", "tcp"; "ssh", "tcp"; "domain", "udp"; "nope", "tcp"; "http", "x\000"];
  List.iter (fun (n, p) -> try_ (fun () ->
      let e = getservbyport n p in Printf.printf "port %d/%s: %s %d\n" n p e.s_name e.s_port))
    [80, "tcp"; 22, "tcp"; 53, "udp"; 1, "nope"; 65535 + 81, "tcp"];
  print_endline "getaddrinfo 127.0.0.1 80 numeric";
  show_ai (getaddrinfo "127.0.0.1" "80" [AI_NUMERICHOST]);
  print_endline "getaddrinfo ::1 stream";
  show_ai (getaddrinfo "::1" "" [AI_NUMERICHOST; AI_SOCKTYPE SOCK_STREAM]);
  print_endline "getaddrinfo passive inet udp";
  show_ai (getaddrinfo "" "53" [AI_PASSIVE; AI_FAMILY PF_INET; AI_SOCKTYPE SOCK_DGRAM]);
  print_endline "getaddrinfo canonname";
  show_ai (getaddrinfo "127.0.0.1" "" [AI_CANONNAME; AI_NUMERICHOST; AI_PROTOCOL 6]);
  print_endline "getaddrinfo failures";
  show_ai (getaddrinfo "not an address" "" [AI_NUMERICHOST]);
  show_ai (getaddrinfo "127.0.0.1" "nosuchservice" [AI_NUMERICHOST]);
  show_ai (getaddrinfo "127.0.0.1\000" "" []);
  print_endline "getnameinfo";
  let ni a o = try_ (fun () ->
      let r = getnameinfo a o in Printf.printf "  %S %S\n" r.ni_hostname r.ni_service) in
  ni (ADDR_INET (inet_addr_loopback, 80)) [NI_NUMERICHOST; NI_NUMERICSERV];
  ni (ADDR_INET (inet_addr_loopback, 80)) [NI_NUMERICHOST];
  ni (ADDR_INET (inet_addr_loopback, 53)) [NI_NUMERICHOST; NI_DGRAM];
  ni (ADDR_INET (inet6_addr_loopback, 22)) [NI_NUMERICHOST];
  (* The host name of a Unix address is the machine's: print only the service. *)
  (try Printf.printf "  unix service %S\n" (getnameinfo (ADDR_UNIX "/tmp/x") []).ni_service
   with Not_found -> print_endline "  Not_found");
  (try ni (ADDR_UNIX (String.make 300 'x')) []
   with Unix_error (e, c, a) ->
     (* The constructor, not its text: this program's other answers are the libc's, so under
        musl it is compared with the musl-built runtime, whose strerror texts are musl's. *)
     Printf.printf "  Unix_error %s %S %d\n" (if e = ENAMETOOLONG then "ENAMETOOLONG" else "other") c (String.length a))
