(* Strings and Buffer: building strings with Buffer and Bytes, String.sub/concat/index/
   split_on_char/map/uppercase, comparisons and a hand-written search.
   Usage: strings [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 12000

let words = [| "alpha"; "beta"; "gamma"; "delta"; "epsilon"; "zeta"; "eta"; "theta" |]

(* count the occurrences of [pat] in [s] by a naive search *)
let count_sub s pat =
  let n = String.length s and m = String.length pat in
  let c = ref 0 in
  for i = 0 to n - m do
    let j = ref 0 in
    while !j < m && String.unsafe_get s (i + !j) = String.unsafe_get pat !j do incr j done;
    if !j = m then incr c
  done;
  !c

let () =
  let sum = ref 0 in
  let buf = Buffer.create 256 in
  for r = 1 to n do
    Buffer.clear buf;
    for i = 0 to 39 do
      Buffer.add_string buf words.((r + i) mod 8);
      Buffer.add_char buf (if i mod 5 = 4 then ',' else ' ');
      if i mod 9 = 0 then Buffer.add_string buf (string_of_int (r * i))
    done;
    let s = Buffer.contents buf in
    let parts = String.split_on_char ',' s in
    let up = String.uppercase_ascii (List.nth parts (r mod List.length parts)) in
    let b = Bytes.of_string s in
    for i = 0 to Bytes.length b / 2 - 1 do
      let j = Bytes.length b - 1 - i in
      let t = Bytes.get b i in Bytes.set b i (Bytes.get b j); Bytes.set b j t
    done;
    let rev = Bytes.to_string b in
    let joined = String.concat "|" (List.map String.trim parts) in
    let mapped = String.map (fun c -> if c = 'a' then 'A' else c) joined in
    sum := !sum + count_sub s "eta" + String.length up + String.length mapped
           + (match String.index_opt rev 'z' with Some i -> i | None -> -1)
           + compare s rev + Char.code (String.get (String.sub s 3 10) 4)
           + (if String.starts_with ~prefix:"alpha" s then 1 else 0)
  done;
  Printf.printf "strings %d: %d\n" n !sum
