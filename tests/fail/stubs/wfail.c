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
