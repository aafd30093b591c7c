(* Runtime events of the collector, read back in the same process: explicit GC phases,
   minor collections and major cycles in matched begin/end pairs, the compaction's steps in
   order, counters, and the ring's lifecycle. *)
open Runtime_events

let phases : (runtime_phase, int) Hashtbl.t = Hashtbl.create 16
let open_phases : (runtime_phase, unit) Hashtbl.t = Hashtbl.create 16
let order = ref []
let counters : (runtime_counter, unit) Hashtbl.t = Hashtbl.create 16
let lifecycles = ref []

(* Phases some of which may have begun before the ring started are left out. *)
let tracked = function
  | EV_EXPLICIT_GC_FULL_MAJOR | EV_EXPLICIT_GC_MINOR | EV_EXPLICIT_GC_MAJOR
  | EV_EXPLICIT_GC_COMPACT | EV_EXPLICIT_GC_STAT | EV_EXPLICIT_GC_SET
  | EV_MAJOR_FINISH_CYCLE | EV_MINOR | EV_COMPACT | EV_COMPACT_EVACUATE
  | EV_COMPACT_FORWARD | EV_COMPACT_RELEASE -> true
  | _ -> false

let runtime_begin _ _ phase =
  if tracked phase then begin
  if Hashtbl.mem open_phases phase then
    Printf.printf "nested begin: %s\n" (runtime_phase_name phase);
  Hashtbl.replace open_phases phase ();
  (match phase with
   | EV_COMPACT | EV_COMPACT_EVACUATE | EV_COMPACT_FORWARD | EV_COMPACT_RELEASE ->
       order := ("begin " ^ runtime_phase_name phase) :: !order
   | _ -> ())
  end

let runtime_end _ _ phase =
  if tracked phase then begin
  if not (Hashtbl.mem open_phases phase) then
    Printf.printf "end without begin: %s\n" (runtime_phase_name phase);
  Hashtbl.remove open_phases phase;
  (match phase with
   | EV_COMPACT | EV_COMPACT_EVACUATE | EV_COMPACT_FORWARD | EV_COMPACT_RELEASE ->
       order := ("end " ^ runtime_phase_name phase) :: !order
   | _ -> ());
  let n = try Hashtbl.find phases phase with Not_found -> 0 in
  Hashtbl.replace phases phase (n + 1)
  end

let runtime_counter _ _ c _ = Hashtbl.replace counters c ()

let lifecycle _ _ ev data =
  lifecycles := (lifecycle_name ev, Option.is_some data) :: !lifecycles

let count p = try Hashtbl.find phases p with Not_found -> 0

let () =
  (match create_cursor None with
   | _ -> print_endline "cursor before start?"
   | exception Failure msg -> Printf.printf "Failure: %s\n" msg);
  start ();
  start ();
  Printf.printf "path given: %b\n" (Option.is_some (path ()));
  let cursor = create_cursor None in
  let callbacks =
    Callbacks.create ~runtime_begin ~runtime_end ~runtime_counter ~lifecycle ()
  in
  for _ = 1 to 5 do Gc.full_major () done;
  Gc.minor ();
  Gc.major ();
  Gc.compact ();
  ignore (Gc.stat ());
  Gc.set { (Gc.get ()) with Gc.minor_heap_size = 100_000 };
  let n = read_poll cursor callbacks None in
  Printf.printf "read something: %b\n" (n > 0);
  List.iter
    (fun p -> Printf.printf "%s: %d\n" (runtime_phase_name p) (count p))
    [ EV_EXPLICIT_GC_FULL_MAJOR; EV_EXPLICIT_GC_MINOR; EV_EXPLICIT_GC_MAJOR;
      EV_EXPLICIT_GC_COMPACT; EV_EXPLICIT_GC_STAT; EV_EXPLICIT_GC_SET;
      EV_MAJOR_FINISH_CYCLE; EV_MINOR; EV_COMPACT ];
  List.iter print_endline (List.rev !order);
  List.iter
    (fun c -> Printf.printf "counter %s: %b\n" (runtime_counter_name c) (Hashtbl.mem counters c))
    [ EV_C_FORCE_MINOR_SET_MINOR_HEAP_SIZE; EV_C_MINOR_PROMOTED; EV_C_MINOR_ALLOCATED;
      EV_C_MAJOR_HEAP_POOL_WORDS; EV_C_MAJOR_HEAP_POOL_LIVE_WORDS;
      EV_C_MAJOR_HEAP_POOL_LIVE_BLOCKS; EV_C_MAJOR_HEAP_POOL_FRAG_WORDS;
      EV_C_MAJOR_HEAP_LARGE_WORDS; EV_C_MAJOR_HEAP_LARGE_BLOCKS ];
  List.iter (fun (n, d) -> Printf.printf "lifecycle %s (data: %b)\n" n d) (List.rev !lifecycles);
  (* Paused, nothing is recorded; resumed, the resume is. *)
  pause ();
  Hashtbl.reset phases;
  lifecycles := [];
  Gc.full_major ();
  resume ();
  ignore (read_poll cursor callbacks None);
  Printf.printf "full majors while paused: %d\n" (count EV_EXPLICIT_GC_FULL_MAJOR);
  List.iter (fun (n, d) -> Printf.printf "lifecycle %s (data: %b)\n" n d) (List.rev !lifecycles);
  (* At most n events: Some n counts as the stock library counts it. *)
  Gc.full_major ();
  let a = read_poll cursor callbacks (Some 1) in
  let b = read_poll cursor callbacks None in
  Printf.printf "first poll %d, then %b\n" a (b > 0);
  free_cursor cursor;
  free_cursor cursor;
  (match read_poll cursor callbacks None with
   | _ -> print_endline "poll after free?"
   | exception Failure msg -> Printf.printf "Failure: %s\n" msg)
