(* Option, Result and Either: constructors, map/bind/join/fold, value/get, equality and
   compare, iteration, conversion to lists and sequences, and error-monad style code. *)

let parse_int s = match int_of_string_opt s with Some n -> Ok n | None -> Error ("not an int: " ^ s)
let positive n = if n > 0 then Ok n else Error (Printf.sprintf "not positive: %d" n)
let ( let* ) = Result.bind

let compute a b =
  let* x = parse_int a in
  let* y = parse_int b in
  let* y = positive y in
  Ok (x / y)

let show_res = function Ok v -> Printf.sprintf "Ok %d" v | Error e -> Printf.sprintf "Error %S" e
let show_opt = function Some v -> Printf.sprintf "Some %d" v | None -> "None"

let () =
  List.iter (fun (a, b) -> print_endline (show_res (compute a b))) [ ("10", "3"); ("x", "1"); ("5", "0"); ("7", "y"); ("-20", "4") ];
  let o = Some 5 in
  Printf.printf "map %s bind %s join %s value %d get %d\n" (show_opt (Option.map succ o))
    (show_opt (Option.bind o (fun x -> if x > 3 then Some (x * 2) else None))) (show_opt (Option.join (Some (Some 1))))
    (Option.value ~default:0 None) (Option.get o);
  Printf.printf "fold %s, is_some %b, is_none %b, to_list %d, equal %b, compare %d %d\n"
    (Option.fold ~none:"none" ~some:string_of_int o) (Option.is_some o) (Option.is_none o) (List.length (Option.to_list o))
    (Option.equal ( = ) o (Some 5)) (Option.compare compare None o) (Option.compare compare (Some 2) (Some 1));
  Printf.printf "to_result %s, to_seq %d, filter? %s\n" (show_res (Option.to_result ~none:"missing" (None : int option)))
    (Seq.length (Option.to_seq o)) (show_opt (Option.bind o (fun x -> if x > 10 then Some x else None)));
  Option.iter (Printf.printf "iter %d\n") o;
  let r : (int, string) result = Ok 3 and e : (int, string) result = Error "bad" in
  Printf.printf "map %s map_error %s bind %s join %s\n" (show_res (Result.map succ r)) (show_res (Result.map_error String.uppercase_ascii e))
    (show_res (Result.bind r positive)) (show_res (Result.join (Ok (Ok 9))));
  Printf.printf "value %d get_ok %d get_error %s is_ok %b is_error %b\n" (Result.value ~default:0 e) (Result.get_ok r)
    (Result.get_error e) (Result.is_ok r) (Result.is_error r);
  Printf.printf "fold %s, to_option %s, to_list %d, equal %b, compare %d\n"
    (Result.fold ~ok:string_of_int ~error:(fun s -> s) e) (show_opt (Result.to_option r)) (List.length (Result.to_list e))
    (Result.equal ~ok:( = ) ~error:( = ) r (Ok 3)) (Result.compare ~ok:compare ~error:compare r e);
  (match Result.get_ok e with _ -> () | exception Invalid_argument m -> Printf.printf "get_ok on Error: %s\n" m);
  (match Option.get None with _ -> () | exception Invalid_argument m -> Printf.printf "Option.get None: %s\n" m);
  Result.iter_error print_endline e;
  let l : (int, string) Either.t list = [ Either.Left 1; Either.Right "a"; Either.Left 2; Either.Right "b" ] in
  let lefts = List.filter_map Either.find_left l and rights = List.filter_map Either.find_right l in
  Printf.printf "lefts %s rights %s\n" (String.concat "," (List.map string_of_int lefts)) (String.concat "," rights);
  List.iter (fun x -> print_string (Either.fold ~left:(fun n -> string_of_int (n * 10)) ~right:String.uppercase_ascii x ^ " ")) l;
  print_newline ();
  Printf.printf "is_left %b is_right %b\n" (Either.is_left (List.hd l)) (Either.is_right (List.hd l));
  let m = Either.map ~left:succ ~right:String.length (Either.Right "four") in
  Printf.printf "map: %s\n" (match m with Either.Left n -> "L" ^ string_of_int n | Either.Right n -> "R" ^ string_of_int n);
  Printf.printf "equal %b compare %d\n" (Either.equal ~left:( = ) ~right:( = ) (Either.Left 1) (Either.Left 1))
    (Either.compare ~left:compare ~right:compare (Either.Left 5) (Either.Right "x"));
  (* a pipeline of results over a list: collect errors *)
  let results = List.map parse_int [ "1"; "2"; "three"; "4"; "five" ] in
  let oks = List.filter_map Result.to_option results in
  let errs = List.filter_map (function Error e -> Some e | Ok _ -> None) results in
  Printf.printf "oks %s, errors [%s]\n" (String.concat "," (List.map string_of_int oks)) (String.concat "; " errs)
