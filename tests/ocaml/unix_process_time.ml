(* Unix time: time, gettimeofday, times, gmtime, localtime, mktime. *)

let show_tm t =
  Printf.sprintf "%04d-%02d-%02d %02d:%02d:%02d wday %d yday %d dst %b"
    (t.Unix.tm_year + 1900) (t.Unix.tm_mon + 1) t.Unix.tm_mday t.Unix.tm_hour
    t.Unix.tm_min t.Unix.tm_sec t.Unix.tm_wday t.Unix.tm_yday t.Unix.tm_isdst

let try_unix name f =
  try f () with Unix.Unix_error (e, cmd, arg) ->
    Printf.printf "%s: Unix_error (%s, %S, %S)\n%!" name (Unix.error_message e) cmd arg

let () =
  let t = Unix.time () in
  let g = Unix.gettimeofday () in
  Printf.printf "time integral %b, recent %b, close to gettimeofday %b\n"
    (Float.of_int (truncate t) = t) (t > 1.6e9) (abs_float (g -. t) < 5.);
  let tm = Unix.times () in
  Printf.printf "times non-negative %b\n"
    (tm.Unix.tms_utime >= 0. && tm.Unix.tms_stime >= 0. && tm.Unix.tms_cutime >= 0.
     && tm.Unix.tms_cstime >= 0.);
  List.iter (fun d -> Printf.printf "gmtime %.1f: %s\n" d (show_tm (Unix.gmtime d)))
    [0.; 1.9; -1.; 86399.; 951782400.; 1709210096.5; 4102444800.; -2208988800.];
  (* local time, with the zone fixed to UTC *)
  Unix.putenv "TZ" "UTC";
  List.iter (fun d -> Printf.printf "localtime UTC %.0f: %s\n" d (show_tm (Unix.localtime d)))
    [0.; 1709210096.];
  let mk = { (Unix.gmtime 0.) with Unix.tm_year = 124; tm_mon = 1; tm_mday = 30;
             tm_hour = 25; tm_min = 61 } in
  let f, n = Unix.mktime mk in
  Printf.printf "mktime: %.0f %s\n" f (show_tm n);
  let f, n = Unix.mktime { mk with Unix.tm_mon = -1; tm_mday = 0; tm_hour = 0; tm_min = 0 } in
  Printf.printf "mktime: %.0f %s\n" f (show_tm n);
  Unix.putenv "TZ" "CET-1CEST,M3.5.0,M10.5.0/3";
  Printf.printf "localtime CET summer: %s\n" (show_tm (Unix.localtime 1720000000.));
  Printf.printf "localtime CET winter: %s\n" (show_tm (Unix.localtime 1700000000.));
  let f, n = Unix.mktime { mk with Unix.tm_mon = 6; tm_mday = 1; tm_hour = 12; tm_min = 0 } in
  Printf.printf "mktime CET: %.0f %s\n" f (show_tm n);
  try_unix "gmtime huge" (fun () -> ignore (Unix.gmtime 1e300));
  try_unix "localtime huge" (fun () -> ignore (Unix.localtime 1e300));
  try_unix "mktime huge" (fun () ->
    ignore (Unix.mktime { mk with Unix.tm_year = max_int / 2 }));
  try_unix "mktime year overflow" (fun () ->
    let f, n = Unix.mktime { mk with Unix.tm_year = 0x7fffffff } in
    Printf.printf "mktime big year: %.0f %s\n" f (show_tm n))
