/* More of the test stub library of tests/stubs.rs (linked into the same dllwstub.so): custom
 * operations whose serialize/deserialize raise (stubs_marshal_raise.ml), and custom blocks
 * holding memory outside the heap under Gc.Memprof (stubs_memprof.ml). */

#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/intext.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <string.h>

/* ---- custom operations that raise while marshalling ---- */

#define Flaky_val(v) (*(intnat *)Data_custom_val(v))

static void flaky_serialize(value v, uintnat *b32, uintnat *b64) {
  intnat x = Flaky_val(v);
  if (x < 0) caml_failwith("flaky: cannot serialize a negative");
  if (x == 100) caml_raise_not_found();
  caml_serialize_int_8(x);
  *b32 = 8;
  *b64 = 8;
}

static uintnat flaky_deserialize(void *dst) {
  intnat x = caml_deserialize_sint_8();
  if (x == 13) caml_failwith("flaky: unlucky");
  if (x == 14) caml_deserialize_error("flaky: fourteen");
  if (x == 15) caml_invalid_argument("flaky: fifteen");
  *(intnat *)dst = x;
  return 8;
}

static struct custom_operations flaky_ops = {
  "wstub.flaky", custom_finalize_default, custom_compare_default, custom_hash_default,
  flaky_serialize, flaky_deserialize, custom_compare_ext_default, custom_fixed_length_default
};

value wstub_flaky(value x) {
  static int registered = 0;
  if (!registered) {
    caml_register_custom_operations(&flaky_ops);
    registered = 1;
  }
  value v = caml_alloc_custom(&flaky_ops, sizeof(intnat), 0, 1);
  Flaky_val(v) = Long_val(x);
  return v;
}

value wstub_flaky_get(value v) { return Val_long(Flaky_val(v)); }

/* ---- custom blocks holding memory outside the heap ---- */

static struct custom_operations held_ops = {
  "wstub.held", custom_finalize_default, custom_compare_default, custom_hash_default,
  custom_serialize_default, custom_deserialize_default, custom_compare_ext_default,
  custom_fixed_length_default
};

/* [custom_mem n words bytes]: n blocks of [words] data words from caml_alloc_custom_mem,
 * each holding [bytes] outside the heap. */
value wstub_custom_mem(value n, value words, value bytes) {
  for (intnat i = 0; i < Long_val(n); i++)
    (void)caml_alloc_custom_mem(&held_ops, Long_val(words) * sizeof(value), Long_val(bytes));
  return Val_unit;
}

/* [custom_ratio n bytes]: n blocks from caml_alloc_custom (mem/max = bytes/1000000). */
value wstub_custom_ratio(value n, value bytes) {
  for (intnat i = 0; i < Long_val(n); i++)
    (void)caml_alloc_custom(&held_ops, sizeof(value), Long_val(bytes), 1000000);
  return Val_unit;
}
