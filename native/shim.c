/* warden's C allocator shim; see shim.h for what it does and why.
 *
 * Layout of a block handed out at `user` (align >= 16, header 32 bytes, prefix = the header
 * rounded up to the alignment):
 *
 *   base ... [header: size, base_off, map_len, kind, flags, magic] user [size bytes] [canary]
 *
 * `base` is what malloc/posix_memalign returned (base_off = user - base), or, for a guarded
 * block, the start of its own mapping: [guard page][... header user data canary][guard page],
 * the data pushed against the upper guard page (map_len = the mapping's length).
 *
 * Concurrency: counters are relaxed atomics (statistics, no ordering needed); the quarantine
 * ring is under the shim's mutex; the configuration is written before the first allocation
 * (the Rust side does it in a `Once`) and only read afterwards. */
#define _GNU_SOURCE
#include "shim.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------- */
/* Sanitizers */

#if defined(__SANITIZE_ADDRESS__)
#define WARDEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WARDEN_ASAN 1
#endif
#endif
#ifndef WARDEN_ASAN
#define WARDEN_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define WARDEN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WARDEN_TSAN 1
#endif
#endif
#ifndef WARDEN_TSAN
#define WARDEN_TSAN 0
#endif

#if WARDEN_ASAN
/* From <sanitizer/asan_interface.h>, declared here so that no sanitizer headers are needed. */
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
int __asan_address_is_poisoned(void const volatile *addr);
#define ASAN_POISON(p, n) __asan_poison_memory_region((p), (n))
#define ASAN_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define ASAN_POISON(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

int warden_shim_sanitizers(void) { return (WARDEN_ASAN ? 1 : 0) | (WARDEN_TSAN ? 2 : 0); }

void warden_asan_poison(const void *p, size_t n) { ASAN_POISON(p, n); }
void warden_asan_unpoison(const void *p, size_t n) { ASAN_UNPOISON(p, n); }
int warden_asan_is_poisoned(const void *p) {
#if WARDEN_ASAN
  return __asan_address_is_poisoned(p);
#else
  (void)p;
  return 0;
#endif
}

/* ---------------------------------------------------------------------------------------- */
/* Blocks */

#define HEADER_SIZE 32u
#define CANARY_SIZE 8u
#define MIN_ALIGN 16u
#define MAGIC_LIVE 0xA110CA7Eu
#define MAGIC_FREED 0xF4EEB10Cu
#define HF_MMAP 1u   /* the block has its own guarded mapping */
#define HF_CANARY 2u /* a canary word follows the block */

struct header {
  size_t size;     /* bytes requested */
  size_t base_off; /* user - base */
  size_t map_len;  /* length of the mapping (HF_MMAP), else 0 */
  uint16_t kind;
  uint16_t flags;
  uint32_t magic; /* last, so that an underflow hits it first */
};
_Static_assert(sizeof(struct header) == HEADER_SIZE, "header must be 32 bytes");

static struct header *header_of(const void *user) {
  return (struct header *)((uintptr_t)user - HEADER_SIZE);
}

static size_t round_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

static size_t page_size(void) {
  static _Atomic size_t cached;
  size_t p = atomic_load_explicit(&cached, memory_order_relaxed);
  if (p == 0) {
    long s = sysconf(_SC_PAGESIZE);
    p = s > 0 ? (size_t)s : 4096;
    atomic_store_explicit(&cached, p, memory_order_relaxed);
  }
  return p;
}

static const uint8_t free_tags[WARDEN_KIND_COUNT] = {
    WARDEN_TAG_FREE_LARGE, WARDEN_TAG_FREE_STACK, WARDEN_TAG_FREE_BIGARRAY,
    WARDEN_TAG_FREE_OTHER};

/* Fills n bytes at p (16-aligned) with the little-endian bytes of `word`, repeated. */
static void fill_words(void *p, size_t n, uint64_t word) {
  uint64_t *w = p;
  size_t words = n / 8;
  for (size_t i = 0; i < words; i++) w[i] = word;
  if (n % 8) memcpy((char *)p + words * 8, &word, n % 8);
}

/* The offset of the first byte in [p, p+n) that differs from the `word` fill, or n. */
static size_t check_words(const void *p, size_t n, uint64_t word) {
  const uint64_t *w = p;
  size_t words = n / 8;
  for (size_t i = 0; i < words; i++) {
    if (w[i] != word) {
      size_t off = i * 8;
      while (((const uint8_t *)p)[off] == ((const uint8_t *)&word)[off % 8]) off++;
      return off;
    }
  }
  for (size_t off = words * 8; off < n; off++)
    if (((const uint8_t *)p)[off] != ((const uint8_t *)&word)[off % 8]) return off;
  return n;
}

static uint64_t read_word(const void *p) {
  uint64_t w;
  memcpy(&w, p, sizeof w);
  return w;
}

/* ---------------------------------------------------------------------------------------- */
/* The shim */

/* A freed block held back from the system. Everything needed to release it is here, so the
 * block's own memory (maybe inaccessible) is read only to check it. */
struct qentry {
  char *user;
  size_t size;
  size_t cost; /* bytes it holds back */
  char *map;   /* its mapping (guarded blocks), else NULL */
  size_t map_len;
  size_t base_off;
  size_t trailer;
  unsigned kind;
  int filled; /* user bytes hold the poison fill */
};

/* A guarded mapping, live or quarantined, so that a fault address can be named. */
struct gentry {
  char *map;
  size_t map_len;
  char *user;
  size_t size;
  unsigned kind;
  int freed;
};

struct warden_shim {
  _Atomic int used; /* set by the first allocation: configuration is closed */
  _Atomic int hardened;
  _Atomic size_t quarantine_limit;
  _Atomic int guard;
  _Atomic uint64_t live_bytes, peak_bytes, live_blocks, alloc_calls, free_calls, failed,
      guarded, guard_fallbacks;
  _Atomic uint64_t by_kind[WARDEN_KIND_COUNT];
  pthread_mutex_t lock; /* guards the ring, q_bytes and the guard table */
  struct qentry *ring;
  size_t cap, head, count;
  size_t q_bytes;
  struct gentry *guards; /* every guarded mapping not yet unmapped */
  size_t gcount, gcap;
  int is_global;
};

static struct warden_shim global_shim = {.lock = PTHREAD_MUTEX_INITIALIZER, .is_global = 1};

struct warden_shim *warden_shim_global(void) { return &global_shim; }

static struct warden_shim *resolve(struct warden_shim *s) { return s ? s : &global_shim; }

static void set_config(struct warden_shim *s, const struct warden_shim_config *cfg) {
  atomic_store_explicit(&s->hardened, cfg->hardened != 0, memory_order_relaxed);
  atomic_store_explicit(&s->quarantine_limit, cfg->hardened ? cfg->quarantine_bytes : 0,
                        memory_order_relaxed);
  atomic_store_explicit(&s->guard, cfg->hardened && cfg->guard, memory_order_relaxed);
}

int warden_shim_configure(struct warden_shim *shim, const struct warden_shim_config *cfg) {
  struct warden_shim *s = resolve(shim);
  if (atomic_load_explicit(&s->used, memory_order_relaxed)) return -1;
  set_config(s, cfg);
  return 0;
}

struct warden_shim *warden_shim_new(const struct warden_shim_config *cfg) {
  struct warden_shim *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    free(s);
    return NULL;
  }
  set_config(s, cfg);
  return s;
}

static void count_alloc(struct warden_shim *s, size_t size, unsigned kind) {
  uint64_t now =
      atomic_fetch_add_explicit(&s->live_bytes, size, memory_order_relaxed) + (uint64_t)size;
  uint64_t peak = atomic_load_explicit(&s->peak_bytes, memory_order_relaxed);
  while (now > peak && !atomic_compare_exchange_weak_explicit(&s->peak_bytes, &peak, now,
                                                              memory_order_relaxed,
                                                              memory_order_relaxed)) {
  }
  atomic_fetch_add_explicit(&s->live_blocks, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->alloc_calls, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->by_kind[kind], size, memory_order_relaxed);
}

/* Records a guarded mapping; best effort (a full table only costs the naming). Lock held. */
static void guard_add(struct warden_shim *s, const struct gentry *g) {
  if (s->gcount == s->gcap) {
    size_t cap = s->gcap ? s->gcap * 2 : 64;
    struct gentry *t = realloc(s->guards, cap * sizeof *t);
    if (!t) return;
    s->guards = t;
    s->gcap = cap;
  }
  s->guards[s->gcount++] = *g;
}

/* The guard table entry of mapping `map`, or NULL. Lock held. */
static struct gentry *guard_find(struct warden_shim *s, const char *map) {
  for (size_t i = s->gcount; i-- > 0;)
    if (s->guards[i].map == map) return &s->guards[i];
  return NULL;
}

/* A guarded mapping for `size` bytes; NULL if the system refuses (the caller falls back). */
static char *map_guarded(size_t size, size_t align, size_t trailer, size_t *map_len,
                         char **map_out) {
  size_t page = page_size();
  size_t prefix = round_up(HEADER_SIZE, align);
  if (align > page || size > SIZE_MAX / 2) return NULL;
  size_t data = round_up(prefix + size + trailer + align, page);
  size_t len = data + 2 * page;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  if (mprotect(m, page, PROT_NONE) != 0 || mprotect(m + page + data, page, PROT_NONE) != 0) {
    munmap(m, len);
    return NULL;
  }
  char *top = m + page + data;
  char *user = (char *)((uintptr_t)(top - trailer - size) & ~(uintptr_t)(align - 1));
  *map_len = len;
  *map_out = m;
  return user;
}

void *warden_shim_alloc(struct warden_shim *shim, size_t size, size_t align, unsigned kind,
                        unsigned flags) {
  struct warden_shim *s = resolve(shim);
  if (kind >= WARDEN_KIND_COUNT) kind = WARDEN_KIND_OTHER;
  if (align < MIN_ALIGN) align = MIN_ALIGN;
  if (align & (align - 1)) return NULL;
  atomic_store_explicit(&s->used, 1, memory_order_relaxed);
  int hardened = atomic_load_explicit(&s->hardened, memory_order_relaxed);
  /* Under ASan, its own redzones catch overflows: no canary. */
  size_t trailer = (hardened && !WARDEN_ASAN) ? CANARY_SIZE : 0;
  size_t prefix = round_up(HEADER_SIZE, align);
  if (size > SIZE_MAX - prefix - trailer - align) {
    atomic_fetch_add_explicit(&s->failed, 1, memory_order_relaxed);
    return NULL;
  }

  char *user = NULL, *map = NULL;
  size_t map_len = 0, base_off;
  int zeroed = 0;
  if (hardened && atomic_load_explicit(&s->guard, memory_order_relaxed) &&
      (flags & WARDEN_ALLOC_GUARDABLE)) {
    user = map_guarded(size, align, trailer, &map_len, &map);
    if (user) {
      zeroed = 1; /* fresh anonymous pages */
      atomic_fetch_add_explicit(&s->guarded, 1, memory_order_relaxed);
      struct gentry g = {.map = map, .map_len = map_len, .user = user, .size = size, .kind = kind};
      pthread_mutex_lock(&s->lock);
      guard_add(s, &g);
      pthread_mutex_unlock(&s->lock);
    } else {
      atomic_fetch_add_explicit(&s->guard_fallbacks, 1, memory_order_relaxed);
    }
  }
  if (user) {
    base_off = (size_t)(user - map);
  } else {
    size_t total = prefix + size + trailer;
    void *base;
    if (align <= MIN_ALIGN) {
      /* malloc and calloc give 16-byte alignment on x86_64 glibc and musl. */
      base = (flags & WARDEN_ALLOC_ZERO) ? calloc(1, total) : malloc(total);
      zeroed = (flags & WARDEN_ALLOC_ZERO) != 0;
    } else if (posix_memalign(&base, align, total) != 0) {
      base = NULL;
    }
    if (!base) {
      atomic_fetch_add_explicit(&s->failed, 1, memory_order_relaxed);
      return NULL;
    }
    user = (char *)base + prefix;
    base_off = prefix;
  }

  struct header *h = header_of(user);
  h->size = size;
  h->base_off = base_off;
  h->map_len = map_len;
  h->kind = (uint16_t)kind;
  h->flags = (uint16_t)((map ? HF_MMAP : 0) | (trailer ? HF_CANARY : 0));
  h->magic = MAGIC_LIVE;
  if (trailer) {
    uint64_t canary = WARDEN_DEBUG_TAG(WARDEN_TAG_CANARY);
    memcpy(user + size, &canary, CANARY_SIZE);
  }
  if (flags & WARDEN_ALLOC_ZERO) {
    if (!zeroed) memset(user, 0, size);
  } else if (hardened) {
    fill_words(user, size, WARDEN_DEBUG_TAG(WARDEN_TAG_UNINIT));
  }
  /* Everything the caller does not own is out of bounds for ASan. */
  ASAN_POISON(user - base_off + (map ? page_size() : 0),
              base_off - (map ? page_size() : 0));
  if (trailer) ASAN_POISON(user + size, trailer);
  count_alloc(s, size, kind);
  return user;
}

size_t warden_shim_usable_size(const void *p) {
  if (!p) return 0;
  struct header *h = header_of(p);
  ASAN_UNPOISON(h, HEADER_SIZE);
  size_t size = h->magic == MAGIC_LIVE ? h->size : 0;
  ASAN_POISON(h, HEADER_SIZE);
  return size;
}

static void set_fault(struct warden_shim_fault *f, int code, unsigned kind, const void *block,
                      size_t size, size_t offset, uint64_t found, uint64_t expected) {
  if (!f) return;
  f->code = code;
  f->kind = kind;
  f->block = block;
  f->size = size;
  f->offset = offset;
  f->found = found;
  f->expected = expected;
}

/* Gives an entry's memory back to the system, checking its poison first. `locked`: whether
 * the caller holds the shim's lock. */
static int release(struct warden_shim *s, const struct qentry *e, struct warden_shim_fault *fault,
                   int locked) {
  if (e->map) {
    if (!locked) pthread_mutex_lock(&s->lock);
    struct gentry *g = guard_find(s, e->map);
    if (g) *g = s->guards[--s->gcount];
    if (!locked) pthread_mutex_unlock(&s->lock);
    ASAN_UNPOISON(e->map, e->map_len);
    munmap(e->map, e->map_len);
    return WARDEN_FAULT_NONE;
  }
  char *base = e->user - e->base_off;
  ASAN_UNPOISON(base, e->base_off + e->size + e->trailer);
  if (e->filled) {
    struct header *h = header_of(e->user);
    if (h->magic != MAGIC_FREED) {
      set_fault(fault, WARDEN_FAULT_WRITE_AFTER_FREE, e->kind, e->user, e->size,
                (size_t)-(ptrdiff_t)(HEADER_SIZE - offsetof(struct header, magic)), h->magic,
                MAGIC_FREED);
      return WARDEN_FAULT_WRITE_AFTER_FREE;
    }
    uint64_t poison = WARDEN_DEBUG_TAG(free_tags[e->kind]);
    size_t off = check_words(e->user, e->size, poison);
    if (off < e->size) {
      uint64_t found = 0;
      size_t avail = e->size - (off & ~(size_t)7);
      memcpy(&found, e->user + (off & ~(size_t)7), avail < 8 ? avail : 8);
      set_fault(fault, WARDEN_FAULT_WRITE_AFTER_FREE, e->kind, e->user, e->size, off, found,
                poison);
      return WARDEN_FAULT_WRITE_AFTER_FREE;
    }
  }
  free(base);
  return WARDEN_FAULT_NONE;
}

/* Removes the oldest quarantined block and releases it. Lock held. */
static int evict_one(struct warden_shim *s, struct warden_shim_fault *fault) {
  struct qentry e = s->ring[s->head];
  s->head = (s->head + 1) % s->cap;
  s->count--;
  s->q_bytes -= e.cost;
  return release(s, &e, fault, 1);
}

/* Appends to the quarantine ring, growing it; 0 if out of memory. Lock held. */
static int ring_push(struct warden_shim *s, const struct qentry *e) {
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    struct qentry *ring = malloc(cap * sizeof *ring);
    if (!ring) return 0;
    for (size_t i = 0; i < s->count; i++) ring[i] = s->ring[(s->head + i) % s->cap];
    free(s->ring);
    s->ring = ring;
    s->cap = cap;
    s->head = 0;
  }
  s->ring[(s->head + s->count) % s->cap] = *e;
  s->count++;
  s->q_bytes += e->cost;
  return 1;
}

int warden_shim_free(struct warden_shim *shim, void *p, struct warden_shim_fault *fault) {
  struct warden_shim *s = resolve(shim);
  if (!p) return WARDEN_FAULT_NONE;
  char *user = p;
  struct header *h = header_of(user);
  ASAN_UNPOISON(h, HEADER_SIZE);
  if (h->magic != MAGIC_LIVE) {
    int code = h->magic == MAGIC_FREED ? WARDEN_FAULT_DOUBLE_FREE : WARDEN_FAULT_BAD_HEADER;
    unsigned kind = h->kind < WARDEN_KIND_COUNT ? h->kind : WARDEN_KIND_OTHER;
    set_fault(fault, code, kind, p, code == WARDEN_FAULT_DOUBLE_FREE ? h->size : 0,
              (size_t)-(ptrdiff_t)(HEADER_SIZE - offsetof(struct header, magic)), h->magic,
              MAGIC_LIVE);
    ASAN_POISON(h, HEADER_SIZE);
    return code;
  }
  struct qentry e = {
      .user = user,
      .size = h->size,
      .base_off = h->base_off,
      .kind = h->kind < WARDEN_KIND_COUNT ? h->kind : WARDEN_KIND_OTHER,
      .trailer = (h->flags & HF_CANARY) ? CANARY_SIZE : 0,
  };
  if (h->flags & HF_MMAP) {
    e.map = user - h->base_off;
    e.map_len = h->map_len;
  }
  if (e.trailer) {
    uint64_t canary = WARDEN_DEBUG_TAG(WARDEN_TAG_CANARY);
    ASAN_UNPOISON(user + e.size, CANARY_SIZE);
    uint64_t found = read_word(user + e.size);
    if (found != canary) {
      set_fault(fault, WARDEN_FAULT_OVERFLOW, e.kind, p, e.size, e.size, found, canary);
      return WARDEN_FAULT_OVERFLOW;
    }
  }
  atomic_fetch_sub_explicit(&s->live_bytes, e.size, memory_order_relaxed);
  atomic_fetch_sub_explicit(&s->by_kind[e.kind], e.size, memory_order_relaxed);
  atomic_fetch_sub_explicit(&s->live_blocks, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->free_calls, 1, memory_order_relaxed);
  if (e.map) atomic_fetch_sub_explicit(&s->guarded, 1, memory_order_relaxed);

  int hardened = atomic_load_explicit(&s->hardened, memory_order_relaxed);
  size_t limit = atomic_load_explicit(&s->quarantine_limit, memory_order_relaxed);
  /* Until the memory is reused, freeing the block again is seen as a double free. */
  h->magic = MAGIC_FREED;
  if (!hardened) return release(s, &e, fault, 0);
  if (e.map) {
    /* The whole mapping becomes inaccessible: any later access faults at once. */
    mprotect(e.map, e.map_len, PROT_NONE);
    e.cost = e.map_len;
    pthread_mutex_lock(&s->lock);
    struct gentry *g = guard_find(s, e.map);
    if (g) g->freed = 1;
    pthread_mutex_unlock(&s->lock);
  } else {
    fill_words(user, e.size, WARDEN_DEBUG_TAG(free_tags[e.kind]));
    e.filled = 1;
    e.cost = e.base_off + e.size + e.trailer;
    ASAN_POISON(user - e.base_off, e.cost);
  }
  if (limit == 0) return release(s, &e, fault, 0);

  int code = WARDEN_FAULT_NONE;
  pthread_mutex_lock(&s->lock);
  if (!ring_push(s, &e)) {
    code = release(s, &e, fault, 1);
  }
  while (code == WARDEN_FAULT_NONE && s->q_bytes > limit && s->count > 0) {
    code = evict_one(s, fault);
  }
  pthread_mutex_unlock(&s->lock);
  return code;
}

int warden_shim_flush(struct warden_shim *shim, struct warden_shim_fault *fault) {
  struct warden_shim *s = resolve(shim);
  int code = WARDEN_FAULT_NONE;
  pthread_mutex_lock(&s->lock);
  while (code == WARDEN_FAULT_NONE && s->count > 0) code = evict_one(s, fault);
  pthread_mutex_unlock(&s->lock);
  return code;
}

int warden_shim_delete(struct warden_shim *shim, struct warden_shim_fault *fault) {
  if (!shim || shim->is_global) return WARDEN_FAULT_NONE;
  int code = warden_shim_flush(shim, fault);
  free(shim->ring);
  free(shim->guards);
  pthread_mutex_destroy(&shim->lock);
  free(shim);
  return code;
}

void warden_shim_stats(struct warden_shim *shim, struct warden_shim_stats *out) {
  struct warden_shim *s = resolve(shim);
  memset(out, 0, sizeof *out);
  out->live_bytes = atomic_load_explicit(&s->live_bytes, memory_order_relaxed);
  out->peak_bytes = atomic_load_explicit(&s->peak_bytes, memory_order_relaxed);
  out->live_blocks = atomic_load_explicit(&s->live_blocks, memory_order_relaxed);
  out->alloc_calls = atomic_load_explicit(&s->alloc_calls, memory_order_relaxed);
  out->free_calls = atomic_load_explicit(&s->free_calls, memory_order_relaxed);
  out->failed_allocs = atomic_load_explicit(&s->failed, memory_order_relaxed);
  out->guarded_blocks = atomic_load_explicit(&s->guarded, memory_order_relaxed);
  out->guard_fallbacks = atomic_load_explicit(&s->guard_fallbacks, memory_order_relaxed);
  for (int k = 0; k < WARDEN_KIND_COUNT; k++)
    out->live_bytes_by_kind[k] = atomic_load_explicit(&s->by_kind[k], memory_order_relaxed);
  pthread_mutex_lock(&s->lock);
  out->quarantine_bytes = s->q_bytes;
  out->quarantine_blocks = s->count;
  pthread_mutex_unlock(&s->lock);
}

static void set_hit(struct warden_shim_hit *out, const char *addr, const char *user,
                    size_t size, unsigned kind, int freed, int guard_page) {
  out->block = user;
  out->size = size;
  out->kind = kind;
  out->freed = freed;
  out->offset = (ptrdiff_t)(addr - user);
  out->guard_page = guard_page;
}

int warden_shim_classify(struct warden_shim *shim, const void *addr,
                         struct warden_shim_hit *out) {
  struct warden_shim *s = resolve(shim);
  const char *a = addr;
  int found = 0;
  /* trylock: this runs in fault handlers, maybe on a thread that holds the lock. */
  if (pthread_mutex_trylock(&s->lock) != 0) return 0;
  size_t page = page_size();
  for (size_t i = 0; i < s->gcount && !found; i++) {
    const struct gentry *g = &s->guards[i];
    if (a >= g->map && a < g->map + g->map_len) {
      int guard = a < g->map + page || a >= g->map + g->map_len - page;
      set_hit(out, a, g->user, g->size, g->kind, g->freed, guard);
      found = 1;
    }
  }
  for (size_t i = 0; i < s->count && !found; i++) {
    const struct qentry *e = &s->ring[(s->head + i) % s->cap];
    if (e->map) continue;
    const char *base = e->user - e->base_off;
    if (a >= base && a < e->user + e->size + e->trailer) {
      set_hit(out, a, e->user, e->size, e->kind, 1, 0);
      found = 1;
    }
  }
  pthread_mutex_unlock(&s->lock);
  return found;
}

/* ---------------------------------------------------------------------------------------- */
/* libc-style entry points */

static const char *fault_name(int code) {
  switch (code) {
    case WARDEN_FAULT_BAD_HEADER: return "free of a block the shim did not hand out (or header overwritten)";
    case WARDEN_FAULT_DOUBLE_FREE: return "double free";
    case WARDEN_FAULT_OVERFLOW: return "write past the end of a block";
    case WARDEN_FAULT_WRITE_AFTER_FREE: return "write after free";
    default: return "no fault";
  }
}

void *warden_malloc(size_t size) {
  return warden_shim_alloc(NULL, size, MIN_ALIGN, WARDEN_KIND_OTHER, 0);
}

void *warden_calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  return warden_shim_alloc(NULL, n * size, MIN_ALIGN, WARDEN_KIND_OTHER, WARDEN_ALLOC_ZERO);
}

void *warden_aligned_alloc(size_t align, size_t size) {
  return warden_shim_alloc(NULL, size, align, WARDEN_KIND_OTHER, 0);
}

void warden_free(void *p) {
  struct warden_shim_fault f;
  int code = warden_shim_free(NULL, p, &f);
  if (code != WARDEN_FAULT_NONE) {
    fprintf(stderr,
            "warden: allocator shim: %s: block %p (%zu bytes) at offset %zd: found %#llx, "
            "expected %#llx\n",
            fault_name(code), f.block, f.size, (ptrdiff_t)f.offset,
            (unsigned long long)f.found, (unsigned long long)f.expected);
    abort();
  }
}

size_t warden_usable_size(const void *p) { return warden_shim_usable_size(p); }
