/* The threads test stub library of tests/stubs.rs (dllwstubthr.so, for programs linked with
 * the threads library: the stock caml_c_thread_register is in its dllthreads.so): a thread
 * created in C registers with the runtime, calls back into OCaml and unregisters
 * (stubs_foreign.ml). */

#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/threads.h>
#include <pthread.h>
#include <string.h>

/* ---- a foreign thread ---- */

/* The closure the foreign thread applies (a generational root while it runs). */
static value foreign_closure = Val_unit;

struct foreign_run {
  int calls;
  int registered, registered_again, unregistered;
  intnat sum;
};

static void *foreign_main(void *p) {
  struct foreign_run *r = p;
  r->registered = caml_c_thread_register();
  if (!r->registered) return NULL;
  /* A thread that is registered already is refused. */
  r->registered_again = caml_c_thread_register();
  caml_acquire_runtime_system();
  for (int i = 0; i < r->calls; i++) {
    value v = caml_callback(foreign_closure, Val_int(i));
    r->sum += Long_val(v);
  }
  caml_release_runtime_system();
  r->unregistered = caml_c_thread_unregister();
  return NULL;
}

/* [foreign f n]: a pthread registers, applies [f] to 0 .. n-1 and unregisters; returns
 * (registered, registered again, unregistered, sum of the results). The calling thread
 * waits for it outside the runtime. */
value wstub_foreign(value f, value n) {
  CAMLparam2(f, n);
  CAMLlocal1(res);
  struct foreign_run r;
  memset(&r, 0, sizeof r);
  r.calls = Int_val(n);
  foreign_closure = f;
  caml_register_generational_global_root(&foreign_closure);
  pthread_t t;
  caml_release_runtime_system();
  int err = pthread_create(&t, NULL, foreign_main, &r);
  if (err == 0) pthread_join(t, NULL);
  caml_acquire_runtime_system();
  caml_remove_generational_global_root(&foreign_closure);
  if (err != 0) caml_failwith("pthread_create");
  res = caml_alloc_tuple(4);
  Store_field(res, 0, Val_int(r.registered));
  Store_field(res, 1, Val_int(r.registered_again));
  Store_field(res, 2, Val_int(r.unregistered));
  Store_field(res, 3, Val_long(r.sum));
  CAMLreturn(res);
}

/* [register_here ()]: caml_c_thread_register on a thread that runs OCaml already. */
value wstub_register_here(value unit) {
  (void)unit;
  return Val_int(caml_c_thread_register());
}
