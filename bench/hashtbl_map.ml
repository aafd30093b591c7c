(* Hashtbl and Map: a string-keyed Hashtbl (string hashing, resizing, replace/find/remove)
   and Map.Make over ints and strings (balanced-tree insertions, lookups, folds).
   Usage: hashtbl_map [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 60_000

module IM = Map.Make (Int)
module SM = Map.Make (String)

let () =
  let sum = ref 0 in
  for round = 1 to 3 do
    let h = Hashtbl.create 16 in
    for i = 0 to n - 1 do
      Hashtbl.replace h ("key" ^ string_of_int (i * round)) i
    done;
    for i = 0 to 2 * n - 1 do
      match Hashtbl.find_opt h ("key" ^ string_of_int i) with
      | Some v -> sum := !sum + v
      | None -> sum := !sum + 1
    done;
    for i = 0 to n / 2 do Hashtbl.remove h ("key" ^ string_of_int (i * round)) done;
    sum := !sum + Hashtbl.length h;
    let m = ref IM.empty in
    for i = 0 to n - 1 do m := IM.add ((i * 7919) mod (n + 13)) i !m done;
    for i = 0 to n - 1 do
      match IM.find_opt i !m with Some v -> sum := !sum + v | None -> ()
    done;
    sum := !sum + IM.fold (fun k v acc -> (acc + k * v) land 0xFFFFFF) !m 0;
    let s = ref SM.empty in
    for i = 0 to n / 4 do s := SM.add (string_of_int (i * round * 31)) i !s done;
    sum := !sum + SM.cardinal !s + (match SM.min_binding_opt !s with Some (_, v) -> v | None -> 0)
  done;
  Printf.printf "hashtbl_map %d: %d\n" n !sum
