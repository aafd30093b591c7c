(* User events: registered before and after the ring starts, of every type (unit, int,
   span, custom), written and read back with their names, values and callbacks by type;
   unknown events; registration errors; an exception from a callback. *)
open Runtime_events

type User.tag += Unit_ev | Int_ev | Span_ev | Custom_ev | Silent_ev

let string_type =
  Type.register
    ~encode:(fun buf s ->
      let n = min (String.length s) (Bytes.length buf) in
      Bytes.blit_string s 0 buf 0 n;
      n)
    ~decode:(fun buf n -> Bytes.sub_string buf 0 n)

let unit_ev = User.register "test.unit" Unit_ev Type.unit
let int_ev = User.register "test.int" Int_ev Type.int

let tag_name = function
  | Unit_ev -> "Unit_ev" | Int_ev -> "Int_ev" | Span_ev -> "Span_ev"
  | Custom_ev -> "Custom_ev" | Silent_ev -> "Silent_ev" | _ -> "other"

let show ev = Printf.sprintf "%s/%s" (User.name ev) (tag_name (User.tag ev))

let () =
  start ();
  let span_ev = User.register "test.span" Span_ev Type.span in
  let custom_ev = User.register "test.custom" Custom_ev string_type in
  let silent_ev = User.register "test.silent" Silent_ev Type.int in
  ignore silent_ev;
  let cursor = create_cursor None in
  let seen = ref [] in
  let note s = seen := s :: !seen in
  let callbacks =
    Callbacks.create ()
    |> Callbacks.add_user_event Type.unit (fun d _ ev () ->
           note (Printf.sprintf "unit d%d %s" d (show ev)))
    |> Callbacks.add_user_event Type.int (fun d _ ev n ->
           note (Printf.sprintf "int d%d %s %d" d (show ev) n))
    |> Callbacks.add_user_event Type.span (fun d _ ev s ->
           note (Printf.sprintf "span d%d %s %s" d (show ev)
                   (match s with Type.Begin -> "begin" | Type.End -> "end")))
    |> Callbacks.add_user_event string_type (fun d _ ev s ->
           note (Printf.sprintf "custom d%d %s %S" d (show ev) s))
  in
  User.write unit_ev ();
  User.write int_ev 42;
  User.write int_ev (-7);
  User.write int_ev max_int;
  User.write span_ev Type.Begin;
  User.write custom_ev "";
  User.write custom_ev "hello, ring";
  User.write custom_ev (String.make 300 'x');
  User.write span_ev Type.End;
  let n = read_poll cursor callbacks None in
  Printf.printf "%d events\n" n;
  List.iter print_endline (List.rev !seen);
  (* Registration errors. *)
  (match User.register (String.make 128 'n') Silent_ev Type.unit with
   | _ -> print_endline "long name accepted?"
   | exception Invalid_argument m -> print_endline m);
  (match User.register "nul\000name" Silent_ev Type.unit with
   | _ -> print_endline "NUL accepted?"
   | exception Invalid_argument m -> print_endline m);
  (* An exception from a callback stops the poll and comes out of read_poll. *)
  let raising =
    Callbacks.create ()
    |> Callbacks.add_user_event Type.int (fun _ _ _ n -> if n = 2 then raise Exit)
  in
  List.iter (User.write int_ev) [ 1; 2; 3 ];
  (match read_poll cursor raising None with
   | n -> Printf.printf "no exception (%d)\n" n
   | exception Exit -> print_endline "Exit from the callback");
  let rest = read_poll cursor callbacks None in
  Printf.printf "after the exception: %d more\n" rest;
  free_cursor cursor
