(* A failed check in a spawned domain while the others are busy: one blocked on a condition
   (outside the world), one spinning on an atomic (parks at its polls), one allocating (takes
   part in collections), and the main domain waiting in Domain.join. The report must end the
   whole process with status 70 at once, whatever they do.
   Argument "pointer": a pointer into the middle of a block, found by the heap verification
   of a major cycle the spawned domain leads. Argument "poison": a free-major poison word
   followed as a pointer, a fault explained by the fault handler. *)
type r = { mutable f : Obj.t }

let bad_pointer () =
  let target = Array.make 10 1 in
  let r = { f = Obj.repr 0 } in
  Gc.full_major ();
  r.f <- Obj.add_offset (Obj.repr target) 8l;
  Gc.full_major ();
  ignore (Sys.opaque_identity (r, target))

let poison () =
  let r = ref (ref 0) in
  Obj.set_raw_field (Obj.repr r) 0 0xD701D7D7D701D6D8n;
  print_int !(!r)

let () =
  let m = Mutex.create () and c = Condition.create () in
  let running = Atomic.make true in
  let blocked = Domain.spawn (fun () ->
    Mutex.lock m;
    while Atomic.get running do Condition.wait c m done;
    Mutex.unlock m) in
  let spinner = Domain.spawn (fun () ->
    let n = ref 0 in
    while Atomic.get running do incr n done) in
  let allocator = Domain.spawn (fun () ->
    let l = ref [] in
    while Atomic.get running do
      l := [ 1; 2; 3 ] :: (if List.length !l > 1000 then [] else !l)
    done) in
  let faulty = Domain.spawn (if Sys.argv.(1) = "poison" then poison else bad_pointer) in
  Domain.join faulty;
  print_endline "not reached";
  Atomic.set running false;
  Domain.join spinner;
  Domain.join allocator;
  Mutex.lock m;
  Condition.broadcast c;
  Mutex.unlock m;
  Domain.join blocked
