(* Integer loops: nested for and while loops over ints and refs, with arithmetic,
   comparisons, shifts and division (Collatz lengths, gcds, a linear congruential
   generator, integer square roots). Usage: int_loops [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 300_000

let rec gcd a b = if b = 0 then a else gcd b (a mod b)

let collatz x =
  let x = ref x and steps = ref 0 in
  while !x <> 1 do
    x := if !x land 1 = 0 then !x lsr 1 else 3 * !x + 1;
    incr steps
  done;
  !steps

let isqrt x =
  if x < 2 then x
  else begin
    let r = ref x in
    let y = ref ((x + 1) / 2) in
    while !y < !r do r := !y; y := (!y + x / !y) / 2 done;
    !r
  end

let () =
  let acc = ref 0 in
  let seed = ref 42 in
  for i = 1 to n do
    acc := !acc + collatz i;
    seed := (!seed * 1103515245 + 12345) land 0x7FFFFFFF;
    acc := !acc + gcd (i * 7919) (!seed lor 1) + isqrt !seed;
    if i mod 7 = 0 then acc := !acc lxor (i lsl 3) else acc := !acc - (i asr 1)
  done;
  Printf.printf "int_loops %d: %d\n" n !acc
