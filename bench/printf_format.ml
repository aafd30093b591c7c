(* Printf and Format: sprintf with int, float, string, char and padding conversions,
   bprintf into a Buffer, and Format with nested boxes and breaks into a buffer.
   Usage: printf_format [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 40_000

type tree = Leaf of int | Node of string * tree list

let rec pp_tree ppf = function
  | Leaf i -> Format.fprintf ppf "%d" i
  | Node (s, l) ->
      Format.fprintf ppf "@[<hv 2>(%s" s;
      List.iter (fun t -> Format.fprintf ppf "@ %a" pp_tree t) l;
      Format.fprintf ppf ")@]"

let rec make d i = if d = 0 then Leaf i else Node ("n" ^ string_of_int d, [make (d - 1) i; make (d - 1) (i + d); Leaf (i * d)])

let () =
  let len = ref 0 in
  let b = Buffer.create 1024 in
  let fb = Buffer.create 1024 in
  let ppf = Format.formatter_of_buffer fb in
  Format.pp_set_margin ppf 60;
  for i = 1 to n do
    let s = Printf.sprintf "%d %5d %-6s|%x %o %c %.3f %e %g %s" i (i mod 997) "ab" i i
        (Char.chr (97 + i mod 26)) (float i /. 7.) (float i *. 1.5e3) (1. /. float i) (string_of_bool (i land 1 = 0)) in
    len := !len + String.length s;
    Printf.bprintf b "%s;%08.2f;%+d\n" s (float i /. 3.) (-i);
    if Buffer.length b > 4096 then (len := !len + Buffer.length b; Buffer.clear b);
    if i mod 8 = 0 then begin
      Format.fprintf ppf "%a@." pp_tree (make 2 i);
      len := !len + Buffer.length fb;
      Buffer.clear fb
    end
  done;
  Printf.printf "printf_format %d: %d %s\n" n !len (Printf.sprintf "%.6f|%12.4e|%S" (float n /. 7.) 6.02e23 "q\"t")
