(* Str from several domains at once: each domain matches, searches, replaces and splits
   with its own regexps and one shared regexp, and its last-match state (a per-domain
   value in Str) is its own: groups read back after the other domains matched other
   texts belong to this domain's last match. *)

let shared = Str.regexp "\\([a-z]+\\)=\\([0-9]+\\)"

let domains = 4

let ready = Atomic.make 0

let work id () =
  let text =
    String.concat ";"
      (List.init 3000 (fun i ->
           Printf.sprintf "k%c=%d" (Char.chr (97 + ((i + id) mod 26))) (i * (id + 1))))
  in
  let sum = ref 0 and count = ref 0 in
  let rec scan pos =
    match Str.search_forward shared text pos with
    | _ ->
        sum := !sum + int_of_string (Str.matched_group 2 text);
        incr count;
        scan (Str.match_end ())
    | exception Not_found -> ()
  in
  scan 0;
  let replaced = Str.global_replace shared "\\2:\\1" text in
  let fields = Str.split (Str.regexp_string ";") replaced in
  let own = Printf.sprintf "domain %d of %d" id domains in
  let matched = Str.string_match (Str.regexp "domain \\([0-9]\\)") own 0 in
  (* Wait until every domain has made its own last match. *)
  Atomic.incr ready;
  while Atomic.get ready < domains do
    Domain.cpu_relax ()
  done;
  let digit = Str.matched_group 1 own in
  Printf.sprintf "domain %d: %d pairs, sum %d, %d fields, first %S, matched %b, group %S" id
    !count !sum (List.length fields) (List.hd fields) matched digit

let () =
  let spawned = List.init (domains - 1) (fun i -> Domain.spawn (work (i + 1))) in
  let mine = work 0 () in
  List.iter print_endline (mine :: List.map Domain.join spawned)
