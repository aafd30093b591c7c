(* Objects and method calls: classes with inheritance and overriding, virtual methods,
   self calls, immediate objects, functional update ({< >}) and dynamic dispatch over a
   heterogeneous list. Usage: objects [n] *)
let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 5_000_000

class virtual shape (name : string) = object (self)
  method name = name
  method virtual area : int
  method describe = String.length self#name + self#area
end

class rect w h = object
  inherit shape "rect"
  val w = w
  val h = h
  method area = w * h
  method widen d = {< w = w + d >}
end

class square s = object
  inherit rect s s
  method! name = "square"
end

class circle r = object
  inherit shape "circle"
  method area = 3 * r * r
end

class counter = object
  val mutable n = 0
  method incr = n <- n + 1; n
  method get = n
end

let () =
  let shapes = [| (new rect 3 4 :> shape); (new square 5 :> shape); (new circle 2 :> shape);
                  object inherit shape "point" method area = 0 end |] in
  let c = new counter in
  let sum = ref 0 in
  let r = ref (new rect 1 1) in
  for i = 1 to n do
    let s = shapes.(i land 3) in
    sum := !sum + s#area + s#describe;
    if i land 1023 = 0 then r := (new rect 1 1)#widen (i land 7);
    sum := !sum + (!r)#area + c#incr
  done;
  Printf.printf "objects %d: %d %d\n" n !sum c#get
