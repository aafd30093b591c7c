(* Format conversions and printers: %d %s %a %t %S %C %B %F %e and friends through
   Format, pp_print_* functions, pp_print_text, semantic tags with tag functions,
   kasprintf, Format.sprintf, custom formatters with out functions, and ikfprintf. *)

type color = Red | Green | Blue
let pp_color ppf c = Format.pp_print_string ppf (match c with Red -> "Red" | Green -> "Green" | Blue -> "Blue")

type 'a tree = Leaf | Node of 'a tree * 'a * 'a tree
let rec pp_tree pp ppf = function
  | Leaf -> Format.fprintf ppf "."
  | Node (l, v, r) -> Format.fprintf ppf "@[<hv 1>(%a@ %a@ %a)@]" (pp_tree pp) l pp v (pp_tree pp) r

let () =
  Format.printf "%d %i %x %o %u %5d|%-5d|@." 42 (-7) 255 8 3 12 12;
  Format.printf "%s %S %c %C %b %B@." "str" "q\"s" 'c' '\n' true false;
  Format.printf "%f %.2f %e %g %F %h@." 3.5 3.14159 12345.678 0.0001 2.0 1.5;
  Format.printf "%ld %Ld %nd@." 1l 2L 3n;
  Format.printf "%a and %a@." pp_color Red pp_color Blue;
  Format.printf "%t@." (fun ppf -> Format.pp_print_string ppf "from %t");
  Format.printf "%a@." Format.pp_print_bool true;
  Format.printf "[%a]@." Format.pp_print_char 'z';
  Format.printf "%a@." (Format.pp_print_option ~none:(fun ppf () -> Format.pp_print_string ppf "None") Format.pp_print_int) None;
  Format.printf "%a@." (Format.pp_print_option Format.pp_print_int) (Some 3);
  Format.printf "%a@." (Format.pp_print_result ~ok:Format.pp_print_int ~error:Format.pp_print_string) (Error "bad");
  Format.printf "%a@." (Format.pp_print_either ~left:Format.pp_print_int ~right:Format.pp_print_float) (Either.Right 2.5);
  Format.printf "%a@." (Format.pp_print_seq ~pp_sep:(fun ppf () -> Format.pp_print_string ppf "; ") Format.pp_print_int) (List.to_seq [ 1; 2; 3 ]);
  Format.printf "%a@." (Format.pp_print_array ~pp_sep:Format.pp_print_cut Format.pp_print_int) [| 4; 5 |];
  let t = Node (Node (Leaf, 1, Leaf), 2, Node (Node (Leaf, 3, Leaf), 4, Leaf)) in
  Format.printf "%a@." (pp_tree Format.pp_print_int) t;
  Format.set_margin 20;
  Format.printf "%a@." (pp_tree Format.pp_print_int) t;
  Format.set_margin 78;
  Format.printf "@[%a@]@." Format.pp_print_text "This is a long text that pp_print_text splits at spaces\nand newlines into break hints.";
  (* semantic tags *)
  let b = Buffer.create 64 in
  let ppf = Format.formatter_of_buffer b in
  Format.pp_set_tags ppf true;
  Format.pp_set_mark_tags ppf true;
  Format.pp_set_formatter_stag_functions ppf
    { (Format.pp_get_formatter_stag_functions ppf ()) with
      Format.mark_open_stag = (function Format.String_tag s -> "<" ^ s ^ ">" | _ -> "<?>");
      Format.mark_close_stag = (function Format.String_tag s -> "</" ^ s ^ ">" | _ -> "</?>") };
  Format.fprintf ppf "@{<b>bold@} and @{<i>italic @{<u>underlined@}@}@?";
  print_endline (Buffer.contents b);
  (* printing tags disabled: tags ignored *)
  Format.printf "@{<b>no tags here@}@.";
  (* kasprintf / ksprintf *)
  let n = Format.kasprintf String.length "%d-%s" 12345 "abc" in
  Printf.printf "kasprintf length %d\n" n;
  print_endline (Format.sprintf "%s/%d" "sprintf" 9);
  (* formatter with custom output functions that count characters and flushes *)
  let count = ref 0 and flushes = ref 0 in
  let ppf = Format.make_formatter (fun s pos len -> count := !count + len; ignore (String.sub s pos len)) (fun () -> incr flushes) in
  Format.fprintf ppf "@[hello@ world@]@.";
  Format.fprintf ppf "%d@?" 12;
  Printf.printf "custom formatter wrote %d chars, %d flushes\n" !count !flushes;
  Format.ikfprintf (fun _ -> print_endline "ikfprintf continuation") Format.std_formatter "%d %s" 1 "ignored";
  (* pp_print_as: printed width differs from the string length *)
  Format.printf "@[<hov 0>%a@ next@]@." (fun ppf () -> Format.pp_print_as ppf 3 "\xe2\x86\x92\xe2\x86\x92\xe2\x86\x92") ();
  (* Format.asprintf with nested boxes and %a of asprintf results *)
  let inner = Format.asprintf "@[<h>%a@]" (Format.pp_print_list ~pp_sep:Format.pp_print_space pp_color) [ Red; Green; Blue ] in
  Format.printf "[%s]@." inner;
  Format.print_string "via print_string";
  Format.print_newline ();
  Format.print_flush ()
