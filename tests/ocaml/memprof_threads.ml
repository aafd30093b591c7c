(* Gc.Memprof with systhreads and domains: allocation callbacks run in the allocating
   thread; blocks sampled in a domain that ended are still followed (promotion,
   deallocation) by the domain that adopts them. Sampling rate 1, counts only. *)

module MP = Gc.Memprof

type r7 = { a : int; b : int; c : int; d : int; e : int; f : int; g : int }

let[@inline never] mk7 i = { a = i; b = i; c = i; d = i; e = i; f = i; g = i }

let allocs = Atomic.make 0
let wrong_thread = Atomic.make 0
let promotes = Atomic.make 0
let deallocs_minor = Atomic.make 0
let deallocs_major = Atomic.make 0
let current = ref (-1)
let counting = Atomic.make true

let tracker =
  { MP.null_tracker with
    alloc_minor = (fun info ->
        if info.size <> 7 || not (Atomic.get counting) then None
        else begin
          Atomic.incr allocs;
          if !current >= 0 && Thread.id (Thread.self ()) <> !current then
            Atomic.incr wrong_thread;
          Some ()
        end);
    promote = (fun () -> Atomic.incr promotes; Some ());
    dealloc_minor = (fun () -> Atomic.incr deallocs_minor);
    dealloc_major = (fun () -> Atomic.incr deallocs_major) }

let report name =
  Printf.printf "%s: allocs %d wrong thread %d promote %d dealloc minor %d major %d\n%!"
    name (Atomic.get allocs) (Atomic.get wrong_thread) (Atomic.get promotes)
    (Atomic.get deallocs_minor) (Atomic.get deallocs_major);
  List.iter (fun a -> Atomic.set a 0)
    [allocs; wrong_thread; promotes; deallocs_minor; deallocs_major]

let kept = ref []

let () =
  let t = MP.start ~sampling_rate:1. tracker in
  let m = Mutex.create () in
  let worker n () =
    for i = 1 to n do
      Mutex.lock m;
      current := Thread.id (Thread.self ());
      let r = mk7 i in
      current := -1;
      Mutex.unlock m;
      if i mod 2 = 0 then begin
        Mutex.lock m; kept := r :: !kept; Mutex.unlock m
      end;
      if i mod 50 = 0 then Thread.yield ()
    done in
  let ths = List.map (fun n -> Thread.create (worker n) ()) [200; 300] in
  worker 100 ();
  List.iter Thread.join ths;
  Gc.full_major ();
  kept := [];
  Gc.full_major ();
  MP.stop ();
  MP.discard t;
  report "threads"

let shared = Atomic.make []

(* The domain's own callbacks only: its allocations, and the promotions and deaths its
   own minor collection finds (what happens to its blocks after it ends depends on when it
   is gone, which [Domain.join] does not wait for). *)
let () =
  Atomic.set counting false;
  let t = MP.start ~sampling_rate:1. tracker in
  let d = Domain.spawn (fun () ->
      Atomic.set counting true;
      for i = 1 to 100 do
        let r = mk7 i in
        if i mod 4 = 0 then Atomic.set shared (r :: Atomic.get shared)
      done;
      Atomic.set counting false;
      Gc.minor ();
      Printf.printf "domain: allocs %d promote %d dealloc minor %d\n%!"
        (Atomic.get allocs) (Atomic.get promotes) (Atomic.get deallocs_minor)) in
  Domain.join d;
  MP.stop ();
  Atomic.set shared [];
  Gc.full_major ();
  MP.discard t
