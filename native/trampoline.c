/* The trampolines that call C stubs, and the jump that leaves a stub (see src/capi/call.rs,
 * src/domain/c_call.rs and docs/stubs.md).
 *
 * Invariants: `warden_top_frame` is the innermost trampoline's frame of this thread (NULL
 * outside a stub); a trampoline answers 0 exactly when its primitive left by warden_unwind
 * (or, a stub's bug, returned 0), the outcome then waiting for warden_c_outcome; a jump
 * drops the roots of the abandoned C frames from `caml_state->local_roots` as CAMLreturn
 * would have (the C trampolines restore the value saved at their start; the assembly ones
 * drop the blocks that lie on the stack below their frame, see warden_drop_local_roots). */

#include "capi.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- the trampolines ---- */

typedef value (*prim0)(void);
typedef value (*prim1)(value);
typedef value (*prim2)(value, value);
typedef value (*prim3)(value, value, value);
typedef value (*prim4)(value, value, value, value);
typedef value (*prim5)(value, value, value, value, value);
typedef value (*primn)(value *, int);

/* How the last trampoline of this thread that did not return normally ended (its kind and
 * value), until warden_c_outcome takes it. */
static WARDEN_TLS int warden_last_kind;
static WARDEN_TLS value warden_last_exn;

/* The trampolines, one per arity (arguments in registers, the C function last so that they
 * stay in place): each calls the primitive under a frame and returns its result, or 0 when
 * it left by warden_unwind (no OCaml value is 0), the outcome then waiting in
 * warden_last_kind/_exn. The caller made this thread's state (warden_capi_local_roots_slot).
 * `warden_c_callN` are C functions; `warden_c_leanN` (N = 1 to 5) may in addition leave
 * r12 to r15 changed when the primitive left by a jump, and are called only from Rust
 * inline assembly that says so (src/domain/c_call.rs): the interpreter, which calls them,
 * keeps little in those registers across a stub call, so saving them there costs less
 * than saving all four in every call.
 *
 * On x86-64 ELF they are a few instructions of assembly: push the callee-saved registers
 * (a stub that leaves by a jump does not restore them), then the frame (the previous
 * frame), call, pop. warden_unwind drops the local roots of the C frames it leaves, sets
 * the stack pointer back to the frame and pops the registers: what
 * __builtin_setjmp/__builtin_longjmp do, without their extra stores and reloads.
 * Elsewhere, and in sanitizer builds (whose runtimes must see every jump) or with
 * control-flow protection (a shadow stack would refuse the return), they are C over
 * __builtin_setjmp. */
#if defined(__x86_64__) && defined(__ELF__) && !defined(__CET__) &&                          \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#if defined(__has_feature)
#if !__has_feature(address_sanitizer) && !__has_feature(thread_sanitizer)
#define WARDEN_ASM_TRAMPOLINES 1
#endif
#else
#define WARDEN_ASM_TRAMPOLINES 1
#endif
#endif

#ifdef WARDEN_ASM_TRAMPOLINES

/* A trampoline's frame: one word, the previous frame, on its stack just below the rbx and
 * rbp it pushed. */
struct warden_frame {
  struct warden_frame *prev;
};

/* The innermost trampoline's frame of this thread (NULL outside a stub); read and written
 * by the assembly below, hence not static. */
__attribute__((visibility("hidden"))) WARDEN_TLS struct warden_frame *warden_top_frame;

/* A lean trampoline (WARDEN_LEAN name, fn): push rbp, rbx and the frame, call `fn`, pop;
 * the stack is 16-byte aligned at the call (8 bytes of return address, then 3 words). A
 * full one (WARDEN_FULL name, lean): push r12 to r15 and a pad word, call the lean
 * trampoline of its arity (which finds the arguments and the function in place), pop. A
 * jump always lands in a lean trampoline, which returns 0: to the interpreter, or to the
 * full trampoline around it, which restores r12 to r15. */
__asm__(".macro WARDEN_PUSH reg\n"
        "  pushq \\reg\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset \\reg, 0\n"
        ".endm\n"
        ".macro WARDEN_POP reg\n"
        "  popq \\reg\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_restore \\reg\n"
        ".endm\n"
        ".macro WARDEN_ENTRY name\n"
        "  .text\n"
        "  .globl \\name\n"
        "  .hidden \\name\n"
        "  .type \\name, @function\n"
        "  .p2align 4\n"
        "\\name:\n"
        "  .cfi_startproc\n"
        ".endm\n"
        ".macro WARDEN_EXIT name\n"
        "  ret\n"
        "  .cfi_endproc\n"
        "  .size \\name, .-\\name\n"
        ".endm\n"
        ".macro WARDEN_LEAN name, fn\n"
        "  WARDEN_ENTRY \\name\n"
        "  WARDEN_PUSH %rbp\n"
        "  WARDEN_PUSH %rbx\n"
        "  pushq %fs:warden_top_frame@tpoff\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  movq %rsp, %fs:warden_top_frame@tpoff\n"
        "  call *\\fn\n"
        "  popq %fs:warden_top_frame@tpoff\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  WARDEN_POP %rbx\n"
        "  WARDEN_POP %rbp\n"
        "  WARDEN_EXIT \\name\n"
        ".endm\n"
        ".macro WARDEN_FULL name, lean\n"
        "  WARDEN_ENTRY \\name\n"
        "  WARDEN_PUSH %r12\n"
        "  WARDEN_PUSH %r13\n"
        "  WARDEN_PUSH %r14\n"
        "  WARDEN_PUSH %r15\n"
        "  subq $8, %rsp\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  call \\lean\n"
        "  addq $8, %rsp\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  WARDEN_POP %r15\n"
        "  WARDEN_POP %r14\n"
        "  WARDEN_POP %r13\n"
        "  WARDEN_POP %r12\n"
        "  WARDEN_EXIT \\name\n"
        ".endm\n"
        "WARDEN_LEAN warden_c_lean0, %rdi\n"
        "WARDEN_LEAN warden_c_lean1, %rsi\n"
        "WARDEN_LEAN warden_c_lean2, %rdx\n"
        "WARDEN_LEAN warden_c_lean3, %rcx\n"
        "WARDEN_LEAN warden_c_lean4, %r8\n"
        "WARDEN_LEAN warden_c_lean5, %r9\n"
        "WARDEN_LEAN warden_c_leann, %rdx\n"
        "WARDEN_FULL warden_c_call0, warden_c_lean0\n"
        "WARDEN_FULL warden_c_call1, warden_c_lean1\n"
        "WARDEN_FULL warden_c_call2, warden_c_lean2\n"
        "WARDEN_FULL warden_c_call3, warden_c_lean3\n"
        "WARDEN_FULL warden_c_call4, warden_c_lean4\n"
        "WARDEN_FULL warden_c_call5, warden_c_lean5\n"
        "WARDEN_FULL warden_c_calln, warden_c_leann\n"
        /* Back to the lean trampoline whose frame is %rdi, which returns 0. */
        "  .text\n"
        "  .globl warden_c_resume\n"
        "  .hidden warden_c_resume\n"
        "  .type warden_c_resume, @function\n"
        "  .p2align 4\n"
        "warden_c_resume:\n"
        "  .cfi_startproc\n"
        "  leaq 8(%rdi), %rsp\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        "  .cfi_endproc\n"
        "  .size warden_c_resume, .-warden_c_resume\n");

__attribute__((noreturn)) void warden_c_resume(struct warden_frame *f);

/* The local roots of the C frames that a jump to frame `f` leaves: the `CAMLparam` blocks
 * (C locals) between the stack here and `f`, innermost first on the list, are dropped, as
 * their CAMLreturn would have. A block outside that range belongs to a frame that stays
 * (one above `f`, on this thread's stack: the stub that called back into the OCaml code
 * that called this stub). Frames are not saved `local_roots` as the C trampolines save it:
 * reading `caml_state` and keeping the stack aligned would cost a lean trampoline four
 * more instructions. */
static void warden_drop_local_roots(struct warden_frame *f) {
  char here;
  uintptr_t low = (uintptr_t)&here, high = (uintptr_t)f;
  uintnat *head = &caml_state->field[WARDEN_DS_LOCAL_ROOTS];
  while (*head != 0 && *head >= low && *head < high)
    *head = *(uintnat *)*head; /* a block's first word is the next block */
}

__attribute__((noreturn)) void warden_unwind(int kind, value v) {
  struct warden_frame *f = warden_top_frame;
  if (f == NULL) warden_capi_uncaught(kind, v);
  warden_last_kind = kind;
  warden_last_exn = v;
  warden_top_frame = f->prev;
  warden_drop_local_roots(f);
  warden_c_resume(f);
}

#else

/* A trampoline's frame. The jump buffer is GCC's (and clang's) __builtin_setjmp one: five
 * words, no signal mask, no register mangling; the outcome travels in `kind`, since
 * __builtin_longjmp always makes __builtin_setjmp return 1. */
struct warden_frame {
  void *buf[5];
  value exn;
  int kind;
  uintnat saved_local_roots;
  struct warden_frame *prev;
};

static WARDEN_TLS struct warden_frame *warden_top_frame;

#define WARDEN_TRAMPOLINE(name, params, call)                                                \
  value name params {                                                                        \
    struct warden_frame frame;                                                               \
    frame.saved_local_roots = caml_state->field[WARDEN_DS_LOCAL_ROOTS];                      \
    frame.prev = warden_top_frame;                                                           \
    if (__builtin_setjmp(frame.buf) != 0) {                                                  \
      /* Back from warden_unwind: the frame is no longer on the chain. */                    \
      warden_last_kind = frame.kind;                                                         \
      warden_last_exn = frame.exn;                                                           \
      return 0;                                                                              \
    }                                                                                        \
    warden_top_frame = &frame;                                                               \
    value r = call;                                                                          \
    warden_top_frame = frame.prev;                                                           \
    return r;                                                                                \
  }

WARDEN_TRAMPOLINE(warden_c_call0, (void *fn), ((prim0)fn)())
WARDEN_TRAMPOLINE(warden_c_call1, (value a, void *fn), ((prim1)fn)(a))
WARDEN_TRAMPOLINE(warden_c_call2, (value a, value b, void *fn), ((prim2)fn)(a, b))
WARDEN_TRAMPOLINE(warden_c_call3, (value a, value b, value c, void *fn), ((prim3)fn)(a, b, c))
WARDEN_TRAMPOLINE(warden_c_call4, (value a, value b, value c, value d, void *fn),
                  ((prim4)fn)(a, b, c, d))
WARDEN_TRAMPOLINE(warden_c_call5, (value a, value b, value c, value d, value e, void *fn),
                  ((prim5)fn)(a, b, c, d, e))
WARDEN_TRAMPOLINE(warden_c_calln, (value *args, intnat n, void *fn), ((primn)fn)(args, (int)n))

/* The lean trampolines are the full ones here (a C function keeps every callee-saved
 * register, which their contract allows). */
value warden_c_lean1(value a, void *fn) __attribute__((alias("warden_c_call1")));
value warden_c_lean2(value a, value b, void *fn) __attribute__((alias("warden_c_call2")));
value warden_c_lean3(value a, value b, value c, void *fn) __attribute__((alias("warden_c_call3")));
value warden_c_lean4(value a, value b, value c, value d, void *fn)
    __attribute__((alias("warden_c_call4")));
value warden_c_lean5(value a, value b, value c, value d, value e, void *fn)
    __attribute__((alias("warden_c_call5")));

__attribute__((noreturn)) void warden_unwind(int kind, value v) {
  struct warden_frame *f = warden_top_frame;
  if (f == NULL) warden_capi_uncaught(kind, v);
  f->exn = v;
  f->kind = kind;
  warden_top_frame = f->prev;
  caml_state->field[WARDEN_DS_LOCAL_ROOTS] = f->saved_local_roots;
  __builtin_longjmp(f->buf, 1);
}

#endif

/* After a trampoline answered 0: how the call ended (WARDEN_RETURN when the primitive
 * itself returned 0, a stub's bug) and the raised value. */
int warden_c_outcome(value *exn) {
  int kind = warden_last_kind;
  *exn = warden_last_exn;
  warden_last_kind = WARDEN_RETURN;
  warden_last_exn = 0;
  return kind;
}

/* A call of a custom block's C operation, run by a trampoline (so that it may raise). */
struct warden_ops_call {
  void *fn;
  int shape;
  value a, b;
  void *p;
  intnat out;
};

static value warden_ops_body(value call) {
  struct warden_ops_call *c = (struct warden_ops_call *)call;
  switch (c->shape) {
  case WARDEN_OPS_COMPARE: c->out = ((int (*)(value, value))c->fn)(c->a, c->b); break;
  case WARDEN_OPS_HASH: c->out = ((intnat (*)(value))c->fn)(c->a); break;
  case WARDEN_OPS_SERIALIZE:
    ((void (*)(value, uintnat *, uintnat *))c->fn)(c->a, (uintnat *)c->p, (uintnat *)c->p + 1);
    c->out = 0;
    break;
  case WARDEN_OPS_DESERIALIZE: c->out = (intnat)((uintnat (*)(void *))c->fn)(c->p); break;
  default: c->out = 0; break;
  }
  return 1;
}

/* Calls a C function of a custom block's operations (which may raise) under a frame. */
int warden_c_call_ops(void *fn, int shape, value a, value b, void *p, intnat *out) {
  struct warden_ops_call c = {fn, shape, a, b, p, 0};
  (void)warden_capi_state();
  if (warden_c_call1((value)&c, (void *)warden_ops_body) != 0) {
    *out = c.out;
    return WARDEN_RETURN;
  }
  value exn;
  int kind = warden_c_outcome(&exn);
  *out = (intnat)exn;
  return kind;
}

