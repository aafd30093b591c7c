(* The minor heap size is per domain: Gc.set changes the calling domain's only, a domain
   spawned later starts with the start-up size (OCAMLRUNPARAM s, here 12345 words, which
   the runtime rounds up to whole pages), and Gc.get and Sys.runtime_parameters report the
   calling domain's own size. Domains print one after the other (each parent waits in
   Domain.join), and each allocates enough to go through many minor collections with its
   own size. At the end, four domains resize their minor heaps over and over while they
   allocate. *)

let runtime_s () =
  String.split_on_char ',' (Sys.runtime_parameters ())
  |> List.find (fun kv -> String.length kv > 2 && String.sub kv 0 2 = "s=")

let show who =
  Printf.printf "%-34s Gc.get %7d, %s\n%!" who (Gc.get ()).Gc.minor_heap_size (runtime_s ())

let set n = Gc.set { (Gc.get ()) with Gc.minor_heap_size = n }

(* Lists that survive a few minor collections, checked afterwards. *)
let churn seed =
  let keep = ref [] in
  for i = 1 to 200 do
    let l = List.init 500 (fun j -> seed + i + j) in
    if i mod 20 = 0 then keep := l :: !keep
  done;
  List.fold_left (fun acc l -> acc + List.fold_left ( + ) 0 l) 0 !keep

let child name f =
  let d = Domain.spawn (fun () ->
    show (name ^ " at spawn");
    f ();
    churn 7) in
  Printf.printf "%s churned %d\n%!" name (Domain.join d)

let () =
  show "main at start-up";
  set 65536;
  show "main after set 65536";
  child "first child" (fun () ->
    set 32768;
    show "first child after set 32768");
  show "main after the first join";
  (* Larger than any arena so far: the young space is reserved again, and every other
     domain keeps its own size. *)
  set (1 lsl 20);
  show "main after set 1M";
  child "second child" (fun () ->
    child "grandchild" (fun () -> set 300; show "grandchild after set 300");
    show "second child after the grandchild";
    set (2 lsl 20);
    show "second child after set 2M");
  show "main after the second join";
  Printf.printf "main churned %d\n" (churn 3);
  set 1000;
  show "main after set 1000"

(* Four domains at once, each changing its own minor heap size every round. *)
let sizes = [| 8192; 65536; 1 lsl 20; 32768; 2 lsl 20 |]

let resizer id =
  let total = ref 0 and keep = ref [] in
  for round = 0 to 9 do
    set sizes.((id + round) mod Array.length sizes);
    for i = 1 to 1000 do
      let l = List.init 20 (fun j -> i + j) in
      if i mod 100 = 0 then keep := l :: !keep;
      total := !total + List.fold_left ( + ) 0 l
    done;
    if round mod 5 = 0 then keep := []
  done;
  !total + List.length !keep

let () =
  let ds = List.init 3 (fun id -> Domain.spawn (fun () -> resizer (id + 1))) in
  let mine = resizer 0 in
  let theirs = List.map Domain.join ds in
  Printf.printf "concurrent resizes: %s\n" (String.concat " " (List.map string_of_int (mine :: theirs)))
