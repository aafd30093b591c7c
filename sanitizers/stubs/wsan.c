/* Deliberately buggy stubs for the sanitizer builds (sanitizers/lib.sh, san_stubs): the
 * library is compiled with the sanitizer's -fsanitize, so the sanitizer linked into warden
 * reports the stub's own mistake, naming the stub. */
#define CAML_NAME_SPACE
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <pthread.h>
#include <stdlib.h>

/* Writes one byte past the end of a malloc'ed buffer (AddressSanitizer). */
value wsan_overflow(value n) {
  char *p = malloc(Long_val(n));
  p[Long_val(n)] = 1;
  long r = p[0];
  free(p);
  return Val_long(r);
}

/* Two threads increment a counter with no synchronisation (ThreadSanitizer). */
static long wsan_counter;
static void *wsan_bump(void *arg) {
  for (int i = 0; i < 100000; i++) wsan_counter++;
  return arg;
}
value wsan_race(value unit) {
  (void)unit;
  pthread_t t1, t2;
  pthread_create(&t1, NULL, wsan_bump, NULL);
  pthread_create(&t2, NULL, wsan_bump, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  return Val_bool(wsan_counter > 0);
}
