/* warden's C allocator shim: the runtime's one doorway to the C allocator for the memory it
 * does not carve itself (large heap blocks, bigarray data, bytecode stacks).
 *
 * Every block carries a 32-byte header just before the address handed out (its size, how to
 * find the underlying allocation, its kind, a magic word), so the shim frees, measures and
 * checks blocks the same way on glibc and on musl, neither of which has usable malloc hooks.
 *
 * Hooks, off unless the shim is configured with `hardened` (the Rust side turns them on in
 * hardened and debug builds):
 *   - a canary word after each block, checked on free (overflow past the end);
 *   - fill on free with a tagged poison word, and a quarantine of `quarantine_bytes` that
 *     delays the real free; when a block leaves the quarantine its poison is checked, so a
 *     write after free is reported (read-after-free reads poison);
 *   - with `guard`, blocks allocated with WARDEN_ALLOC_GUARDABLE get their own mapping with
 *     an inaccessible page on each side, the data pushed against the upper guard; freed, the
 *     whole mapping becomes inaccessible while it sits in the quarantine;
 *   - uninitialised allocations are filled with a tagged "uninitialised" word.
 * Under AddressSanitizer, headers, canaries and quarantined blocks are also poisoned with the
 * manual poisoning interface, so any access to them is an ASan report.
 *
 * Thread-safe: counters are atomics, the quarantine is under a mutex. Shim instances other than
 * the global one exist for tests. */
#ifndef WARDEN_SHIM_H
#define WARDEN_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a block is for; selects its poison tag and its counter. */
enum warden_kind {
  WARDEN_KIND_LARGE = 0,    /* a large major-heap block */
  WARDEN_KIND_STACK = 1,    /* a bytecode or fiber stack */
  WARDEN_KIND_BIGARRAY = 2, /* bigarray element storage */
  WARDEN_KIND_OTHER = 3,    /* anything else (custom data, buffers, libc-style callers) */
  WARDEN_KIND_COUNT = 4
};

/* Allocation flags. */
#define WARDEN_ALLOC_ZERO 1u      /* zero the block */
#define WARDEN_ALLOC_GUARDABLE 2u /* may get guard pages when the shim's `guard` is on */

/* Poison words, tagged like OCaml's Debug_tag(x) (see src/check/poison.rs). */
#define WARDEN_DEBUG_TAG(x) \
  (UINT64_C(0xD700D7D7D700D6D8) | ((uint64_t)(x) << 16) | ((uint64_t)(x) << 48))
#define WARDEN_TAG_FREE_LARGE 0x02u
#define WARDEN_TAG_FREE_STACK 0x06u
#define WARDEN_TAG_FREE_BIGARRAY 0x08u
#define WARDEN_TAG_FREE_OTHER 0x09u
#define WARDEN_TAG_CANARY 0x0Au
#define WARDEN_TAG_UNINIT 0x12u

struct warden_shim_config {
  int hardened;            /* canaries, poison on free, quarantine, uninit fill */
  size_t quarantine_bytes; /* how many freed bytes to hold back (hardened only) */
  int guard;               /* guard pages for GUARDABLE blocks (hardened only) */
};

struct warden_shim_stats {
  uint64_t live_bytes;              /* bytes requested by live blocks */
  uint64_t peak_bytes;              /* the most live_bytes ever was */
  uint64_t live_blocks;
  uint64_t alloc_calls;             /* successful allocations */
  uint64_t free_calls;
  uint64_t failed_allocs;           /* allocations the system refused */
  uint64_t quarantine_bytes;        /* freed bytes held back now */
  uint64_t quarantine_blocks;
  uint64_t guarded_blocks;          /* live blocks with guard pages */
  uint64_t guard_fallbacks;         /* guardable blocks that got no guard (mmap refused) */
  uint64_t live_bytes_by_kind[WARDEN_KIND_COUNT];
};

/* What a failed check found. */
enum warden_fault_code {
  WARDEN_FAULT_NONE = 0,
  WARDEN_FAULT_BAD_HEADER = 1,      /* freeing something the shim never handed out, or whose
                                       header was overwritten (underflow) */
  WARDEN_FAULT_DOUBLE_FREE = 2,     /* freeing a block that is in the quarantine */
  WARDEN_FAULT_OVERFLOW = 3,        /* the canary after the block was overwritten */
  WARDEN_FAULT_WRITE_AFTER_FREE = 4 /* the poison of a quarantined block was overwritten */
};

struct warden_shim_fault {
  int code;           /* enum warden_fault_code */
  unsigned kind;      /* enum warden_kind of the block (if the header could be read) */
  const void *block;  /* the address handed out */
  size_t size;        /* its size (if the header could be read) */
  size_t offset;      /* where the damage starts, from `block` */
  uint64_t found;     /* the word found there (the header's magic for BAD_HEADER) */
  uint64_t expected;  /* the word that should be there */
};

struct warden_shim;

/* The process-wide shim (hooks off until configured). */
struct warden_shim *warden_shim_global(void);
/* Sets the configuration; only before the shim's first allocation (else returns -1). */
int warden_shim_configure(struct warden_shim *shim, const struct warden_shim_config *cfg);
/* A private shim (for tests); NULL when out of memory. */
struct warden_shim *warden_shim_new(const struct warden_shim_config *cfg);
/* Flushes a private shim's quarantine (checking it) and releases the shim; live blocks are
 * not freed. Returns a fault code (the shim is released anyway). */
int warden_shim_delete(struct warden_shim *shim, struct warden_shim_fault *fault);

/* `size` bytes aligned to `align` (a power of two; at least 16 is used), or NULL. */
void *warden_shim_alloc(struct warden_shim *shim, size_t size, size_t align, unsigned kind,
                        unsigned flags);
/* Frees (or quarantines) a block of this shim; NULL is ignored. Returns WARDEN_FAULT_NONE or
 * the fault found in this block or in a block leaving the quarantine (then left unfreed). */
int warden_shim_free(struct warden_shim *shim, void *p, struct warden_shim_fault *fault);
/* Empties the quarantine, checking each block. */
int warden_shim_flush(struct warden_shim *shim, struct warden_shim_fault *fault);
void warden_shim_stats(struct warden_shim *shim, struct warden_shim_stats *out);
/* Where an address lies, for fault reports. */
struct warden_shim_hit {
  const void *block; /* the block's address (as handed out) */
  size_t size;
  unsigned kind;
  int freed;         /* the block is freed and quarantined */
  ptrdiff_t offset;  /* the address minus `block` */
  int guard_page;    /* the address is on one of the block's guard pages */
};
/* Whether `addr` lies in a guarded mapping (live or quarantined) or in a quarantined block; if
 * so fills `out`. Takes the shim's lock with trylock only (returns 0 if it is held), so a fault
 * handler may call it. */
int warden_shim_classify(struct warden_shim *shim, const void *addr,
                         struct warden_shim_hit *out);
/* The exact size requested for a live block (the same on every libc). */
size_t warden_shim_usable_size(const void *p);

/* Which sanitizer the shim was compiled for: bit 0 AddressSanitizer, bit 1 ThreadSanitizer. */
int warden_shim_sanitizers(void);
/* The manual poisoning interface; no-ops without AddressSanitizer. */
void warden_asan_poison(const void *p, size_t n);
void warden_asan_unpoison(const void *p, size_t n);
/* 1 if the byte at p is poisoned for ASan (always 0 without it). */
int warden_asan_is_poisoned(const void *p);

/* libc-style entry points on the global shim (kind OTHER); a fault prints one line and
 * aborts. */
void *warden_malloc(size_t size);
void *warden_calloc(size_t n, size_t size);
void *warden_aligned_alloc(size_t align, size_t size);
void warden_free(void *p);
size_t warden_usable_size(const void *p);

#ifdef __cplusplus
}
#endif

#endif /* WARDEN_SHIM_H */
