(* Format: the pretty-printing engine. Boxes (h, v, hv, hov, b) with indentation,
   break hints, margins, max_indent, tabulation boxes, flushing, and printing into a
   buffer with asprintf; the same structure printed at several margins. *)

type tree = Leaf of string | Node of string * tree list

let rec pp_tree ppf = function
  | Leaf s -> Format.pp_print_string ppf s
  | Node (s, children) ->
    Format.fprintf ppf "@[<hv 2>%s(@,%a)@]" s
      (Format.pp_print_list ~pp_sep:(fun ppf () -> Format.fprintf ppf ",@ ") pp_tree) children

let sample =
  Node ("root", [ Leaf "alpha"; Node ("beta", [ Leaf "one"; Leaf "two"; Leaf "three" ]);
                  Node ("gamma", [ Node ("delta", [ Leaf "x"; Leaf "y" ]); Leaf "epsilon" ]);
                  Leaf "zeta-long-leaf-name" ])

let with_margin m f =
  let b = Buffer.create 256 in
  let ppf = Format.formatter_of_buffer b in
  Format.pp_set_margin ppf m;
  f ppf;
  Format.pp_print_flush ppf ();
  Buffer.contents b

let () =
  List.iter (fun m ->
      Printf.printf "--- margin %d\n%s\n" m (with_margin m (fun ppf -> pp_tree ppf sample)))
    [ 80; 40; 20; 10 ];
  let words = [ "the"; "quick"; "brown"; "fox"; "jumps"; "over"; "the"; "lazy"; "dog"; "again"; "and"; "again" ] in
  let pp_words kind ppf =
    Format.fprintf ppf "@[<%s 2>[" kind;
    List.iteri (fun i w -> if i > 0 then Format.fprintf ppf "@ "; Format.pp_print_string ppf w) words;
    Format.fprintf ppf "]@]" in
  List.iter (fun kind -> Printf.printf "--- %s box\n%s\n" kind (with_margin 25 (pp_words kind))) [ "h"; "v"; "hv"; "hov"; "b" ];
  (* break hints with offsets and nested boxes *)
  print_endline (with_margin 30 (fun ppf ->
      Format.fprintf ppf "@[<v 0>let x =@;<1 4>@[<hov 2>f a b@ c d@ e f@ g h i j k@]@,in@ x + 1@]"));
  (* force newline and print_cut *)
  print_endline (with_margin 80 (fun ppf ->
      Format.fprintf ppf "@[<hov 4>begin@\nforced@ newline@,cut@;<0 0>end@]"));
  (* tabulation boxes *)
  print_endline (with_margin 80 (fun ppf ->
      Format.pp_open_tbox ppf ();
      Format.pp_set_tab ppf (); Format.pp_print_string ppf "name      ";
      Format.pp_set_tab ppf (); Format.pp_print_string ppf "value";
      Format.pp_print_tab ppf (); Format.pp_print_string ppf "alpha";
      Format.pp_print_tab ppf (); Format.pp_print_string ppf "1";
      Format.pp_print_tab ppf (); Format.pp_print_string ppf "b";
      Format.pp_print_tab ppf (); Format.pp_print_string ppf "22";
      Format.pp_close_tbox ppf ()));
  (* max_indent and max boxes *)
  print_endline (with_margin 30 (fun ppf ->
      Format.pp_set_max_indent ppf 10;
      Format.fprintf ppf "@[<hov 12>%s@ %s@ %s@ %s@ %s@]" "aaaaaaaa" "bbbbbbbb" "cccccccc" "dddddddd" "eeeeeeee"));
  print_endline (with_margin 80 (fun ppf ->
      Format.pp_set_max_boxes ppf 3;
      Format.fprintf ppf "@[a@[b@[c@[d@[e@]@]@]@]@]"));
  (* asprintf and the standard formatter to stdout *)
  let s = Format.asprintf "@[<h>%d@ %s@ %a@]" 42 "str" Format.pp_print_float 1.5 in
  Printf.printf "asprintf: %S\n" s;
  Format.printf "@[<v 2>std formatter:@,line one@,line two@]@.";
  Format.printf "%a@." (Format.pp_print_list ~pp_sep:Format.pp_print_space Format.pp_print_int) [ 1; 2; 3 ];
  Format.printf "@[%s@ %s@]@?" "no" "newline";
  Format.printf "@.";
  (* margin get/set on the standard formatter *)
  Format.set_margin 40;
  Printf.printf "margin now %d, max_indent %d\n" (Format.get_margin ()) (Format.get_max_indent ());
  Format.printf "@[<hov 1>%a@]@." (Format.pp_print_list ~pp_sep:(fun ppf () -> Format.fprintf ppf ";@ ") Format.pp_print_string)
    (List.init 15 (fun i -> "item" ^ string_of_int i));
  Format.eprintf "@[to stderr@ via eprintf@]@."
