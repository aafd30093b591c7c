(* Other domains keep running code while this domain loads the next plugins. *)
let stop = Atomic.make false
let workers =
  List.init 2 (fun i ->
      Domain.spawn (fun () ->
          let n = ref 0 in
          while not (Atomic.get stop) do
            n := !n + List.length (List.init 100 (fun j -> i + j))
          done;
          !n > 0))
let () =
  Registry.register "domains" (fun x ->
      Atomic.set stop true;
      List.fold_left (fun acc d -> if Domain.join d then acc + 1 else acc) x workers)
