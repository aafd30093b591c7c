(* Young blocks reachable from several domains at one minor collection: each domain stores
   fresh blocks into old arrays that every domain reads and writes (so the same field can be
   in two domains' remembered sets, and a domain's roots hold another domain's young
   blocks), with a small minor heap (the .env file) so that collections are frequent. Each
   block read is checked for its shape; the totals do not depend on the interleaving. *)
type item = { k : int; l : int list; s : string; f : float array }

let make k = { k; l = [ k; k + 1; k + 2 ]; s = string_of_int k; f = [| float_of_int k |] }

let well_formed it =
  it.l = [ it.k; it.k + 1; it.k + 2 ]
  && it.s = string_of_int it.k
  && it.f.(0) = float_of_int it.k

let slots = Array.init 64 (fun i -> make (-i))
let shared_list = Array.make 8 []
let bad = Atomic.make 0

let work d n =
  let held = ref [] in
  let mine = ref 0 in
  for i = 1 to n do
    let k = (d * 1_000_000) + i in
    let it = make k in
    (* the same field written by every domain *)
    slots.(i land 63) <- it;
    (* a young list cell whose tail is another domain's (young) list *)
    let j = (i + d) land 7 in
    shared_list.(j) <- k :: (match shared_list.(j) with _ :: t when List.length t < 4 -> t | _ -> []);
    let other = slots.((i * 7 + d) land 63) in
    if not (well_formed other) then Atomic.incr bad;
    if i land 31 = 0 then held := other :: !held;
    if List.length !held > 50 then held := [];
    mine := !mine + String.length it.s
  done;
  List.iter (fun it -> if not (well_formed it) then Atomic.incr bad) !held;
  !mine

let () =
  let n = 20_000 in
  let ds = List.init 3 (fun d -> Domain.spawn (fun () -> work (d + 1) n)) in
  let m = work 0 n in
  let total = List.fold_left (fun a d -> a + Domain.join d) m ds in
  Array.iter (fun it -> if not (well_formed it) then Atomic.incr bad) slots;
  Array.iter
    (fun l -> List.iter (fun k -> if k < 0 then Atomic.incr bad) l)
    shared_list;
  Printf.printf "total %d, malformed %d\n" total (Atomic.get bad)
