#include <caml/mlvalues.h>
value plug_triple(value n) { return Val_long(3 * Long_val(n)); }
