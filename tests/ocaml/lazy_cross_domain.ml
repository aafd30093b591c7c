(* A lazy value whose forcing performs an effect: the forcing fiber is suspended in the
   middle of Lazy.force and finished on another domain; meanwhile other domains that force
   the same value get Lazy.Undefined (CamlinternalLazy.Undefined). *)
open Effect
open Effect.Deep

type _ Effect.t += Pause : int -> unit Effect.t

let count n =
  let r = ref 0 and l = ref [] in
  for i = 1 to n do
    incr r;
    if i mod 100 = 0 then l := i :: !l;
    if i = n / 2 then perform (Pause i)
  done;
  !r + List.length !l

(* The forcing fiber pauses once; [resume] decides where its continuation runs. *)
let force_with (resume : (unit, int) continuation -> int) l =
  try_with Lazy.force l
    { effc = fun (type a) (e : a Effect.t) -> match e with
        | Pause _ -> Some (fun (k : (a, int) continuation) -> resume k)
        | _ -> None }

let on_domain f = Domain.join (Domain.spawn f)

let () =
  (* Resumed in the same domain, then in a spawned one. *)
  let l1 = lazy (count 1_000) in
  Printf.printf "l1 %d\n" (force_with (fun k -> continue k ()) l1);
  let l2 = lazy (count 2_000) in
  Printf.printf "l2 %d\n" (force_with (fun k -> on_domain (fun () -> continue k ())) l2);
  Printf.printf "l2 again %d\n" (on_domain (fun () -> Lazy.force l2));
  (* While it is suspended, another domain forces it: Undefined; then a third domain
     finishes the forcing, and everyone sees the value. *)
  let l3 = lazy (count 3_000) in
  let v3 = force_with (fun k ->
    (match on_domain (fun () -> Lazy.force l3) with
     | v -> Printf.printf "forced while suspended?! %d\n" v
     | exception CamlinternalLazy.Undefined -> print_endline "l3 undefined while suspended");
    Gc.full_major ();
    on_domain (fun () -> Gc.minor (); continue k ())) l3 in
  Printf.printf "l3 %d, main sees %d, a domain sees %d\n" v3 (Lazy.force l3)
    (on_domain (fun () -> Lazy.force l3));
  (* Many lazies, each suspended in main and finished by one of two workers. *)
  let ls = Array.init 40 (fun i -> lazy (count (200 + i))) in
  let pending = Array.make 40 None in
  Array.iteri (fun i l ->
    ignore (force_with (fun k -> pending.(i) <- Some k; 0) l)) ls;
  let finish parity = Domain.spawn (fun () ->
    let s = ref 0 in
    Array.iteri (fun i k -> match k with
      | Some k when i mod 2 = parity -> s := !s + continue k ()
      | _ -> ()) pending;
    !s) in
  let d0 = finish 0 and d1 = finish 1 in
  let s0 = Domain.join d0 and s1 = Domain.join d1 in
  Gc.full_major ();
  let again = Array.fold_left (fun s l -> s + Lazy.force l) 0 ls in
  Printf.printf "many: %d + %d = %d\n" s0 s1 again
