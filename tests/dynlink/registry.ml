let fns : (string * (int -> int)) list ref = ref []
let register name f = fns := (name, f) :: !fns
