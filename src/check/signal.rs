//! The hardened build's fault handler. A poison word used as a pointer faults (its address is
//! non-canonical); the handler looks at the faulting address and the general registers for an
//! address derived from poison, and if it finds one, turns the crash into a use-after-free (or
//! uninitialised-read, or past-the-end) report naming the poison's category. Otherwise it
//! asks the allocator shim whether the address lies on a guard page or in a freed,
//! quarantined block (`heap::shim::classify`), and reports that. Any other fault is passed on
//! to the handler that was installed before (warden's own, `fault_signals`, then
//! Rust's stack-overflow handler, or the default action), by restoring it and returning, so
//! that the faulting instruction runs again. A signal sent by a process (`si_code <= 0`) is
//! not diagnosed: it is re-raised to the previous handler.
//!
//! The report machinery is not async-signal-safe; it runs only when the process is going to
//! die anyway. (`classify` only try-locks the shim, so a fault inside the shim is passed on.)

use super::poison::{self, PoisonKind};
use super::report::{self, Check, Report, Snapshot};
use crate::fault_signals::{take_over, PreviousActions};
use crate::heap::shim::{self, BlockLocation};
use std::sync::OnceLock;

static PREVIOUS: OnceLock<PreviousActions> = OnceLock::new();

/// Installs the handler (once per process).
pub fn install() {
    take_over(&PREVIOUS, handler);
}

/// The general registers of the interrupted context, where the platform is known.
///
/// # Safety
/// `ctx` must be the `ucontext_t` pointer a SA_SIGINFO handler received.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn registers(ctx: *mut libc::c_void) -> Vec<(&'static str, u64)> {
    const NAMES: [(&str, libc::c_int); 15] = [
        ("rax", libc::REG_RAX),
        ("rbx", libc::REG_RBX),
        ("rcx", libc::REG_RCX),
        ("rdx", libc::REG_RDX),
        ("rsi", libc::REG_RSI),
        ("rdi", libc::REG_RDI),
        ("rbp", libc::REG_RBP),
        ("r8", libc::REG_R8),
        ("r9", libc::REG_R9),
        ("r10", libc::REG_R10),
        ("r11", libc::REG_R11),
        ("r12", libc::REG_R12),
        ("r13", libc::REG_R13),
        ("r14", libc::REG_R14),
        ("r15", libc::REG_R15),
    ];
    // SAFETY: the caller's contract: ctx is a valid ucontext_t.
    let uc = unsafe { &*(ctx as *const libc::ucontext_t) };
    NAMES.iter().map(|&(n, r)| (n, uc.uc_mcontext.gregs[r as usize] as u64)).collect()
}

/// # Safety
/// `ctx` must be the `ucontext_t` pointer a SA_SIGINFO handler received.
#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
unsafe fn registers(ctx: *mut libc::c_void) -> Vec<(&'static str, u64)> {
    const NAMES: [&str; 31] = [
        "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
        "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26",
        "x27", "x28", "x29", "x30",
    ];
    // SAFETY: the caller's contract: ctx is a valid ucontext_t.
    let uc = unsafe { &*(ctx as *const libc::ucontext_t) };
    NAMES.iter().enumerate().map(|(i, &n)| (n, uc.uc_mcontext.regs[i])).collect()
}

/// # Safety
/// Any pointer (unused on this platform).
#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
unsafe fn registers(_ctx: *mut libc::c_void) -> Vec<(&'static str, u64)> {
    Vec::new()
}

extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers.
    if unsafe { (*info).si_code } <= 0 {
        // Sent by a process (kill, tgkill, sigqueue), not a fault: there is nothing to
        // diagnose, and no faulting instruction to run again, so the previous handler gets
        // the signal re-raised (blocked until this handler returns).
        pass_on(sig);
        // SAFETY: raising a signal number the kernel just delivered.
        unsafe { libc::raise(sig) };
        return;
    }
    // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as u64;
    // SAFETY: ctx is the handler's ucontext_t.
    let regs = unsafe { registers(ctx) };
    let signame = if sig == libc::SIGBUS { "SIGBUS" } else { "SIGSEGV" };
    if let Some(report) = diagnose(signame, addr, &regs, shim::classify) {
        // The handler runs on the small alternate signal stack, too small for symbolising the
        // backtrace: the report is made on a fresh thread while this one waits (the process
        // exits from there). The faulting thread's frames are captured here, unresolved.
        // Claimed first: the watchdog then ends the process even if what follows blocks
        // (the fault may have struck while this thread held the allocator's lock).
        report::claim();
        let snap = Snapshot::take();
        let _ = std::thread::Builder::new()
            .name("warden-fault-report".into())
            .spawn(move || report.fail_from(snap))
            .map(|t| t.join());
        report::exit_now();
    }
    // Not ours: give the fault back to the previous handler.
    pass_on(sig);
}

/// Restores the handler that was installed before this one.
fn pass_on(sig: libc::c_int) {
    if let Some(prev) = PREVIOUS.get() {
        prev.restore(sig);
    }
}

/// The report for a fault at `addr` with the registers `regs`, if warden can explain it:
/// an address derived from a poison word (at the faulting address or in a register), or an
/// address that `classify` (the allocator shim's) places on a guard page or in a freed block.
fn diagnose(
    signame: &str,
    addr: u64,
    regs: &[(&'static str, u64)],
    classify: impl Fn(usize) -> Option<BlockLocation>,
) -> Option<Report> {
    // Every poison-derived value in sight. Registers may also hold a poison constant left
    // over from a poisoning loop, so the faulting address comes first, then values with an
    // offset (an address computed from poison), then free-memory poison before the rest
    // (the allocator's fill constant lingers in registers).
    let mut seen: Vec<(&'static str, u64)> = Vec::new();
    if poison::looks_derived(addr) {
        seen.push(("faulting address", addr));
    }
    seen.extend(regs.iter().copied().filter(|&(_, v)| poison::looks_derived(v)));
    let rank = |&(name, v): &(&str, u64)| {
        let exact = poison::is_poison(v);
        (name != "faulting address", exact, poison::kind_of(v) != Some(PoisonKind::Free))
    };
    if let Some((where_, v)) = seen.iter().copied().min_by_key(rank) {
        let all: Vec<String> =
            seen.iter().map(|(n, v)| format!("{n} = {v:#x} ({})", poison::category(*v))).collect();
        let cat = poison::category(v);
        let (check, what) = match poison::kind_of(v) {
            Some(PoisonKind::Uninitialised) => {
                (Check::Uninitialised, "a value read from uninitialised memory")
            }
            Some(PoisonKind::PastTheEnd) => {
                (Check::Canary, "a value read from past the end of a block")
            }
            _ => (Check::UseAfterFree, "a value read from freed memory"),
        };
        return Some(
            Report::new(check, format!("the program faulted ({signame}) on an address computed from a poison word ({cat}): {what} was used as a pointer"))
                .expected("a pointer to a live block")
                .found(format!("{where_} = {v:#x} ({cat}); poison-derived values in sight: {}", all.join(", "))),
        );
    }
    let hit = classify(addr as usize)?;
    let (check, expected) = if hit.freed {
        (Check::UseAfterFree, "an address inside a live block")
    } else {
        (Check::BadPointer, "an address inside the block")
    };
    Some(
        Report::new(check, format!("the program faulted ({signame}) on an address {hit}"))
            .expected(expected)
            .found(format!("faulting address {addr:#x}: {hit}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::shim::{Init, Kind, Settings, Shim};

    #[test]
    fn poison_categories_pick_the_check() {
        let cases = [
            (poison::FREE_MAJOR, Check::UseAfterFree, "free-major"),
            (poison::FREE_BIGARRAY, Check::UseAfterFree, "free-bigarray"),
            (poison::FREE_C_HEAP, Check::UseAfterFree, "free-c-heap"),
            (poison::SHIM_CANARY, Check::Canary, "shim-canary"),
            (poison::UNINIT_C_HEAP, Check::Uninitialised, "uninitialised-c-heap"),
            (poison::UNINIT_MINOR, Check::Uninitialised, "uninitialised-minor"),
        ];
        for (w, check, cat) in cases {
            let r = diagnose("SIGSEGV", w + 16, &[], |_| None).expect("a poison-derived address");
            assert_eq!(r.check, check, "{cat}");
            assert!(r.summary.contains(cat), "{}", r.summary);
        }
        // The faulting address wins over registers; among registers, free poison over the
        // uninitialised fill that lingers after a poisoning loop.
        let regs = [("rax", poison::UNINIT_MAJOR), ("rbx", poison::FREE_STACK + 8)];
        let r = diagnose("SIGBUS", 0x10, &regs, |_| None).unwrap();
        assert_eq!(r.check, Check::UseAfterFree);
        assert!(r.found.starts_with("rbx = ") && r.summary.contains("SIGBUS"), "{}", r.found);
        // Nothing poisoned, nothing the shim knows: not ours.
        assert!(diagnose("SIGSEGV", 0x10, &[("rax", 42)], |_| None).is_none());
    }

    #[test]
    fn guard_pages_and_quarantined_blocks_are_named() {
        let shim =
            Shim::new(Settings { hardened: true, quarantine_bytes: 1 << 20, guard: true }).unwrap();
        let a = shim.alloc(4000, 16, Kind::Bigarray, Init::Zeroed).unwrap();
        let base = a.as_ptr() as usize;
        let r = diagnose("SIGSEGV", (base + 4000 + 100) as u64, &[], |x| shim.classify(x))
            .expect("a guard page hit");
        assert_eq!(r.check, Check::BadPointer);
        assert_eq!(
            r.summary,
            format!("the program faulted (SIGSEGV) on an address 100 bytes past the end of a live Bigarray block {base:#x} (4000 bytes), on its guard page")
        );
        // SAFETY: a live block of this shim, freed once.
        unsafe { shim.free(a).unwrap() };
        let r = diagnose("SIGSEGV", (base + 8) as u64, &[], |x| shim.classify(x))
            .expect("a freed block");
        assert_eq!(r.check, Check::UseAfterFree);
        assert!(
            r.summary.contains("at offset 8 of a freed (quarantined) Bigarray block"),
            "{}",
            r.summary
        );
        shim.flush().unwrap();
    }
}
