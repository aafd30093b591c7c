(* A Hashtbl behind a Mutex filled by several domains, a Lazy value forced by one domain
   and read by others, and values marshalled in one domain and read in another. *)
let () =
  let tbl = Hashtbl.create 16 and m = Mutex.create () in
  let ds = List.init 4 (fun d -> Domain.spawn (fun () ->
    for i = 0 to 499 do
      Mutex.protect m (fun () -> Hashtbl.replace tbl (d * 1000 + i) (string_of_int i))
    done)) in
  List.iter Domain.join ds;
  Printf.printf "table size %d, sample %s\n" (Hashtbl.length tbl) (Hashtbl.find tbl 3042);
  let lz = lazy (List.init 1000 (fun i -> i) |> List.fold_left (+) 0) in
  let d = Domain.spawn (fun () -> Lazy.force lz) in
  let v = Domain.join d in
  Printf.printf "lazy %d %d %b\n" v (Lazy.force lz) (Lazy.is_val lz);
  let data = Domain.join (Domain.spawn (fun () ->
    Marshal.to_string ([1; 2; 3], "shared", [| 1.5; 2.5 |], Some (ref 7)) [])) in
  let (l, s, a, r) : int list * string * float array * int ref option = Marshal.from_string data 0 in
  Printf.printf "marshal %d %s %.1f %d\n" (List.length l) s a.(1) (match r with Some r -> !r | None -> 0);
  let q = Queue.create () and qm = Mutex.create () in
  let producer = Domain.spawn (fun () -> for i = 1 to 1000 do Mutex.protect qm (fun () -> Queue.push i q) done) in
  Domain.join producer;
  Printf.printf "queue %d %d\n" (Queue.length q) (Queue.fold (+) 0 q)
