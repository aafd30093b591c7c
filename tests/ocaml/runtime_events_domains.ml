(* Runtime events from several domains: each domain writes to its own ring, and the
   consumer sees every domain's events under that domain's ring index, with the domains'
   spawn and termination lifecycle events. *)
open Runtime_events

type User.tag += Tick

let tick = User.register "domains.tick" Tick Type.int
let per_domain = 500

let () =
  start ();
  let cursor = create_cursor None in
  let counts = Hashtbl.create 8 in
  let sums = Hashtbl.create 8 in
  let spawned = ref 0 and terminated = ref 0 in
  let callbacks =
    Callbacks.create
      ~lifecycle:(fun _ _ ev _ ->
        match ev with
        | EV_DOMAIN_SPAWN -> incr spawned
        | EV_DOMAIN_TERMINATE -> incr terminated
        | _ -> ())
      ()
    |> Callbacks.add_user_event Type.int (fun d _ _ n ->
           Hashtbl.replace counts d (1 + try Hashtbl.find counts d with Not_found -> 0);
           Hashtbl.replace sums d (n + try Hashtbl.find sums d with Not_found -> 0))
  in
  let work k () =
    for i = 1 to per_domain do
      User.write tick (k * i)
    done
  in
  let ds = List.map (fun k -> Domain.spawn (work k)) [ 1; 2 ] in
  List.iter Domain.join ds;
  work 100 ();
  ignore (read_poll cursor callbacks None);
  (* Which ring a spawned domain gets depends on whether the other one had ended (its
     slot is reused), so the spawned domains' events are counted together. *)
  let main_count, main_sum, others_count, others_sum =
    Hashtbl.fold
      (fun d c (mc, ms, oc, os) ->
        let s = Hashtbl.find sums d in
        if d = 0 then (mc + c, ms + s, oc, os) else (mc, ms, oc + c, os + s))
      counts (0, 0, 0, 0)
  in
  Printf.printf "main domain: %d events, sum %d\n" main_count main_sum;
  Printf.printf "spawned domains: %d events, sum %d\n" others_count others_sum;
  Printf.printf "spawned %d, terminated %d\n" !spawned !terminated
