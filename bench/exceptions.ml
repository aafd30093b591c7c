(* Exceptions: raise and handle in loops, exceptions with arguments, nested handlers,
   re-raise, Not_found from library lookups, Fun.protect's finaliser, and exceptions as
   early exits from iterators. Usage: exceptions [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 800_000

exception Found of int
exception Odd of string * int

let find_first_multiple arr k =
  try Array.iter (fun x -> if x mod k = 0 then raise (Found x)) arr; None
  with Found x -> Some x

let rec deep d x = if d = 0 then (if x land 1 = 1 then raise (Odd ("deep", x)) else x) else 1 + deep (d - 1) x

let () =
  let arr = Array.init 32 (fun i -> i * 3 + 1) in
  let tbl = Hashtbl.create 16 in
  for i = 0 to 9 do Hashtbl.add tbl i (i * i) done;
  let sum = ref 0 and finals = ref 0 in
  for i = 1 to n do
    (match find_first_multiple arr (i mod 13 + 2) with Some x -> sum := !sum + x | None -> ());
    (try sum := !sum + Hashtbl.find tbl (i mod 16) with Not_found -> sum := !sum - 1);
    (try sum := !sum + deep (i mod 10) i
     with Odd (s, x) -> (try if x mod 3 = 0 then raise Exit else sum := !sum + String.length s
                         with Exit -> sum := !sum + 2));
    if i mod 16 = 0 then
      (try Fun.protect ~finally:(fun () -> incr finals) (fun () -> if i mod 32 = 0 then failwith "f")
       with Failure _ -> sum := !sum + 5);
    (try ignore (int_of_string (if i mod 5 = 0 then "x" else "12")) with Failure _ -> incr sum)
  done;
  Printf.printf "exceptions %d: %d %d\n" n !sum !finals
