/* Buggy stubs for the hardened fail-tests (tests/hardened_fail.rs): each makes one mistake
 * that the hardened build names. */
#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>

/* A CAMLparam without CAMLreturn: the root block of this frame stays on the list. */
value wfail_unbalanced(value v) {
  CAMLparam1(v);
  return v;
}

/* An allocation between caml_enter_blocking_section and caml_leave_blocking_section. */
value wfail_alloc_in_blocking(value v) {
  value r;
  caml_enter_blocking_section();
  r = caml_copy_double((double)Long_val(v));
  caml_leave_blocking_section();
  return r;
}

/* A custom block whose finaliser allocates (it runs inside the collector). */
#include <caml/custom.h>
static void bad_finalize(value v) {
  (void)v;
  caml_copy_double(1.0);
}
static struct custom_operations bad_ops = {
  "wfail.bad_finalizer", bad_finalize, custom_compare_default, custom_hash_default,
  custom_serialize_default, custom_deserialize_default, custom_compare_ext_default,
  custom_fixed_length_default
};
value wfail_bad_custom(value unit) {
  (void)unit;
  return caml_alloc_custom(&bad_ops, sizeof(long), 0, 1);
}

/* A write one word past the end of a block the stub allocated. */
value wfail_overflow(value n) {
  value v = caml_alloc(Long_val(n), 0);
  Field(v, Long_val(n)) = Val_int(42);
  return v;
}

/* Unchecked accesses relative to field 0 of a block, in words or bytes: what unchecked
 * bytecode stores did before the hardened build checked every interpreter access. The heap
 * fail-tests corrupt the heap with them, as a buggy stub or runtime would. */
value wfail_store(value b, value i, value v) {
  ((value *)b)[Long_val(i)] = v;
  return Val_unit;
}
value wfail_set_byte(value b, value i, value c) {
  ((unsigned char *)b)[Long_val(i)] = (unsigned char)Long_val(c);
  return Val_unit;
}
value wfail_get_byte(value b, value i) {
  return Val_long(((unsigned char *)b)[Long_val(i)]);
}

/* A young block kept in a plain C local (no CAMLlocal) across a callback that collects:
 * the copy returned points into the evacuated minor arena. */
#include <caml/callback.h>
value wfail_unrooted(value f) {
  value pair = caml_alloc_tuple(2);
  Field(pair, 0) = Val_int(1);
  Field(pair, 1) = Val_int(2);
  caml_callback(f, Val_unit);
  return pair;
}

/* A major block kept in a plain C local across a callback that runs a full major
 * collection, then stored into with caml_modify: the sweeper freed it. */
value wfail_unrooted_major(value f) {
  value b = caml_alloc_shr(4, 0);
  for (int i = 0; i < 4; i++) caml_initialize(&Field(b, i), Val_int(i));
  caml_callback(f, Val_unit);
  caml_modify(&Field(b, 0), Val_int(7));
  return Val_unit;
}

/* A young value stored into a major block with a plain store (no caml_modify). */
value wfail_store_young(value arr) {
  value young = caml_alloc_small(1, 0);
  Field(young, 0) = Val_int(5);
  Field(arr, 5) = young;
  return Val_unit;
}
