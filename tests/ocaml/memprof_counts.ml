(* Gc.Memprof with a sampling rate of 1: every word is sampled, so the callbacks' counts
   are exact and the same under every runtime. *)

module MP = Gc.Memprof

type r7 = { a : int; b : int; c : int; d : int; e : int; f : int; g : int }

let[@inline never] mk7 i = { a = i; b = i; c = i; d = i; e = i; f = i; g = i }

(* Counts by block size, of the blocks of the sizes we care about. *)
let interesting sz = sz = 7 || sz = 300 || sz = 1000

let run_profile name ~keep work =
  let allocs_minor = ref 0 and allocs_major = ref 0 and samples = ref 0
  and promotes = ref 0 and deallocs_minor = ref 0 and deallocs_major = ref 0 in
  let tracker =
    { MP.alloc_minor = (fun info ->
          if interesting info.size then begin
            incr allocs_minor; samples := !samples + info.n_samples;
            Some info.size end else None);
      alloc_major = (fun info ->
          if interesting info.size then begin
            incr allocs_major; samples := !samples + info.n_samples;
            Some info.size end else None);
      promote = (fun sz -> incr promotes; Some sz);
      dealloc_minor = (fun _ -> incr deallocs_minor);
      dealloc_major = (fun _ -> incr deallocs_major) } in
  let t = MP.start ~sampling_rate:1. ~callstack_size:5 tracker in
  let kept = work () in
  Gc.minor ();
  if not keep then kept := [];
  Gc.full_major ();
  Gc.full_major ();
  MP.stop ();
  ignore (Sys.opaque_identity !kept);
  kept := [];
  Gc.full_major ();
  MP.discard t;
  Printf.printf "%s: minor %d major %d samples %d promote %d dealloc minor %d major %d\n%!"
    name !allocs_minor !allocs_major !samples !promotes !deallocs_minor !deallocs_major

let () =
  run_profile "records kept" ~keep:true (fun () ->
      let l = ref [] in
      for i = 1 to 1000 do l := Obj.repr (mk7 i) :: !l done;
      l);
  run_profile "records dropped" ~keep:false (fun () ->
      let l = ref [] in
      for i = 1 to 1000 do ignore (Sys.opaque_identity (mk7 i)) done;
      for i = 1 to 10 do l := Obj.repr (mk7 i) :: !l done;
      l);
  run_profile "arrays" ~keep:true (fun () ->
      let l = ref [] in
      for i = 1 to 20 do
        l := Obj.repr (Array.make 300 i) :: Obj.repr (Array.make 1000 0.5) :: !l
      done;
      l)

(* Exceptions raised by callbacks come out of the allocation (minor: the allocating
   instruction; major: the next poll point or [stop]). *)
exception Stop_here of string

let () =
  let armed = ref false in
  let tracker = { MP.null_tracker with
                  alloc_minor = (fun info ->
                      if !armed && info.size = 7 then raise (Stop_here "minor") else None);
                  alloc_major = (fun info ->
                      if !armed && info.size = 1000 then raise (Stop_here "major")
                      else None) } in
  let try_it name f =
    let _ = MP.start ~sampling_rate:1. tracker in
    armed := true;
    let r = f () in
    armed := false;
    (match r with
     | Ok () -> Printf.printf "%s: no exception\n" name
     | Error (Stop_here s) -> Printf.printf "%s: exception from %s\n" name s
     | Error e -> raise e);
    MP.stop ()
  in
  let guard f () = match f () with () -> Ok () | exception e -> Error e in
  let try_it name f = try_it name (guard f) in
  try_it "minor" (fun () -> ignore (Sys.opaque_identity (mk7 1)));
  try_it "major" (fun () ->
      ignore (Sys.opaque_identity (Array.make 1000 0));
      ignore (Sys.opaque_identity (ref 0)));
  try_it "none" (fun () -> ignore (Sys.opaque_identity (ref 0)))

(* The primitives' errors. *)
let () =
  let show f = match f () with
    | () -> print_endline "ok"
    | exception Failure s -> print_endline ("Failure: " ^ s)
    | exception Invalid_argument s -> print_endline ("Invalid_argument: " ^ s) in
  show (fun () -> MP.stop ());
  show (fun () -> ignore (MP.start ~sampling_rate:1.5 MP.null_tracker));
  show (fun () -> ignore (MP.start ~sampling_rate:0.5 ~callstack_size:(-1) MP.null_tracker));
  let t = MP.start ~sampling_rate:0.5 MP.null_tracker in
  show (fun () -> ignore (MP.start ~sampling_rate:0.5 MP.null_tracker));
  show (fun () -> MP.discard t);
  show (fun () -> MP.stop ());
  show (fun () -> MP.stop ());
  show (fun () -> MP.discard t);
  show (fun () -> MP.discard t)

(* Sources and call stacks: Marshal'd blocks, custom blocks' outside memory. *)
let () =
  let marshal = ref 0 and custom = ref 0 and normal_stacks = ref 0 in
  let data = Marshal.to_string (List.init 50 (fun i -> (i, i))) [] in
  let small = Marshal.to_string [1; 2; 3; 4; 5] [] in
  let count (info : MP.allocation) =
    (match info.source with
     | Marshal -> marshal := !marshal + info.n_samples
     | Custom -> custom := !custom + info.n_samples
     | Normal ->
       if Printexc.raw_backtrace_length info.callstack <= 3 then incr normal_stacks);
    None in
  let _ = MP.start ~sampling_rate:1. ~callstack_size:3
      { MP.null_tracker with alloc_minor = count; alloc_major = count } in
  let v : (int * int) list = Marshal.from_string data 0 in
  let w : int list = Marshal.from_string small 0 in
  ignore (Sys.opaque_identity w);
  let ba = Bigarray.Array1.create Bigarray.char Bigarray.c_layout 800 in
  MP.stop ();
  ignore (Sys.opaque_identity (v, ba));
  Printf.printf "marshal %d custom %d stacks ok %b\n" !marshal !custom (!normal_stacks > 0)

(* A lower rate: the counts are random, their mean is the rate. *)
let () =
  let samples = ref 0 in
  let _ = MP.start ~sampling_rate:0.1
      { MP.null_tracker with
        alloc_minor = (fun info -> samples := !samples + info.n_samples; None);
        alloc_major = (fun info -> samples := !samples + info.n_samples; None) } in
  for _ = 1 to 100_000 do ignore (Sys.opaque_identity (ref 0)) done;
  for _ = 1 to 100 do ignore (Sys.opaque_identity (Array.make 1000 0)) done;
  MP.stop ();
  let words = 100_000 * 2 + 100 * 1001 in
  let ratio = float_of_int !samples /. float_of_int words in
  Printf.printf "rate 0.1: %b\n" (abs_float (ratio -. 0.1) < 0.01)
