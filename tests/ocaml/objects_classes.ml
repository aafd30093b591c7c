(* Classes: inheritance, virtual methods, super calls, self, initializers, private
   methods, instance variables, Oo.copy, functional update {< >}, class parameters,
   polymorphic methods and coercions. *)

class virtual shape (name : string) =
  object (self)
    method virtual area : float
    method virtual perimeter : float
    method name = name
    method describe = Printf.sprintf "%s: area %.2f perimeter %.2f" self#name self#area self#perimeter
  end

class rectangle w h =
  object
    inherit shape "rectangle"
    method area = w *. h
    method perimeter = 2. *. (w +. h)
  end

class square s =
  object (self)
    inherit rectangle s s as super
    method! name = "square"
    method! describe = "[" ^ super#describe ^ "] side " ^ string_of_float (self#area ** 0.5)
  end

class circle r =
  object
    inherit shape "circle"
    method area = 3.14159 *. r *. r
    method perimeter = 2. *. 3.14159 *. r
  end

class counter init =
  object (self)
    val mutable count = init
    val step = 1
    method get = count
    method incr = count <- count + step; self
    method private secret = count * 1000
    method reveal = self#secret
    method with_step s = {< step = s >}
    initializer if init mod 250 = 0 || init = 10 then Printf.printf "counter created with %d\n" init
  end

class logged_counter init =
  object
    inherit counter init as super
    val mutable log = []
    method! incr = log <- count :: log; super#incr
    method log = List.rev log
    initializer print_endline "logged_counter initializer (after parent)"
  end

class ['a] stack =
  object
    val mutable items : 'a list = []
    method push (x : 'a) = items <- x :: items
    method pop = match items with [] -> None | x :: r -> items <- r; Some x
    method size = List.length items
  end

class poly_holder =
  object
    method apply : 'a. ('a -> 'a) -> 'a -> 'a = fun f x -> f (f x)
  end

(* mutually recursive classes *)
class node (v : int) =
  object
    val mutable next : node option = None
    method value = v
    method set_next n = next <- Some n
    method sum_to_end : int = v + (match next with None -> 0 | Some n -> n#sum_to_end)
  end

let () =
  let shapes : shape list = [ (new rectangle 2. 3. :> shape); (new square 4. :> shape); (new circle 1. :> shape) ] in
  List.iter (fun s -> print_endline s#describe) shapes;
  let c = new counter 10 in
  ignore (c#incr#incr#incr);
  Printf.printf "counter: %d reveal %d\n" c#get c#reveal;
  let c2 = Oo.copy c in
  ignore c2#incr;
  Printf.printf "copy is independent: %d vs %d\n" c#get c2#get;
  let c3 = c#with_step 10 in
  ignore c3#incr;
  Printf.printf "functional update: orig %d new %d\n" c#get c3#get;
  let lc = new logged_counter 0 in
  for _ = 1 to 4 do ignore lc#incr done;
  Printf.printf "logged: %d [%s]\n" lc#get (String.concat ";" (List.map string_of_int lc#log));
  (* a logged_counter seen as a counter: dynamic dispatch still calls the override *)
  let as_counter = (lc :> counter) in
  ignore as_counter#incr;
  Printf.printf "via coercion: %d, log length %d\n" lc#get (List.length lc#log);
  let s = new stack in
  List.iter s#push [ "a"; "b"; "c" ];
  Printf.printf "stack size %d, pop %s\n" s#size (Option.value ~default:"-" s#pop);
  let p = new poly_holder in
  Printf.printf "poly: %d %s\n" (p#apply succ 1) (p#apply (fun s -> s ^ "!") "hi");
  let n1 = new node 1 and n2 = new node 2 and n3 = new node 3 in
  n1#set_next n2; n2#set_next n3;
  Printf.printf "linked sum: %d\n" n1#sum_to_end;
  (* object equality is physical; compare uses object ids *)
  Printf.printf "c = c: %b, c = c2: %b\n" (c = c) (c = c2);
  Printf.printf "copy has a different id: %b\n" (Oo.id c <> Oo.id c2);
  (* many objects *)
  let objs = List.init 1000 (fun i -> new counter i) in
  let total = List.fold_left (fun acc o -> acc + o#incr#get) 0 objs in
  Printf.printf "total: %d\n" total
