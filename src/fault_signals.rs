//! SIGSEGV and SIGBUS sent by a process rather than raised by a fault.
//!
//! The Rust runtime handles SIGSEGV and SIGBUS to detect stack overflows: a fault outside a
//! guard page makes it restore the default action and return, so that the faulting
//! instruction runs again and kills the process. A signal sent with `kill`, `tgkill` or
//! `sigqueue` has no faulting instruction to run again, so that handler would swallow it,
//! where the stock `ocamlrun` (which handles neither signal) dies by it.
//!
//! [`install`] puts a handler in front: a sent signal (`si_code <= 0`: `SI_USER`,
//! `SI_QUEUE`, `SI_TKILL` ...) gets the default action, re-raised; a real fault is given
//! back to the handler that was there before, by restoring it and returning. A program that
//! handles the signal itself (`Sys.set_signal`) replaces this handler, as in the stock
//! runtime. The hardened profile's fault handler, installed later, passes sent signals on
//! to this one.
//!
//! A real fault while the bytecode interpreter runs first prints one line naming the
//! bytecode offset of the instruction being run. It costs the interpreter nothing per
//! instruction: an activation records its code array's range in a thread-local
//! ([`note_interpreter_code`]), and the handler finds the interpreter's `pc` among the
//! interrupted thread's registers (or, spilled, among the words at its stack pointer) as the
//! one value pointing into that range. An application reads the applied value's code field
//! through [`read_applied_code`], whose load the handler recognises (and finds `pc` in a
//! known register), since a value that is not a closure faults there with older code
//! addresses still in registers.

use std::cell::Cell;
use std::sync::OnceLock;

/// The SIGSEGV and SIGBUS actions that a fault handler replaced, to give faults back to.
pub struct PreviousActions {
    segv: libc::sigaction,
    bus: libc::sigaction,
}
// SAFETY: written once before the handler is installed, then only read.
unsafe impl Sync for PreviousActions {}
// SAFETY: as above.
unsafe impl Send for PreviousActions {}

impl PreviousActions {
    /// Puts back the action `sig` had before: the faulting instruction, run again when the
    /// handler returns, then faults under it. Async-signal-safe (one `sigaction`).
    pub fn restore(&self, sig: libc::c_int) {
        let old = if sig == libc::SIGBUS { &self.bus } else { &self.segv };
        // SAFETY: restoring a sigaction obtained from the kernel.
        unsafe { libc::sigaction(sig, old, std::ptr::null_mut()) };
    }
}

/// A SA_SIGINFO signal handler.
pub type FaultHandler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);

/// Installs `handler` for SIGSEGV and SIGBUS (on the alternate signal stack, where Rust's
/// stack-overflow handling has one), keeping the actions it replaces in `previous`; once per
/// `previous` (later calls do nothing).
pub fn take_over(previous: &OnceLock<PreviousActions>, handler: FaultHandler) {
    if previous.get().is_some() {
        return;
    }
    // SAFETY: plain sigaction calls on zero-initialised structures; the handler has the
    // SA_SIGINFO signature.
    unsafe {
        let mut segv: libc::sigaction = std::mem::zeroed();
        let mut bus: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGSEGV, std::ptr::null(), &mut segv);
        libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut bus);
        if previous.set(PreviousActions { segv, bus }).is_err() {
            return;
        }
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = handler as usize;
        act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaction(libc::SIGSEGV, &act, std::ptr::null_mut());
        libc::sigaction(libc::SIGBUS, &act, std::ptr::null_mut());
    }
}

static PREVIOUS: OnceLock<PreviousActions> = OnceLock::new();

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    take_over(&PREVIOUS, on_signal);
}

/// Whether a signal with this `si_code` was sent by a process (the kernel's own signals,
/// faults included, have positive codes).
fn sent_by_process(si_code: libc::c_int) -> bool {
    si_code <= 0
}

thread_local! {
    /// The code array (address of word 0, length in words) of the interpreter activation
    /// running on this thread; (0, 0) when none ran.
    static INTERP_CODE: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Reads field 0 (the code field) of `clos`, the value an application applies, with the
/// interpreter's `pc` at hand for the fault handler: a value that is not a closure (an
/// integer) faults on this read, when other registers may hold older code addresses.
///
/// On x86-64 it costs nothing beyond the load: the load is one instruction that marks
/// itself (a redundant `ds` segment prefix, `APPLY_LOAD_PREFIX`, which no compiler emits)
/// and `pc` is in `r12` while it runs, so the handler, seeing the marked instruction at the
/// faulting address, reads `pc` from `r12` (`interpreter_pc`). Elsewhere `pc` is noted in a
/// thread-local around the read (two plain stores).
///
/// # Safety
/// `clos` must be a readable block (a closure, in well-typed code).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub unsafe fn read_applied_code(clos: usize, pc: *const i32) -> usize {
    let code: usize;
    // SAFETY: reads the first word of `clos` (the caller's contract); `pc` is only an input
    // the template does not use, pinned to r12 for the fault handler.
    unsafe {
        std::arch::asm!(
            ".byte 0x3e",
            "mov {code}, qword ptr [{clos}]",
            clos = in(reg) clos,
            code = lateout(reg) code,
            in("r12") pc,
            options(nostack, readonly, preserves_flags)
        );
    }
    code
}

/// The prefix byte that marks `read_applied_code`'s load.
#[cfg(target_arch = "x86_64")]
const APPLY_LOAD_PREFIX: u8 = 0x3e;

/// As the x86-64 version: `pc` noted in a thread-local while the field is read.
///
/// # Safety
/// As the x86-64 version.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub unsafe fn read_applied_code(clos: usize, pc: *const i32) -> usize {
    use std::sync::atomic::{compiler_fence, Ordering};
    // SeqCst compiler fences (no instruction): the stores stay around the read, as this
    // thread's signal handler reads them.
    compiler_fence(Ordering::SeqCst);
    APPLYING.with(|a| a.set(pc as usize));
    compiler_fence(Ordering::SeqCst);
    // SAFETY: the caller's contract.
    let code = unsafe { *(clos as *const usize) };
    compiler_fence(Ordering::SeqCst);
    APPLYING.with(|a| a.set(0));
    compiler_fence(Ordering::SeqCst);
    code
}

#[cfg(not(target_arch = "x86_64"))]
thread_local! {
    /// While an application reads its closure's code field: the interpreter's `pc` then, else
    /// 0 (`read_applied_code`, where the load cannot mark itself).
    static APPLYING: Cell<usize> = const { Cell::new(0) };
}

/// The interpreter's `pc` if the fault is `read_applied_code`'s load (an application of a
/// value that is not a closure), from the signal context.
#[cfg(target_arch = "x86_64")]
fn applying_pc(info: *mut libc::siginfo_t, ctx: *mut libc::c_void) -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: the kernel passes a valid ucontext_t and siginfo_t to SA_SIGINFO handlers.
        let (g, addr) = unsafe {
            (&(*(ctx as *const libc::ucontext_t)).uc_mcontext.gregs, (*info).si_addr() as usize)
        };
        let rip = g[libc::REG_RIP as usize] as usize;
        // A fault on fetching the instruction itself: its bytes are not readable.
        if rip == 0 || addr.wrapping_sub(rip) < 16 {
            return None;
        }
        // SAFETY: `rip` is the instruction that faulted on a data access, so it was fetched:
        // its bytes are mapped and readable (the text segment).
        let b = unsafe { std::slice::from_raw_parts(rip as *const u8, 3) };
        if b[0] == APPLY_LOAD_PREFIX && b[1] & 0xf0 == 0x40 && b[2] == 0x8b {
            return Some(g[libc::REG_R12 as usize] as usize);
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (info, ctx);
        None
    }
}

/// As the x86-64 version: the thread-local `read_applied_code` set.
#[cfg(not(target_arch = "x86_64"))]
fn applying_pc(_info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) -> Option<usize> {
    Some(APPLYING.with(|a| a.get())).filter(|&p| p != 0)
}

/// Maps a code word index to the start of the instruction holding it (set by the
/// interpreter, which owns the instruction set).
static INSTRUCTION_AT: OnceLock<FaultSite> = OnceLock::new();

/// The start of the instruction holding a code word, and whether that instruction reads
/// inside a value (and so may fault on a wrong one).
pub type FaultSite = fn(&[i32], usize) -> (usize, bool);

/// Records that the interpreter runs `words` words of code at `base` on this thread;
/// `instruction_at` maps a word index to its instruction's start (and says whether it may
/// fault).
pub fn note_interpreter_code(base: *const i32, words: usize, instruction_at: FaultSite) {
    let _ = INSTRUCTION_AT.set(instruction_at);
    INTERP_CODE.with(|c| c.set((base as usize, words)));
}

/// The interrupted thread's general registers and stack pointer, from the signal context.
fn interrupted_registers(ctx: *mut libc::c_void) -> Option<([usize; 32], usize)> {
    let mut regs = [0usize; 32];
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    {
        // SAFETY: the kernel passes a valid ucontext_t to SA_SIGINFO handlers.
        let g = unsafe { &(*(ctx as *const libc::ucontext_t)).uc_mcontext.gregs };
        for (r, &v) in regs.iter_mut().zip(g.iter()) {
            *r = v as usize;
        }
        Some((regs, g[libc::REG_RSP as usize] as usize))
    }
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    {
        // SAFETY: as above.
        let m = unsafe { &(*(ctx as *const libc::ucontext_t)).uc_mcontext };
        for (r, &v) in regs.iter_mut().zip(m.regs.iter()) {
            *r = v as usize;
        }
        Some((regs, m.sp as usize))
    }
    #[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
    {
        let _ = (ctx, &mut regs);
        None
    }
}

/// Words at the stack pointer searched for a spilled `pc`.
const SPILL_WORDS: usize = 64;

/// The interpreter's `pc` at the fault, as a word index, if the thread runs the interpreter
/// and one register (or spilled word) points past the start of its code. Registers may also
/// hold older positions: a candidate whose instruction may fault is preferred (then the
/// largest).
fn interpreter_pc(info: *mut libc::siginfo_t, ctx: *mut libc::c_void) -> Option<usize> {
    let (base, words) = INTERP_CODE.with(|c| c.get());
    if words == 0 {
        return None;
    }
    let end = base + words * 4;
    let applying = applying_pc(info, ctx).unwrap_or(0);
    if applying > base && applying <= end {
        return Some((applying - base) / 4);
    }
    // SAFETY: the activation's code array is alive while it runs, `words` long.
    let code = unsafe { std::slice::from_raw_parts(base as *const i32, words) };
    let site = INSTRUCTION_AT.get();
    // `pc` is past the opcode it runs, so strictly above `base` (which the interpreter
    // also keeps in a register).
    let pick = |best: Option<(bool, usize)>, v: usize| {
        if v > base && v <= end && v % 4 == base % 4 {
            let i = (v - base) / 4;
            let faults = site.is_some_and(|f| f(code, i - 1).1);
            Some(best.map_or((faults, i), |b| b.max((faults, i))))
        } else {
            best
        }
    };
    let (regs, sp) = interrupted_registers(ctx)?;
    let mut found = regs.iter().fold(None, |b, &v| pick(b, v));
    if found.is_none_or(|(faults, _)| !faults) && sp != 0 {
        for i in 0..SPILL_WORDS {
            // SAFETY: the words just above the interrupted stack pointer are the thread's
            // own mapped stack.
            found = pick(found, unsafe { *(sp as *const usize).add(i) });
        }
    }
    found.map(|(_, i)| i)
}

/// Writes "warden: <signal> while the bytecode interpreter ran the instruction at code
/// offset N" to stderr. Async-signal-safe: formats into a stack buffer, one `write`.
fn report_interpreter_fault(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let Some(pc) = interpreter_pc(info, ctx) else { return };
    let (base, words) = INTERP_CODE.with(|c| c.get());
    // SAFETY: the activation's code array is alive while it runs (the program is held by
    // the thread's activation), `words` long.
    let code = unsafe { std::slice::from_raw_parts(base as *const i32, words) };
    let at = INSTRUCTION_AT.get().map_or(pc.saturating_sub(1), |f| f(code, pc.saturating_sub(1)).0);
    let name: &[u8] = if sig == libc::SIGBUS { b"bus error" } else { b"segmentation fault" };
    let mut buf = [0u8; 160];
    let mut n = 0;
    let mut put = |bytes: &[u8]| {
        for &b in bytes {
            if n < buf.len() {
                buf[n] = b;
                n += 1;
            }
        }
    };
    put(b"warden: ");
    put(name);
    put(b" while the bytecode interpreter ran the instruction at code offset ");
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    let mut v = at;
    loop {
        k -= 1;
        digits[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    put(&digits[k..]);
    put(b"\n");
    // SAFETY: writing an initialised buffer to fd 2.
    unsafe { libc::write(2, buf.as_ptr().cast(), n) };
}

/// Async-signal-safe: only `sigaction`, `raise` and `write`.
extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t to SA_SIGINFO handlers.
    let code = unsafe { (*info).si_code };
    if sent_by_process(code) {
        // SAFETY: a zeroed sigaction with SIG_DFL is a valid action; the re-raised signal
        // is blocked while this handler runs, and kills the process when it returns.
        unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(sig, &act, std::ptr::null_mut());
            libc::raise(sig);
        }
        return;
    }
    report_interpreter_fault(sig, info, ctx);
    if let Some(prev) = PREVIOUS.get() {
        prev.restore(sig);
    }
}

#[cfg(test)]
mod tests {
    use super::sent_by_process;

    #[test]
    fn sent_codes_are_told_from_fault_codes() {
        for code in [libc::SI_USER, libc::SI_QUEUE, libc::SI_TKILL] {
            assert!(sent_by_process(code), "{code}");
        }
        // SEGV_MAPERR, SEGV_ACCERR, BUS_ADRALN, and SI_KERNEL (a non-canonical address).
        for code in [1, 2, 0x80] {
            assert!(!sent_by_process(code), "{code}");
        }
    }
}
