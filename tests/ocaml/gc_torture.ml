(* GC torture test: the main domain and two child domains run seeded random command
   sequences that allocate lists, strings, arrays and bigarrays of random sizes, keep and
   drop references, call Gc.minor / major_slice / major / full_major / compact, and read
   quick_stat / stat / counters / minor_words, and every 25 steps one domain hands an item to
   another through an atomic mailbox (the receiver waits for it, checks it and keeps it),
   checking the integrity of everything kept and (strict mode) the invariants of the
   statistics. Between rounds the main domain calls Gc.major alone.

   Usage: gc_torture.byte [seed] [rounds]
   WARDEN_TORTURE_STRICT=1 turns on the strict statistics checks (exact, consistent and
   monotonic figures), which the stock runtime does not promise.
   A failure prints the seed that reproduces it and exits with status 1. *)

let strict = Sys.getenv_opt "WARDEN_TORTURE_STRICT" = Some "1"
let seed = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 42
let rounds = if Array.length Sys.argv > 2 then int_of_string Sys.argv.(2) else 2

exception Torture_failure of string

let fail fmt = Printf.ksprintf (fun s -> raise (Torture_failure s)) fmt

(* Set when a domain fails, so that the others stop waiting for a hand-over from it; holds
   the first failure's message. *)
let aborted : string option Atomic.t = Atomic.make None

let abort e =
  let msg = match e with Torture_failure msg -> msg | e -> Printexc.to_string e in
  ignore (Atomic.compare_and_set aborted None (Some msg))

(* Something kept alive, with what it must still contain. *)
type item =
  | L of int list * int
  | S of string * int
  | A of int array * int
  | F of float array * float
  | B of (int, Bigarray.int_elt, Bigarray.c_layout) Bigarray.Array1.t * int
  | Nested of (int * string) list * int

let check_item = function
  | L (l, sum) -> if List.fold_left (+) 0 l <> sum then fail "list contents changed"
  | S (s, h) -> if Hashtbl.hash s <> h then fail "string contents changed"
  | A (a, sum) -> if Array.fold_left (+) 0 a <> sum then fail "array contents changed"
  | F (a, sum) -> if Array.fold_left (+.) 0. a <> sum then fail "float array contents changed"
  | B (b, sum) ->
    let s = ref 0 in
    for i = 0 to Bigarray.Array1.dim b - 1 do s := !s + b.{i} done;
    if !s <> sum then fail "bigarray contents changed"
  | Nested (l, n) ->
    if List.length l <> n then fail "nested list length changed";
    List.iter (fun (i, s) -> if s <> string_of_int i then fail "nested pair changed") l

let make_item rng =
  match Random.State.int rng 6 with
  | 0 ->
    let l = List.init (Random.State.int rng 2000) (fun i -> i * 7) in
    L (l, List.fold_left (+) 0 l)
  | 1 ->
    let s = String.init (Random.State.int rng 5000) (fun i -> Char.chr (65 + i mod 26)) in
    S (s, Hashtbl.hash s)
  | 2 ->
    (* sometimes larger than a minor-heap block *)
    let n = if Random.State.bool rng then Random.State.int rng 300 else Random.State.int rng 20000 in
    let a = Array.init n (fun i -> i lxor 0x55) in
    A (a, Array.fold_left (+) 0 a)
  | 3 ->
    let a = Array.init (Random.State.int rng 1000) float_of_int in
    F (a, Array.fold_left (+.) 0. a)
  | 4 ->
    let n = Random.State.int rng 4000 in
    let b = Bigarray.Array1.create Bigarray.int Bigarray.c_layout n in
    for i = 0 to n - 1 do b.{i} <- i * 3 done;
    B (b, 3 * (n * (n - 1) / 2))
  | _ ->
    let n = Random.State.int rng 500 in
    Nested (List.init n (fun i -> (i, string_of_int i)), n)

(* Statistics checks: within one domain figures never decrease, and are consistent.
   [Gc.quick_stat] and [Gc.stat] count every domain; [Gc.counters] and [Gc.minor_words]
   count the calling domain only (as in the stock runtime), so each kind has its own
   record of the last figures seen. *)
type last = { mutable minor : float; mutable promoted : float; mutable major : float;
              mutable minor_c : int; mutable major_c : int }

let check_stats last (s : Gc.stat) =
  if strict then begin
    if s.minor_words < last.minor then fail "minor_words decreased (%.0f < %.0f)" s.minor_words last.minor;
    if s.promoted_words < last.promoted then fail "promoted_words decreased";
    if s.major_words < last.major then fail "major_words decreased";
    if s.minor_collections < last.minor_c then fail "minor_collections decreased";
    if s.major_collections < last.major_c then fail "major_collections decreased";
    if s.minor_words < s.promoted_words then fail "minor_words < promoted_words";
    if s.major_words < s.promoted_words then fail "major_words < promoted_words";
    if s.heap_words < s.live_words then fail "heap_words < live_words";
    if s.top_heap_words < s.heap_words then fail "top_heap_words < heap_words"
  end;
  last.minor <- s.minor_words; last.promoted <- s.promoted_words; last.major <- s.major_words;
  last.minor_c <- s.minor_collections; last.major_c <- s.major_collections

let check_counters last =
  let (mi, pro, ma) = Gc.counters () in
  if strict then begin
    if mi < last.minor then fail "counters: minor words decreased";
    if pro < last.promoted then fail "counters: promoted words decreased";
    if ma < last.major then fail "counters: major words decreased";
    if mi < pro then fail "counters: minor < promoted";
    if ma < pro then fail "counters: major < promoted"
  end;
  last.minor <- mi; last.promoted <- pro; last.major <- ma

(* Exact accounting of one small allocation: k fields add k + 1 words, to minor_words, or
   to major_words when the block goes straight to the major heap. Words allocated are
   minor + (major - promoted), which a collection in between leaves unchanged. The result of
   the first [Gc.counters] (a 3-tuple of boxed floats: 4 + 3 * 2 words) is allocated after it
   read the counters, so it counts too. *)
let check_exact_alloc () =
  if strict then begin
    let allocated (mi, pro, ma) = mi +. ma -. pro in
    let before = Gc.counters () in
    let r = Sys.opaque_identity (Array.make 3 0) in
    let after = Gc.counters () in
    ignore (Sys.opaque_identity r);
    let d = allocated after -. allocated before in
    if d <> 14. then fail "an allocation of 3 fields (and a counters triple) added %.0f words" d
  end

(* Hand-overs: at every [handover_every]-th step one domain gives an item to another, which
   waits for it, checks it and keeps it (domain k is 0 for the main domain, 1 and 2 for the
   children; the giver of hand-over h is h mod 3, its receiver the next one). So blocks
   allocated by one domain (young ones included) are reached from the others' roots and
   fields while their arenas are collected. The receiver says it is waiting in its mailbox
   and spins on Atomic.get (with Domain.cpu_relax, a poll point) until the item arrives; the
   giver publishes the item once the receiver waits, with one Atomic.set. This is a message
   passed to a waiting consumer, whose reads of the item are ordered after the giver's
   writes by that atomic store and load alone (what the fault racy-publish breaks). *)
type box = Idle | Waiting | Full of item

let handover_every = 25
let mailbox = Array.init 3 (fun _ -> Atomic.make Idle)

(* Only atomic loads and cpu_relax while waiting, as a consumer's spin loop does (a
   polymorphic comparison here would be a C call, which warden runs under its heap lock). *)
let rec spin_until f =
  if not (f ()) then begin
    (match Atomic.get aborted with Some _ -> raise (Torture_failure "another domain failed") | None -> ());
    Domain.cpu_relax ();
    spin_until f
  end

(* Hand-over [h] as seen by domain [k]: the item it received, if any. *)
let handover k h rng =
  let giver = h mod 3 in
  let receiver = (giver + 1) mod 3 in
  if k = giver then begin
    let it = make_item rng and box = mailbox.(receiver) in
    spin_until (fun () -> Atomic.get box == Waiting);
    Atomic.set box (Full it);
    (* A rendezvous: the giver goes on once the item is taken. *)
    spin_until (fun () -> match Atomic.get box with Full _ -> false | _ -> true);
    None
  end else if k = receiver then begin
    let box = mailbox.(k) and got = ref None in
    Atomic.set box Waiting;
    spin_until (fun () -> match Atomic.get box with Full it -> got := Some it; true | _ -> false);
    Atomic.set box Idle;
    Option.iter check_item !got;
    !got
  end else None

let work_steps k seed steps =
  let rng = Random.State.make [| seed |] in
  let slots = Array.make 64 None in
  let last = { minor = 0.; promoted = 0.; major = 0.; minor_c = 0; major_c = 0 } in
  let own = { minor = 0.; promoted = 0.; major = 0.; minor_c = 0; major_c = 0 } in
  for step = 1 to steps do
    (match Random.State.int rng 20 with
     | 0 -> Gc.minor ()
     | 1 -> ignore (Gc.major_slice 0)
     | 2 -> if Random.State.int rng 8 = 0 then Gc.major ()
     | 3 -> if Random.State.int rng 16 = 0 then Gc.full_major ()
     | 4 -> if Random.State.int rng 32 = 0 then Gc.compact ()
     | 5 -> check_stats last (Gc.quick_stat ())
     | 6 -> if Random.State.int rng 16 = 0 then check_stats last (Gc.stat ())
     | 7 -> check_counters own
     | 8 ->
       let w = Gc.minor_words () in
       if strict && w < own.minor then fail "minor_words () decreased";
       own.minor <- w
     | 9 -> check_exact_alloc ()
     | 10 | 11 -> slots.(Random.State.int rng 64) <- None
     | _ -> slots.(Random.State.int rng 64) <- Some (make_item rng));
    if step mod handover_every = 0 then
      Option.iter (fun it -> slots.(Random.State.int rng 64) <- Some it) (handover k (step / handover_every) rng);
    if step mod 50 = 0 then Array.iter (function Some it -> check_item it | None -> ()) slots
  done;
  Array.iter (function Some it -> check_item it | None -> ()) slots

let work k seed steps = try work_steps k seed steps with e -> abort e; raise e

let () =
  let outcome =
    try
      for round = 1 to rounds do
        let child k = Domain.spawn (fun () -> work k (seed * 1000 + round * 10 + k) 400) in
        let c1 = child 1 and c2 = child 2 in
        work 0 (seed * 1000 + round * 10) 400;
        Domain.join c1;
        Domain.join c2;
        Gc.major ()
      done;
      Ok ()
    with
    | e -> abort e; Error (Option.get (Atomic.get aborted))
  in
  match outcome with
  | Ok () -> print_endline "gc_torture: ok"
  | Error msg -> Printf.printf "gc_torture: FAILED (seed %d): %s\n" seed msg; exit 1
