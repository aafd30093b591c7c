(* Allocates about 20 GB in total of short-lived blocks (small lists and tuples), keeping
   only a small working set alive, and prints the words allocated according to Gc. *)
let () =
  let target_words = 20 * 1024 * 1024 * 1024 / 8 in
  let live = Array.make 1024 [] in
  let rounds = ref 0 in
  while (Gc.minor_words ()) < float_of_int target_words do
    for i = 0 to 1023 do
      (* a 16-element list of pairs: 16 * (3 + 3) = 96 words *)
      let l = List.init 16 (fun j -> (i, j)) in
      if i land 63 = 0 then live.(i) <- l
    done;
    incr rounds
  done;
  let total = Array.fold_left (fun acc l -> acc + List.length l) 0 live in
  Printf.printf "rounds=%d live_elements=%d minor_words>=%d\n" !rounds total target_words
