/* Declarations shared by native/capi.c and the Rust side of the C API (src/capi/).
 *
 * The layout facts are those of the stock OCaml 5.3 headers, written here independently:
 * `caml_state` points to a table of 8-byte fields in the order of domain_state.tbl, and the
 * result of a `caml_callback*_exn` is the exception with its two low bits set to 10. */
#ifndef WARDEN_CAPI_H
#define WARDEN_CAPI_H

#include <stdint.h>

typedef intptr_t value;
typedef intptr_t intnat;
typedef uintptr_t uintnat;

#define CAMLexport __attribute__((visibility("default")))

/* The thread-local variables of native/ live in the executable (native/ is linked into
 * warden's binaries only), so the local-exec model applies: one %fs-relative access each. */
#define WARDEN_TLS __thread __attribute__((tls_model("local-exec")))

/* Indices into the domain state (domain_state.tbl), and its number of fields. */
#define WARDEN_DS_YOUNG_LIMIT 0
#define WARDEN_DS_YOUNG_PTR 1
#define WARDEN_DS_LOCAL_ROOTS 20
#define WARDEN_DS_FIELDS 61

struct warden_domain_state {
  uintnat field[WARDEN_DS_FIELDS + 3];
};

/* The domain state stubs see (native/capi.c). */
extern WARDEN_TLS struct warden_domain_state *caml_state;

struct caml_result_private {
  int is_exception;
  value data;
};

/* How a trampoline (warden_c_call*) ended: normally, by a raised OCaml exception, or by a pending Rust-side
 * outcome (an exception not yet a value, an exit, a fatal error). */
#define WARDEN_RETURN 0
#define WARDEN_RAISE_VALUE 1
#define WARDEN_RAISE_PENDING 2

/* The shapes of custom operations called under a frame. */
#define WARDEN_OPS_COMPARE 0
#define WARDEN_OPS_HASH 1
#define WARDEN_OPS_SERIALIZE 2
#define WARDEN_OPS_DESERIALIZE 3

/* Slots of the predefined exceptions in the global table. */
#define WARDEN_EXN_OUT_OF_MEMORY 0
#define WARDEN_EXN_SYS_ERROR 1
#define WARDEN_EXN_FAILURE 2
#define WARDEN_EXN_INVALID_ARGUMENT 3
#define WARDEN_EXN_END_OF_FILE 4
#define WARDEN_EXN_DIVISION_BY_ZERO 5
#define WARDEN_EXN_NOT_FOUND 6
#define WARDEN_EXN_STACK_OVERFLOW 8
#define WARDEN_EXN_SYS_BLOCKED_IO 9

/* Provided by the Rust side (src/capi/). A value of 0 means: an exception (or exit) is
 * pending, leave the stub with warden_raise_pending. */
value warden_capi_predef(int slot);
value warden_capi_make_exn(value tag, int n, const value *args);
value warden_capi_copy_string(const char *s);
int warden_capi_callback(value closure, int narg, const value *args, value *result);
value warden_capi_alloc(uintnat wosize, uintnat tag);
value warden_capi_alloc_shr(uintnat wosize, uintnat tag);
value warden_capi_alloc_string(uintnat len);
value warden_capi_alloc_float_array(uintnat len);
value warden_capi_alloc_small_block(intnat wosize);
void warden_capi_drop_pending(void);

/* Provided here, for the Rust side. */
struct warden_domain_state *warden_capi_state(void);
void **warden_capi_local_roots_slot(void);
value warden_c_call0(void *fn);
value warden_c_call1(value a, void *fn);
value warden_c_call2(value a, value b, void *fn);
value warden_c_call3(value a, value b, value c, void *fn);
value warden_c_call4(value a, value b, value c, value d, void *fn);
value warden_c_call5(value a, value b, value c, value d, value e, void *fn);
value warden_c_calln(value *args, intnat n, void *fn);
int warden_c_outcome(value *exn);
/* Leaves the innermost trampoline of this thread, which answers 0 (the outcome `kind`, with
 * the raised value `v`, waits for warden_c_outcome). */
__attribute__((noreturn, visibility("hidden"))) void warden_unwind(int kind, value v);
/* A raise with no trampoline to go back to (a callback's exception on a thread created in
 * C): reported as an uncaught exception, and the process ends. */
__attribute__((noreturn)) void warden_capi_uncaught(int kind, value v);
int warden_c_call_ops(void *fn, int shape, value a, value b, void *p, intnat *out);
__attribute__((noreturn)) void warden_raise_pending(void);

#endif
