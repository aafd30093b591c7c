(* Stubs called from several domains at once: allocation, callbacks that collect, blocking
   sections around slow C. *)
external build : (int -> 'a) -> int -> 'a list = "wstub_build"
external slow : int -> string -> string = "wstub_slow"
external slow_calls : unit -> int = "wstub_slow_calls"
external apply : ('a -> 'b) -> 'a -> 'b = "wstub_apply"
external tuple : 'a -> 'b -> 'c -> 'a * 'b * 'c = "wstub_tuple"

let work d =
  let total = ref 0 in
  for round = 1 to 20 do
    let l = build (fun i -> (i, string_of_int (i * d))) 300 in
    List.iteri (fun i (j, s) -> if i <> j || s <> string_of_int (i * d) then failwith "bad list") l;
    total := !total + List.length l;
    let s = slow 1 (Printf.sprintf "dom%d-%d" d round) in
    if s <> String.uppercase_ascii (Printf.sprintf "dom%d-%d" d round) then failwith "bad slow";
    let a, b, c = tuple d round (Array.make 50 d) in
    total := !total + a + b + Array.length c;
    (match apply (fun _ -> raise Not_found) () with
     | () -> ()
     | exception Not_found -> incr total)
  done;
  !total

let () =
  let doms = List.init 3 (fun i -> Domain.spawn (fun () -> work (i + 1))) in
  let mine = work 0 in
  let others = List.map Domain.join doms in
  Printf.printf "main %d others [%s] slow calls %d\n" mine
    (String.concat ";" (List.map string_of_int others)) (slow_calls ())
