(* Parallel map and reduce over an array and a Bigarray shared between domains. *)
let () =
  let n = 40_000 in
  let a = Array.init n (fun i -> i) in
  let out = Array.make n 0 in
  let chunks = 4 in
  let ds = List.init chunks (fun c -> Domain.spawn (fun () ->
    let lo = c * n / chunks and hi = (c + 1) * n / chunks in
    let s = ref 0 in
    for i = lo to hi - 1 do out.(i) <- a.(i) * a.(i) mod 1009; s := !s + out.(i) done;
    !s)) in
  let partial = List.map Domain.join ds in
  Printf.printf "partials %s\n" (String.concat " " (List.map string_of_int partial));
  Printf.printf "total %d check %d\n" (List.fold_left (+) 0 partial) (Array.fold_left (+) 0 out);
  let ba = Bigarray.Array1.create Bigarray.float64 Bigarray.c_layout 1000 in
  let ds = List.init 2 (fun c -> Domain.spawn (fun () ->
    for i = c * 500 to c * 500 + 499 do ba.{i} <- float_of_int i *. 0.5 done)) in
  List.iter Domain.join ds;
  let s = ref 0. in
  for i = 0 to 999 do s := !s +. ba.{i} done;
  Printf.printf "bigarray sum %.1f\n" !s;
  let results = Array.make 3 "" in
  let ds = List.init 3 (fun i -> Domain.spawn (fun () ->
    results.(i) <- String.concat "," (List.init 5 (fun j -> string_of_int (i * 10 + j))))) in
  List.iter Domain.join ds;
  Array.iter print_endline results
