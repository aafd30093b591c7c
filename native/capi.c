/* The C side of warden's OCaml C API (see src/capi/ and docs/stubs.md).
 *
 * It owns what must be C: the thread-local `caml_state` that stubs compiled against the stock
 * 5.3 headers read, and every function that leaves a stub by a jump (caml_raise and its
 * family, the callbacks that re-raise), through warden_unwind (native/trampoline.c, with the
 * trampolines that call stubs). A jump never crosses a Rust frame: the Rust functions stubs
 * call return a status, and the C wrapper here does the jump. Everything that touches the
 * heap is in Rust (`warden_capi_*`). */

#include "capi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the domain state stubs see ---- */

__attribute__((visibility("default"))) WARDEN_TLS struct warden_domain_state *caml_state;

struct warden_domain_state *warden_capi_state(void) {
  if (caml_state == NULL) {
    struct warden_domain_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
      fputs("Fatal error: out of memory\n", stderr);
      abort();
    }
    /* A limit above every pointer: each inline allocation of a CAML_INTERNALS stub goes
     * to caml_alloc_small_dispatch, which hands it a block of warden's. */
    s->field[WARDEN_DS_YOUNG_LIMIT] = UINTPTR_MAX;
    s->field[WARDEN_DS_YOUNG_PTR] = 0;
    caml_state = s;
  }
  return caml_state;
}

void **warden_capi_local_roots_slot(void) {
  return (void **)&warden_capi_state()->field[WARDEN_DS_LOCAL_ROOTS];
}

/* Leaves the stub for the exception (or exit) that the Rust side left pending. */
__attribute__((noreturn)) void warden_raise_pending(void) {
  warden_unwind(WARDEN_RAISE_PENDING, 0);
}

#define OR_PENDING(call)                                                                      \
  do {                                                                                        \
    value r_ = (call);                                                                        \
    if (r_ == 0) warden_raise_pending();                                                      \
    return r_;                                                                                \
  } while (0)

/* ---- exceptions ---- */

CAMLexport __attribute__((noreturn)) void caml_raise(value v) {
  warden_unwind(WARDEN_RAISE_VALUE, v);
}

CAMLexport __attribute__((noreturn)) void caml_raise_constant(value tag) { caml_raise(tag); }

CAMLexport __attribute__((noreturn)) void caml_raise_with_args(value tag, int n, const value *args) {
  value e = warden_capi_make_exn(tag, n, args);
  if (e == 0) warden_raise_pending();
  caml_raise(e);
}

CAMLexport __attribute__((noreturn)) void caml_raise_with_arg(value tag, value arg) {
  caml_raise_with_args(tag, 1, &arg);
}

CAMLexport __attribute__((noreturn)) void caml_raise_with_string(value tag, const char *msg) {
  value s = warden_capi_copy_string(msg);
  if (s == 0) warden_raise_pending();
  caml_raise_with_args(tag, 1, &s);
}

CAMLexport __attribute__((noreturn)) void caml_failwith(const char *msg) {
  caml_raise_with_string(warden_capi_predef(WARDEN_EXN_FAILURE), msg);
}

CAMLexport __attribute__((noreturn)) void caml_failwith_value(value msg) {
  caml_raise_with_arg(warden_capi_predef(WARDEN_EXN_FAILURE), msg);
}

CAMLexport __attribute__((noreturn)) void caml_invalid_argument(const char *msg) {
  caml_raise_with_string(warden_capi_predef(WARDEN_EXN_INVALID_ARGUMENT), msg);
}

CAMLexport __attribute__((noreturn)) void caml_invalid_argument_value(value msg) {
  caml_raise_with_arg(warden_capi_predef(WARDEN_EXN_INVALID_ARGUMENT), msg);
}

CAMLexport __attribute__((noreturn)) void caml_array_bound_error(void) {
  caml_invalid_argument("index out of bounds");
}

CAMLexport __attribute__((noreturn)) void caml_raise_out_of_memory(void) {
  caml_raise(warden_capi_predef(WARDEN_EXN_OUT_OF_MEMORY));
}

CAMLexport __attribute__((noreturn)) void caml_raise_stack_overflow(void) {
  caml_raise(warden_capi_predef(WARDEN_EXN_STACK_OVERFLOW));
}

CAMLexport __attribute__((noreturn)) void caml_raise_sys_error(value msg) {
  caml_raise_with_arg(warden_capi_predef(WARDEN_EXN_SYS_ERROR), msg);
}

CAMLexport __attribute__((noreturn)) void caml_raise_end_of_file(void) {
  caml_raise(warden_capi_predef(WARDEN_EXN_END_OF_FILE));
}

CAMLexport __attribute__((noreturn)) void caml_raise_zero_divide(void) {
  caml_raise(warden_capi_predef(WARDEN_EXN_DIVISION_BY_ZERO));
}

CAMLexport __attribute__((noreturn)) void caml_raise_not_found(void) {
  caml_raise(warden_capi_predef(WARDEN_EXN_NOT_FOUND));
}

CAMLexport __attribute__((noreturn)) void caml_raise_sys_blocked_io(void) {
  caml_raise(warden_capi_predef(WARDEN_EXN_SYS_BLOCKED_IO));
}

CAMLexport void caml_raise_if_exception(value res) {
  if ((res & 3) == 2) caml_raise(res & ~(value)3);
}

CAMLexport value caml_get_value_or_raise(struct caml_result_private r) {
  if (r.is_exception) caml_raise(r.data);
  return r.data;
}

CAMLexport __attribute__((noreturn)) void caml_fatal_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("Fatal error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

CAMLexport __attribute__((noreturn)) void caml_bad_caml_state(void) {
  caml_fatal_error("no domain lock held");
}

/* ---- callbacks ---- */

CAMLexport value caml_callbackN_exn(value closure, int narg, value args[]) {
  value r;
  int st = warden_capi_callback(closure, narg, args, &r);
  if (st == WARDEN_RAISE_PENDING) warden_raise_pending();
  if (st == WARDEN_RAISE_VALUE) return r | 2;
  return r;
}

CAMLexport value caml_callback_exn(value closure, value arg) {
  return caml_callbackN_exn(closure, 1, &arg);
}

CAMLexport value caml_callback2_exn(value closure, value arg1, value arg2) {
  value args[2] = {arg1, arg2};
  return caml_callbackN_exn(closure, 2, args);
}

CAMLexport value caml_callback3_exn(value closure, value arg1, value arg2, value arg3) {
  value args[3] = {arg1, arg2, arg3};
  return caml_callbackN_exn(closure, 3, args);
}

CAMLexport value caml_callbackN(value closure, int narg, value args[]) {
  value r = caml_callbackN_exn(closure, narg, args);
  caml_raise_if_exception(r);
  return r;
}

CAMLexport value caml_callback(value closure, value arg) {
  return caml_callbackN(closure, 1, &arg);
}

CAMLexport value caml_callback2(value closure, value arg1, value arg2) {
  value args[2] = {arg1, arg2};
  return caml_callbackN(closure, 2, args);
}

CAMLexport value caml_callback3(value closure, value arg1, value arg2, value arg3) {
  value args[3] = {arg1, arg2, arg3};
  return caml_callbackN(closure, 3, args);
}

static struct caml_result_private result_of(value r) {
  struct caml_result_private res;
  res.is_exception = (r & 3) == 2;
  res.data = res.is_exception ? (r & ~(value)3) : r;
  return res;
}

CAMLexport struct caml_result_private caml_callbackN_res(value closure, int narg, value args[]) {
  return result_of(caml_callbackN_exn(closure, narg, args));
}

CAMLexport struct caml_result_private caml_callback_res(value closure, value arg) {
  return result_of(caml_callbackN_exn(closure, 1, &arg));
}

CAMLexport struct caml_result_private caml_callback2_res(value closure, value arg1, value arg2) {
  return result_of(caml_callback2_exn(closure, arg1, arg2));
}

CAMLexport struct caml_result_private caml_callback3_res(value closure, value arg1, value arg2,
                                                        value arg3) {
  return result_of(caml_callback3_exn(closure, arg1, arg2, arg3));
}

/* ---- allocation that may raise ---- */

CAMLexport value caml_copy_string(const char *s);

CAMLexport value caml_alloc(uintnat wosize, uintnat tag) { OR_PENDING(warden_capi_alloc(wosize, tag)); }

CAMLexport value caml_alloc_shr(uintnat wosize, uintnat tag) {
  OR_PENDING(warden_capi_alloc_shr(wosize, tag));
}

CAMLexport value caml_alloc_string(uintnat len) { OR_PENDING(warden_capi_alloc_string(len)); }

CAMLexport value caml_alloc_float_array(uintnat len) {
  OR_PENDING(warden_capi_alloc_float_array(len));
}

void caml_modify(value *fp, value v);
value caml_atom(unsigned char tag);

/* Warden's allocations never collect, so `res` needs no root while `conv` allocates; `conv`
 * may raise, which is why this is C. */
CAMLexport value caml_alloc_array(value (*conv)(const char *), const char *const *arr) {
  intnat n = 0;
  while (arr[n] != NULL) n++;
  if (n == 0) return caml_atom(0);
  value res = caml_alloc(n, 0);
  for (intnat i = 0; i < n; i++) {
    value v = conv(arr[i]);
    caml_modify((value *)res + i, v);
  }
  return res;
}

CAMLexport value caml_copy_string_array(const char *const *arr) {
  return caml_alloc_array(caml_copy_string, arr);
}

CAMLexport value caml_alloc_initialized_string(uintnat len, const char *p) {
  value s = caml_alloc_string(len);
  memcpy((char *)s, p, len);
  return s;
}

CAMLexport value caml_copy_string(const char *s) {
  return caml_alloc_initialized_string(strlen(s), s);
}

/* Called by the inline Alloc_small of stubs built with CAML_INTERNALS (the limit sends
 * every one here): the block's header goes where young_ptr points when this returns. */
CAMLexport void caml_alloc_small_dispatch(struct warden_domain_state *dom, intnat wosize,
                                          int flags, int nallocs,
                                          unsigned char *encoded_alloc_lens) {
  (void)flags;
  (void)nallocs;
  (void)encoded_alloc_lens;
  value v = warden_capi_alloc_small_block(wosize);
  dom->field[WARDEN_DS_YOUNG_PTR] = (uintnat)v - sizeof(value);
}

/* ---- what the stock unix stubs read ---- */

static void warden_no_hook(void) {}
CAMLexport void (*caml_atfork_hook)(void) = warden_no_hook;
CAMLexport int caml_debugger_in_use = 0;
CAMLexport uintnat caml_debugger_fork_mode = 1;
/* Signals recorded by a handler and not yet acted on; warden keeps its own record, so this
 * array only satisfies the stubs that clear it after fork. */
CAMLexport uintnat caml_pending_signals[65];

CAMLexport void caml_debugger_cleanup_fork(void) {}
CAMLexport void caml_runtime_events_post_fork(void) {}
CAMLexport void caml_ev_lifecycle(int lifecycle, int64_t data) {
  (void)lifecycle;
  (void)data;
}

/* ---- pending actions, channels ---- */

int warden_capi_pending_actions(value *exn);
value warden_capi_open_descriptor(value fd, int out);

CAMLexport value caml_process_pending_actions_exn(void) {
  value e = 1;
  int st = warden_capi_pending_actions(&e);
  if (st == WARDEN_RAISE_PENDING) warden_raise_pending();
  if (st == WARDEN_RAISE_VALUE) return e | 2;
  return 1;
}

CAMLexport void caml_process_pending_actions(void) {
  caml_raise_if_exception(caml_process_pending_actions_exn());
}

CAMLexport int caml_check_pending_actions(void) { return 0; }

CAMLexport value caml_ml_open_descriptor_in(value fd) {
  OR_PENDING(warden_capi_open_descriptor(fd, 0));
}

CAMLexport value caml_ml_open_descriptor_out(value fd) {
  OR_PENDING(warden_capi_open_descriptor(fd, 1));
}

/* ---- the C allocator (caml/memory.h's caml_stat_*) ---- */

CAMLexport void *caml_stat_alloc_noexc(uintnat sz) { return malloc(sz == 0 ? 1 : sz); }

CAMLexport void *caml_stat_alloc(uintnat sz) {
  void *p = caml_stat_alloc_noexc(sz);
  if (p == NULL) caml_raise_out_of_memory();
  return p;
}

CAMLexport void *caml_stat_alloc_aligned_noexc(uintnat sz, int modulo, void **b) {
  (void)modulo;
  void *p = caml_stat_alloc_noexc(sz);
  *b = p;
  return p;
}

CAMLexport void caml_stat_free(void *p) { free(p); }

CAMLexport void *caml_stat_resize_noexc(void *p, uintnat sz) {
  return realloc(p, sz == 0 ? 1 : sz);
}

CAMLexport void *caml_stat_resize(void *p, uintnat sz) {
  void *q = caml_stat_resize_noexc(p, sz);
  if (q == NULL) caml_raise_out_of_memory();
  return q;
}

CAMLexport void *caml_stat_calloc_noexc(uintnat num, uintnat sz) {
  return calloc(num == 0 ? 1 : num, sz == 0 ? 1 : sz);
}

CAMLexport char *caml_stat_strdup_noexc(const char *s) {
  size_t n = strlen(s) + 1;
  char *r = caml_stat_alloc_noexc(n);
  if (r != NULL) memcpy(r, s, n);
  return r;
}

CAMLexport char *caml_stat_strdup(const char *s) {
  char *r = caml_stat_strdup_noexc(s);
  if (r == NULL) caml_raise_out_of_memory();
  return r;
}

CAMLexport char *caml_stat_strconcat(int n, ...) {
  va_list ap;
  size_t len = 0;
  va_start(ap, n);
  for (int i = 0; i < n; i++) len += strlen(va_arg(ap, const char *));
  va_end(ap);
  char *r = caml_stat_alloc(len + 1);
  char *q = r;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    const char *s = va_arg(ap, const char *);
    size_t l = strlen(s);
    memcpy(q, s, l);
    q += l;
  }
  va_end(ap);
  *q = 0;
  return r;
}

CAMLexport void caml_stat_create_pool(void) {}
CAMLexport void caml_stat_destroy_pool(void) {}

/* ---- small helpers of caml/fail.h, caml/misc.h ---- */

CAMLexport char *caml_strerror(int errnum, char *buf, size_t buflen) {
  (void)buf;
  (void)buflen;
  return strerror(errnum);
}

CAMLexport int caml_convert_flag_list(value list, const int *flags) {
  int res = 0;
  while ((list & 1) == 0) {
    value head = ((value *)list)[0];
    res |= flags[head >> 1];
    list = ((value *)list)[1];
  }
  return res;
}

CAMLexport __attribute__((noreturn)) void caml_deserialize_error(const char *msg) {
  caml_failwith(msg);
}

/* ---- bigarrays (caml/bigarray.h) ---- */

/* Element sizes in bytes, by kind (the order of Bigarray.kind). */
CAMLexport int caml_ba_element_size[] = {4, 8, 1, 1, 2, 2, 4, 8, 8, 8, 8, 16, 1, 2};

struct warden_ba {
  void *data;
  intnat num_dims;
  intnat flags;
  void *proxy;
  intnat dim[];
};

CAMLexport uintnat caml_ba_num_elts(struct warden_ba *b) {
  uintnat n = 1;
  for (intnat i = 0; i < b->num_dims; i++) n *= (uintnat)b->dim[i];
  return n;
}

CAMLexport uintnat caml_ba_byte_size(struct warden_ba *b) {
  return caml_ba_num_elts(b) * (uintnat)caml_ba_element_size[b->flags & 0xFF];
}

/* Mirrors the signals warden recorded and has not handled into caml_pending_signals, where
 * the unix library's sigpending looks (bit j of word i: signal 64 i + j + 1). */
void warden_capi_set_pending_signals(const int *sigs, int n) {
  memset(caml_pending_signals, 0, sizeof caml_pending_signals);
  for (int k = 0; k < n; k++) {
    int s = sigs[k] - 1;
    if (s >= 0 && s < 64 * 65) caml_pending_signals[s / 64] |= (uintnat)1 << (s % 64);
  }
}

value warden_capi_ba_alloc(int flags, int num_dims, void *data, intnat *dim);

CAMLexport value caml_ba_alloc(int flags, int num_dims, void *data, intnat *dim) {
  OR_PENDING(warden_capi_ba_alloc(flags, num_dims, data, dim));
}

CAMLexport value caml_ba_alloc_dims(int flags, int num_dims, void *data, ...) {
  intnat dim[16];
  va_list ap;
  va_start(ap, data);
  for (int i = 0; i < num_dims && i < 16; i++) dim[i] = va_arg(ap, intnat);
  va_end(ap);
  return caml_ba_alloc(flags, num_dims, data, dim);
}

/* ---- more of caml/alloc.h, caml/memory.h, caml/signals.h ---- */

CAMLexport value caml_alloc_sprintf(const char *fmt, ...) {
  va_list ap;
  char buf[128];
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n < sizeof buf) return caml_alloc_initialized_string(n, buf);
  value res = caml_alloc_string(n);
  va_start(ap, fmt);
  vsnprintf((char *)res, n + 1, fmt, ap);
  va_end(ap);
  return res;
}

CAMLexport value caml_alloc_shr_noexc(uintnat wosize, uintnat tag) {
  value r = warden_capi_alloc_shr(wosize, tag);
  if (r == 0) warden_capi_drop_pending();
  return r;
}

CAMLexport value caml_process_pending_actions_with_root(value extra) {
  struct {
    void *next;
    intnat ntables, nitems;
    value *tables[5];
  } roots;
  uintnat *head = &warden_capi_state()->field[WARDEN_DS_LOCAL_ROOTS];
  roots.next = (void *)*head;
  roots.ntables = 1;
  roots.nitems = 1;
  roots.tables[0] = &extra;
  *head = (uintnat)&roots;
  value r = caml_process_pending_actions_exn();
  *head = (uintnat)roots.next;
  caml_raise_if_exception(r);
  return extra;
}

CAMLexport void caml_enter_blocking_section_no_pending(void) {
  void caml_enter_blocking_section(void);
  caml_enter_blocking_section();
}

/* ---- Marshal from C (caml/intext.h) ---- */

value warden_capi_output_value(value v, value flags);
value warden_capi_input_value(const char *data, intnat len);
value warden_capi_input_value_malloc(const char *data, intnat ofs);
CAMLexport uintnat caml_string_length(value s);

CAMLexport void caml_output_value_to_malloc(value v, value flags, char **buf, intnat *len) {
  value s = warden_capi_output_value(v, flags);
  if (s == 0) warden_raise_pending();
  uintnat n = caml_string_length(s);
  char *b = malloc(n == 0 ? 1 : n);
  if (b == NULL) caml_raise_out_of_memory();
  memcpy(b, (const char *)s, n);
  *buf = b;
  *len = (intnat)n;
}

CAMLexport intnat caml_output_value_to_block(value v, value flags, char *data, intnat len) {
  value s = warden_capi_output_value(v, flags);
  if (s == 0) warden_raise_pending();
  uintnat n = caml_string_length(s);
  if (len < 0 || n > (uintnat)len) caml_failwith("Marshal.to_buffer: buffer overflow");
  memcpy(data, (const char *)s, n);
  return (intnat)n;
}

CAMLexport value caml_input_value_from_block(const char *data, intnat len) {
  OR_PENDING(warden_capi_input_value(data, len));
}

/* The value is read before `data` is freed, whether it raises or not. */
CAMLexport value caml_input_value_from_malloc(char *data, intnat ofs) {
  value r = warden_capi_input_value_malloc(data, ofs);
  free(data);
  if (r == 0) warden_raise_pending();
  return r;
}
