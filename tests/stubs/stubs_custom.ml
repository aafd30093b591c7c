(* Custom operations of C stubs whose compare and hash raise, and compare_ext against
   immediates (tests/stubs/wstub.c). *)
type cint
external cint : int -> cint = "wstub_cint"

let imm (n : int) : cint = Obj.magic n

let () =
  Printf.printf "compare %d %d %d\n" (compare (cint 3) (cint 5)) (compare (cint 5) (cint 3))
    (compare (cint 4) (cint 4));
  Printf.printf "compare_ext %d %d %d %d\n" (compare (cint 3) (imm 3)) (compare (imm 7) (cint 3))
    (compare (cint 2) (imm 9)) (compare (imm 1) (cint 1));
  Printf.printf "equal %b %b\n" (cint 3 = imm 3) (imm 2 = cint 5);
  Printf.printf "lists %d\n" (compare [ cint 1; imm 2 ] [ imm 1; cint 3 ]);
  (try Printf.printf "%d\n" (compare (cint (-1)) (cint 2))
   with Failure m -> Printf.printf "Failure %s\n" m);
  (try Printf.printf "%b\n" (cint 2 = cint (-3))
   with Failure m -> Printf.printf "Failure %s\n" m);
  Printf.printf "hash %d %d\n" (Hashtbl.hash (cint 4)) (Hashtbl.hash [ cint 5; cint 6 ]);
  (try Printf.printf "%d\n" (Hashtbl.hash (cint 13))
   with Invalid_argument m -> Printf.printf "Invalid_argument %s\n" m);
  (try Printf.printf "%d\n" (Hashtbl.hash (1, [ cint 2; cint 13 ]))
   with Invalid_argument m -> Printf.printf "Invalid_argument %s\n" m);
  let l = List.sort compare [ cint 5; cint 1; cint 3 ] in
  Printf.printf "sorted %b\n" (l = [ cint 1; cint 3; cint 5 ])
