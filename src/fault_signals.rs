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

/// Async-signal-safe: only `sigaction` and `raise`.
extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
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
