(* Effect handlers inside several domains at once: each domain has its own fibers. *)
open Effect
open Effect.Deep

type _ Effect.t += Yield : int -> unit Effect.t

let generate n =
  let acc = ref [] in
  match_with (fun () -> for i = 1 to n do perform (Yield i) done) ()
    { retc = (fun () -> List.rev !acc);
      exnc = raise;
      effc = (fun (type a) (e : a Effect.t) -> match e with
        | Yield i -> Some (fun (k : (a, _) continuation) -> acc := i * i :: !acc; continue k ())
        | _ -> None) }

let () =
  let ds = List.init 3 (fun d -> Domain.spawn (fun () ->
    let l = generate (100 * (d + 1)) in
    Gc.minor ();
    List.fold_left (+) 0 l)) in
  let main = List.fold_left (+) 0 (generate 50) in
  Printf.printf "domains %s main %d\n" (String.concat " " (List.map (fun d -> string_of_int (Domain.join d)) ds)) main;
  let d = Domain.spawn (fun () -> try perform (Yield 1); "handled?" with Effect.Unhandled _ -> "unhandled in domain") in
  print_endline (Domain.join d)
