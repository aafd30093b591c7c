(* Thread.create/join/self/id, Mutex, Condition, Semaphore and Event between threads. *)

let () =
  Printf.printf "main id %d\n%!" (Thread.id (Thread.self ()));
  (* ids are handed out in creation order *)
  let ts = List.init 3 (fun i -> Thread.create (fun x -> ignore (x * 2)) i) in
  List.iter (fun t -> Printf.printf "created id %d\n" (Thread.id t)) ts;
  List.iter Thread.join ts;
  (* a thread's result through a shared ref, after join *)
  let r = ref 0 in
  let t = Thread.create (fun n -> r := List.fold_left ( + ) 0 (List.init n Fun.id)) 1000 in
  Thread.join t;
  Printf.printf "sum %d\n" !r;
  (* self inside a thread *)
  let seen = ref (-1) in
  let t = Thread.create (fun () -> seen := Thread.id (Thread.self ())) () in
  Thread.join t;
  Printf.printf "self inside = id: %b\n" (!seen = Thread.id t);
  (* a mutex-protected counter with yields *)
  let m = Mutex.create () and c = ref 0 in
  let ts =
    List.init 5 (fun _ ->
        Thread.create
          (fun () ->
            for _ = 1 to 2000 do
              Mutex.lock m;
              let v = !c in
              if v mod 97 = 0 then Thread.yield ();
              c := v + 1;
              Mutex.unlock m
            done)
          ())
  in
  List.iter Thread.join ts;
  Printf.printf "counter %d\n" !c;
  (* producer/consumer on a bounded queue with conditions *)
  let q = Queue.create () and qm = Mutex.create () in
  let nonempty = Condition.create () and nonfull = Condition.create () in
  let producer () =
    for i = 1 to 500 do
      Mutex.lock qm;
      while Queue.length q >= 4 do Condition.wait nonfull qm done;
      Queue.push i q;
      Condition.signal nonempty;
      Mutex.unlock qm
    done
  in
  let total = ref 0 in
  let consumer () =
    for _ = 1 to 500 do
      Mutex.lock qm;
      while Queue.is_empty q do Condition.wait nonempty qm done;
      total := !total + Queue.pop q;
      Condition.signal nonfull;
      Mutex.unlock qm
    done
  in
  let p = Thread.create producer () and k = Thread.create consumer () in
  Thread.join p;
  Thread.join k;
  Printf.printf "consumed %d\n" !total;
  (* a counting semaphore limits concurrency *)
  let s = Semaphore.Counting.make 2 and inside = ref 0 and most = ref 0 in
  let sm = Mutex.create () in
  let worker () =
    Semaphore.Counting.acquire s;
    Mutex.lock sm;
    incr inside;
    if !inside > !most then most := !inside;
    Mutex.unlock sm;
    Thread.delay 0.01;
    Mutex.lock sm;
    decr inside;
    Mutex.unlock sm;
    Semaphore.Counting.release s
  in
  let ts = List.init 6 (fun _ -> Thread.create worker ()) in
  List.iter Thread.join ts;
  Printf.printf "at most %d inside\n" !most;
  (* Event: synchronous channels, select, choose, wrap *)
  let ch = Event.new_channel () and back = Event.new_channel () in
  let t =
    Thread.create
      (fun () ->
        for _ = 1 to 3 do
          let v = Event.sync (Event.receive ch) in
          Event.sync (Event.send back (v * v))
        done)
      ()
  in
  for i = 1 to 3 do
    Event.sync (Event.send ch i);
    Printf.printf "squared %d\n" (Event.sync (Event.receive back))
  done;
  Thread.join t;
  let a = Event.new_channel () and b = Event.new_channel () in
  let t = Thread.create (fun () -> Event.sync (Event.send b "from b")) () in
  let got =
    Event.select
      [ Event.wrap (Event.receive a) (fun s -> "a: " ^ s);
        Event.wrap (Event.receive b) (fun s -> "b: " ^ s) ]
  in
  print_endline got;
  Thread.join t;
  print_endline (Event.sync (Event.choose [ Event.always "always"; Event.receive a ]));
  (* Thread.exit ends only the calling thread *)
  let after = ref false in
  let t = Thread.create (fun () -> (Thread.exit [@alert "-deprecated"]) (); after := true) () in
  Thread.join t;
  Printf.printf "after exit: %b\n" !after;
  (* join on a thread that already ended, twice *)
  let t = Thread.create ignore () in
  Thread.delay 0.01;
  Thread.join t;
  Thread.join t;
  print_endline "done"
