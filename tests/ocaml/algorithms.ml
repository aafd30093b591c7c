(* Small classic algorithms that exercise the interpreter broadly: sieve, n-queens,
   ackermann, quicksort on arrays, matrix multiplication, memoised fibonacci, knapsack,
   string edit distance, and a tiny bignum factorial. *)

let sieve n =
  let a = Bytes.make (n + 1) '\001' in
  Bytes.set a 0 '\000'; Bytes.set a 1 '\000';
  let i = ref 2 in
  while !i * !i <= n do
    if Bytes.get a !i = '\001' then begin
      let j = ref (!i * !i) in
      while !j <= n do Bytes.set a !j '\000'; j := !j + !i done
    end;
    incr i
  done;
  let c = ref 0 in
  Bytes.iter (fun ch -> if ch = '\001' then incr c) a;
  !c

let queens n =
  let cols = Array.make n false and d1 = Array.make (2 * n) false and d2 = Array.make (2 * n) false in
  let rec place r =
    if r = n then 1
    else begin
      let total = ref 0 in
      for c = 0 to n - 1 do
        if not cols.(c) && not d1.(r + c) && not d2.(r - c + n) then begin
          cols.(c) <- true; d1.(r + c) <- true; d2.(r - c + n) <- true;
          total := !total + place (r + 1);
          cols.(c) <- false; d1.(r + c) <- false; d2.(r - c + n) <- false
        end
      done;
      !total
    end in
  place 0

let rec ackermann m n =
  if m = 0 then n + 1 else if n = 0 then ackermann (m - 1) 1
  else ackermann (m - 1) (ackermann m (n - 1))

let quicksort a =
  let swap i j = let t = a.(i) in a.(i) <- a.(j); a.(j) <- t in
  let rec qs lo hi =
    if lo < hi then begin
      let p = a.((lo + hi) / 2) in
      let i = ref lo and j = ref hi in
      while !i <= !j do
        while a.(!i) < p do incr i done;
        while a.(!j) > p do decr j done;
        if !i <= !j then (swap !i !j; incr i; decr j)
      done;
      qs lo !j; qs !i hi
    end in
  qs 0 (Array.length a - 1)

let matmul a b =
  let n = Array.length a and m = Array.length b.(0) and k = Array.length b in
  Array.init n (fun i -> Array.init m (fun j ->
      let s = ref 0.0 in
      for x = 0 to k - 1 do s := !s +. a.(i).(x) *. b.(x).(j) done; !s))

let fib_memo =
  let tbl = Hashtbl.create 100 in
  let rec fib n =
    if n < 2 then n
    else match Hashtbl.find_opt tbl n with
      | Some v -> v
      | None -> let v = fib (n - 1) + fib (n - 2) in Hashtbl.add tbl n v; v in
  fib

let knapsack items cap =
  let best = Array.make (cap + 1) 0 in
  List.iter (fun (w, v) ->
      for c = cap downto w do
        best.(c) <- max best.(c) (best.(c - w) + v)
      done) items;
  best.(cap)

let edit_distance s t =
  let m = String.length s and n = String.length t in
  let d = Array.make_matrix (m + 1) (n + 1) 0 in
  for i = 0 to m do d.(i).(0) <- i done;
  for j = 0 to n do d.(0).(j) <- j done;
  for i = 1 to m do
    for j = 1 to n do
      let cost = if s.[i - 1] = t.[j - 1] then 0 else 1 in
      d.(i).(j) <- min (min (d.(i - 1).(j) + 1) (d.(i).(j - 1) + 1)) (d.(i - 1).(j - 1) + cost)
    done
  done;
  d.(m).(n)

(* bignum as little-endian base-10000 digit lists *)
let big_mul_small digits k =
  let rec go ds carry = match ds with
    | [] -> if carry = 0 then [] else (carry mod 10000) :: go [] (carry / 10000)
    | d :: rest -> let v = d * k + carry in (v mod 10000) :: go rest (v / 10000) in
  go digits 0

let big_to_string digits =
  match List.rev digits with
  | [] -> "0"
  | top :: rest -> String.concat "" (string_of_int top :: List.map (Printf.sprintf "%04d") rest)

let () =
  Printf.printf "primes below 200000: %d\n" (sieve 200_000);
  for n = 4 to 8 do Printf.printf "queens %d: %d\n" n (queens n) done;
  Printf.printf "ackermann 2 3 = %d, 3 5 = %d\n" (ackermann 2 3) (ackermann 3 5);
  let st = ref 12345 in
  let rnd () = st := (!st * 1103515245 + 12345) land 0x3fffffff; !st mod 100000 in
  let a = Array.init 50_000 (fun _ -> rnd ()) in
  quicksort a;
  let sorted = ref true in
  for i = 1 to Array.length a - 1 do if a.(i - 1) > a.(i) then sorted := false done;
  Printf.printf "quicksort: sorted=%b first=%d last=%d\n" !sorted a.(0) a.(Array.length a - 1);
  let m = Array.init 30 (fun i -> Array.init 30 (fun j -> float_of_int ((i * 7 + j * 3) mod 11) /. 3.)) in
  let p = matmul m m in
  Printf.printf "matmul: %.6f %.6f %.6f\n" p.(0).(0) p.(15).(7) p.(29).(29);
  Printf.printf "fib 80 = %d\n" (fib_memo 80);
  Printf.printf "knapsack = %d\n" (knapsack [ (12, 4); (2, 2); (1, 1); (1, 2); (4, 10); (7, 13); (3, 5) ] 15);
  Printf.printf "edit distance: %d %d %d\n" (edit_distance "kitten" "sitting")
    (edit_distance "" "abc") (edit_distance "intention" "execution");
  let f = ref [1] in
  for k = 2 to 100 do f := big_mul_small !f k done;
  Printf.printf "100! = %s\n" (big_to_string !f)
