/* The test stub library of tests/stubs.rs: C compiled by the stock `ocamlc -c` against the
 * stock headers, linked by `ocamlmklib`. Each function exercises part of the C API; the
 * OCaml programs beside it print what they get, and the stock ocamlrun is the oracle. */

#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/intext.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>
#include <caml/threads.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* ---- allocation ---- */

value wstub_tuple(value a, value b, value c) {
  CAMLparam3(a, b, c);
  CAMLlocal1(t);
  t = caml_alloc_tuple(3);
  Store_field(t, 0, a);
  Store_field(t, 1, b);
  Store_field(t, 2, c);
  CAMLreturn(t);
}

value wstub_small(value a, value b) {
  value v = caml_alloc_small(2, 3);
  Field(v, 0) = a;
  Field(v, 1) = b;
  return v;
}

value wstub_boxes(value unit) {
  CAMLparam1(unit);
  CAMLlocal5(r, d, i32, i64, ni);
  d = caml_copy_double(3.25);
  i32 = caml_copy_int32(-123456);
  i64 = caml_copy_int64(0x123456789abcLL);
  ni = caml_copy_nativeint(-42);
  r = caml_alloc(4, 0);
  Store_field(r, 0, d);
  Store_field(r, 1, i32);
  Store_field(r, 2, i64);
  Store_field(r, 3, ni);
  CAMLreturn(r);
}

value wstub_strings(value s) {
  CAMLparam1(s);
  CAMLlocal3(r, a, b);
  static const char *const names[] = {"alpha", "beta", "gamma", NULL};
  a = caml_copy_string_array(names);
  b = caml_alloc_initialized_string(5, "he\0lo");
  r = caml_alloc_string(caml_string_length(s) * 2);
  memcpy(Bytes_val(r), String_val(s), caml_string_length(s));
  memcpy(Bytes_val(r) + caml_string_length(s), String_val(s), caml_string_length(s));
  value t = caml_alloc_3(0, r, a, b);
  CAMLreturn(t);
}

value wstub_is_c_safe(value s) { return Val_bool(caml_string_is_c_safe(s)); }

value wstub_floats(value n) {
  CAMLparam1(n);
  CAMLlocal1(a);
  a = caml_alloc_float_array(Long_val(n));
  for (long i = 0; i < Long_val(n); i++) Store_double_flat_field(a, i, i * 0.5);
  CAMLreturn(a);
}

/* A big block (major heap) whose fields are young values. */
value wstub_big(value n) {
  CAMLparam1(n);
  CAMLlocal2(r, s);
  long len = Long_val(n);
  r = caml_alloc(len, 0);
  for (long i = 0; i < len; i++) {
    s = caml_copy_double((double)i);
    s = caml_alloc_some(s);
    Store_field(r, i, s);
  }
  CAMLreturn(r);
}

value wstub_shr(value x) {
  CAMLparam1(x);
  CAMLlocal1(r);
  r = caml_alloc_shr(2, 0);
  caml_initialize(&Field(r, 0), x);
  caml_initialize(&Field(r, 1), Val_int(7));
  caml_modify(&Field(r, 1), caml_copy_double(1.5));
  CAMLreturn(r);
}

value wstub_some(value x) { return caml_alloc_some(x); }

value wstub_array_length(value a) { return Val_long(caml_array_length(a)); }

/* Six arguments: the bytecode (argv, argc) form. */
value wstub_six_byte(value *argv, int argc) {
  long s = 0;
  for (int i = 0; i < argc; i++) s = s * 10 + Long_val(argv[i]);
  return Val_long(s);
}
value wstub_six(value a, value b, value c, value d, value e, value f) {
  value argv[6] = {a, b, c, d, e, f};
  return wstub_six_byte(argv, 6);
}

/* ---- exceptions ---- */

value wstub_raise(value which) {
  CAMLparam1(which);
  CAMLlocal1(tmp);
  tmp = caml_copy_string("kept");
  switch (Int_val(which)) {
  case 0: caml_failwith("from C");
  case 1: caml_invalid_argument("bad arg from C");
  case 2: caml_raise_not_found();
  case 3: caml_raise_end_of_file();
  case 4: caml_raise_zero_divide();
  case 5: caml_raise_sys_error(tmp);
  case 6: caml_array_bound_error();
  case 7: {
    const value *exn = caml_named_value("wstub exn");
    caml_raise_with_arg(*exn, tmp);
  }
  case 8: {
    const value *exn = caml_named_value("wstub exn2");
    value args[2] = {Val_int(1), Val_int(2)};
    caml_raise_with_args(*exn, 2, args);
  }
  case 9: {
    const value *exn = caml_named_value("wstub exn");
    caml_raise_with_string(*exn, "with string");
  }
  case 10: caml_failwith_value(tmp);
  case 11: caml_invalid_argument_value(tmp);
  case 12: caml_raise_out_of_memory();
  default: break;
  }
  CAMLreturn(tmp);
}

/* ---- callbacks ---- */

value wstub_apply(value f, value x) {
  CAMLparam2(f, x);
  CAMLlocal1(r);
  r = caml_callback(f, x);
  CAMLreturn(r);
}

value wstub_apply2(value f, value x, value y) { return caml_callback2(f, x, y); }
value wstub_apply3(value f, value x, value y, value z) { return caml_callback3(f, x, y, z); }

value wstub_applyN(value f, value l) {
  CAMLparam2(f, l);
  value args[4];
  int n = 0;
  for (value p = l; Is_block(p) && n < 4; p = Field(p, 1)) args[n++] = Field(p, 0);
  CAMLreturn(caml_callbackN(f, n, args));
}

/* Calls f; returns Ok r or Error e without raising. */
value wstub_try(value f, value x) {
  CAMLparam2(f, x);
  CAMLlocal2(r, res);
  r = caml_callback_exn(f, x);
  if (Is_exception_result(r)) {
    r = Extract_exception(r);
    res = caml_alloc(1, 1);
  } else {
    res = caml_alloc(1, 0);
  }
  Store_field(res, 0, r);
  CAMLreturn(res);
}

value wstub_try_res(value f, value x) {
  CAMLparam2(f, x);
  caml_result r = caml_callback_res(f, x);
  CAMLreturn(Val_bool(caml_result_is_exception(r)));
}

/* Builds a list of n elements, calling f (which allocates) for each; the partial list is
 * a local root across the callbacks, which may collect. */
value wstub_build(value f, value n) {
  CAMLparam2(f, n);
  CAMLlocal3(l, x, cell);
  l = Val_emptylist;
  for (long i = Long_val(n) - 1; i >= 0; i--) {
    x = caml_callback(f, Val_long(i));
    cell = caml_alloc_small(2, 0);
    Field(cell, 0) = x;
    Field(cell, 1) = l;
    l = cell;
  }
  CAMLreturn(l);
}

value wstub_named(value name, value x) {
  const value *f = caml_named_value(String_val(name));
  if (f == NULL) return Val_int(-1);
  return caml_callback(*f, x);
}

/* ---- custom blocks ---- */

static atomic_long finalized;

struct point { long x, y; };
#define Point_val(v) ((struct point *)Data_custom_val(v))

static void point_finalize(value v) { (void)v; atomic_fetch_add(&finalized, 1); }
static int point_compare(value a, value b) {
  struct point *p = Point_val(a), *q = Point_val(b);
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return 0;
}
static intnat point_hash(value v) { return Point_val(v)->x * 31 + Point_val(v)->y; }
static void point_serialize(value v, uintnat *b32, uintnat *b64) {
  caml_serialize_int_8(Point_val(v)->x);
  caml_serialize_int_4((int32_t)Point_val(v)->y);
  caml_serialize_int_1(7);
  caml_serialize_float_8(0.5);
  *b32 = sizeof(struct point);
  *b64 = sizeof(struct point);
}
static uintnat point_deserialize(void *dst) {
  struct point *p = dst;
  p->x = caml_deserialize_sint_8();
  p->y = caml_deserialize_sint_4();
  if (caml_deserialize_uint_1() != 7) caml_deserialize_error("bad marker");
  if (caml_deserialize_float_8() != 0.5) caml_deserialize_error("bad float");
  return sizeof(struct point);
}

static struct custom_operations point_ops = {
  "wstub.point", point_finalize, point_compare, point_hash,
  point_serialize, point_deserialize, custom_compare_ext_default, custom_fixed_length_default
};

value wstub_point(value x, value y) {
  value v = caml_alloc_custom(&point_ops, sizeof(struct point), 0, 1);
  Point_val(v)->x = Long_val(x);
  Point_val(v)->y = Long_val(y);
  return v;
}

value wstub_point_x(value v) {
  if (Custom_ops_val(v) != &point_ops) caml_invalid_argument("not a point");
  return Val_long(Point_val(v)->x);
}

value wstub_finalized(value unit) { (void)unit; return Val_long(atomic_load(&finalized)); }

value wstub_register(value unit) {
  (void)unit;
  caml_register_custom_operations(&point_ops);
  return Val_unit;
}

/* ---- global roots ---- */

static value root_plain = Val_unit;
static value root_gen = Val_unit;

value wstub_set_roots(value a, value b) {
  static int registered = 0;
  if (!registered) {
    caml_register_global_root(&root_plain);
    caml_register_generational_global_root(&root_gen);
    registered = 1;
  }
  root_plain = a;
  caml_modify_generational_global_root(&root_gen, b);
  return Val_unit;
}

value wstub_get_roots(value unit) {
  (void)unit;
  return caml_alloc_2(0, root_plain, root_gen);
}

value wstub_drop_roots(value unit) {
  (void)unit;
  caml_remove_global_root(&root_plain);
  caml_remove_generational_global_root(&root_gen);
  return Val_unit;
}

/* ---- blocking sections and domains ---- */

static atomic_long slow_calls;

value wstub_slow(value ms, value s) {
  CAMLparam2(ms, s);
  CAMLlocal1(r);
  long n = caml_string_length(s);
  char buf[64];
  if (n > 63) n = 63;
  memcpy(buf, String_val(s), n);
  caml_enter_blocking_section();
  usleep(Long_val(ms) * 1000);
  for (long i = 0; i < n; i++) buf[i] = buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i];
  atomic_fetch_add(&slow_calls, 1);
  caml_leave_blocking_section();
  r = caml_alloc_initialized_string(n, buf);
  CAMLreturn(r);
}

value wstub_slow_calls(value unit) { (void)unit; return Val_long(atomic_load(&slow_calls)); }

value wstub_pending(value unit) {
  (void)unit;
  caml_process_pending_actions();
  return Val_unit;
}

/* ---- bigarrays ---- */

value wstub_ba_sum(value ba) {
  struct caml_ba_array *b = Caml_ba_array_val(ba);
  double s = 0;
  intnat n = 1;
  for (int i = 0; i < b->num_dims; i++) n *= b->dim[i];
  if ((b->flags & CAML_BA_KIND_MASK) != CAML_BA_FLOAT64) caml_invalid_argument("float64");
  for (intnat i = 0; i < n; i++) s += ((double *)b->data)[i];
  return caml_copy_double(s);
}

/* ---- Marshal from C, caml_alloc_final ---- */

#include <caml/intext.h>
#include <stdlib.h>

/* Marshals v to a malloc'ed buffer and reads it back from the block and from a malloc'ed
 * copy; returns (length, value read from the block, value read from the copy). */
value wstub_marshal(value v) {
  CAMLparam1(v);
  CAMLlocal3(a, b, r);
  char *buf;
  intnat len;
  caml_output_value_to_malloc(v, Val_emptylist, &buf, &len);
  a = caml_input_value_from_block(buf, len);
  char *copy = malloc(len + 3);
  memcpy(copy + 3, buf, len);
  b = caml_input_value_from_malloc(copy, 3);
  free(buf);
  r = caml_alloc_tuple(3);
  Store_field(r, 0, Val_long(len));
  Store_field(r, 1, a);
  Store_field(r, 2, b);
  CAMLreturn(r);
}

/* Marshals v into a buffer of n bytes (Failure when it does not fit); returns the length. */
value wstub_marshal_block(value v, value n) {
  char buf[256];
  intnat cap = Long_val(n) < 256 ? Long_val(n) : 256;
  return Val_long(caml_output_value_to_block(v, Val_emptylist, buf, cap));
}

/* Reads a marshalled value from the first n bytes of s (a truncated one raises). */
value wstub_unmarshal_prefix(value s, value n) {
  return caml_input_value_from_block(String_val(s), Long_val(n));
}

static atomic_long final_calls;
static void count_final(value v) { (void)v; atomic_fetch_add(&final_calls, 1); }

value wstub_final(value n) {
  value v = caml_alloc_final(2, count_final, 0, 1);
  ((intnat *)Data_custom_val(v))[0] = Long_val(n);
  return v;
}

value wstub_final_get(value v) { return Val_long(((intnat *)Data_custom_val(v))[0]); }
value wstub_final_calls(value unit) { (void)unit; return Val_long(atomic_load(&final_calls)); }

/* ---- custom operations that raise, and compare_ext ---- */

#define Cint_val(v) (*(intnat *)Data_custom_val(v))
static intnat cint_of(value v) { return Is_long(v) ? Long_val(v) : Cint_val(v); }
static int cint_compare(value a, value b) {
  intnat x = Cint_val(a), y = Cint_val(b);
  if (x < 0 || y < 0) caml_failwith("cint compare: negative");
  return (x > y) - (x < y);
}
static int cint_compare_ext(value a, value b) {
  intnat x = cint_of(a), y = cint_of(b);
  return (x > y) - (x < y);
}
static intnat cint_hash(value v) {
  if (Cint_val(v) == 13) caml_invalid_argument("cint hash: 13");
  return Cint_val(v);
}
static struct custom_operations cint_ops = {
  "wstub.cint", custom_finalize_default, cint_compare, cint_hash,
  custom_serialize_default, custom_deserialize_default, cint_compare_ext,
  custom_fixed_length_default
};
value wstub_cint(value n) {
  value v = caml_alloc_custom(&cint_ops, sizeof(intnat), 0, 1);
  Cint_val(v) = Long_val(n);
  return v;
}
