//! Pending actions: what a domain runs at a poll point because something happened
//! elsewhere — a switch to another thread that the tick asked for, the OCaml handlers of
//! signals that arrived, and the finalisers a collection made due. The interpreter polls
//! [`attention_pending`] cheaply and calls [`poll_actions`] when it says so; primitives that
//! block or change the signal mask call [`run_pending_actions`] too.
//!
//! Attention: every flag another thread raises for the polls (the world stopping, shared
//! work due, the tick's switch request, a signal) is followed by a bump of one process-wide
//! generation, `ATTENTION` (Release), so that a poll reads one word (Acquire) against the
//! generation its thread last looked at, instead of each flag. A thread that looks records
//! the generation *before* it reads the flags (`poll_actions`): a flag raised after its
//! reads is followed by a bump it has not seen, and the next poll looks again. A flag that
//! is still up after the actions ran (work left, a signal handler that failed) makes the
//! thread forget the generation, so the next poll looks again, as when each flag was read.
//!
//! Signals: an OS handler ([`set_signal_action`] with action 2) only records the signal in an
//! atomic flag; the OCaml handler, kept in a table in `Domain::named` under
//! [`SIGNAL_HANDLERS_KEY`] (a NUL-prefixed key no OCaml name can collide with), runs later on
//! whichever domain polls first. Finalisers run on the domain that took them from the heap's
//! due list, one at a time per domain (never nested).

use crate::algo::signal_numbers::{rev_convert_signal_number, NSIG};
use crate::domain::Domain;
use crate::exn::Exn;
use crate::gc::finalise::Finaliser;
use crate::heap::value::Value;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Key of the signal handler table in `Domain::named`.
pub const SIGNAL_HANDLERS_KEY: &[u8] = b"\0warden:signal_handlers";

/// Signals received and not yet handled, and a generation count bumped after each new one
/// (and after a change of a signal mask). Written by the signal handler, read by every
/// thread at its polls: relaxed for each flag, release/acquire on `SIGNAL_GEN` so that a poll
/// that sees a new generation also sees the flags set before it. Each thread looks at the
/// flags once per generation (`SEEN_GEN`): a signal that the first thread to look blocks stays
/// recorded, and the other threads, which have not looked at that generation yet, run its
/// handler (a thread-wide "something is pending" flag would be cleared by the first).
static PENDING: [AtomicBool; NSIG] = [const { AtomicBool::new(false) }; NSIG];
static SIGNAL_GEN: AtomicUsize = AtomicUsize::new(0);

/// The attention generation (module doc).
static ATTENTION: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The generation of `SIGNAL_GEN` this thread last looked at.
    static SEEN_GEN: Cell<usize> = const { Cell::new(0) };
    /// The generation of `ATTENTION` this thread last looked at.
    static ATTENTION_SEEN: Cell<usize> = const { Cell::new(0) };
}

/// After raising a flag for the polls: every thread's next poll looks at the flags.
/// Signal-safe (one atomic add).
pub fn call_attention() {
    // Release: a poll that sees the new generation (Acquire) sees the flag raised before.
    ATTENTION.fetch_add(1, Ordering::Release);
}

/// Whether a flag was raised for the polls since this thread last looked.
#[inline(always)]
pub fn attention_pending() -> bool {
    // Acquire: pairs with `call_attention`'s release.
    ATTENTION.load(Ordering::Acquire) != ATTENTION_SEEN.with(Cell::get)
}

/// The slow path of a poll point: looks at every flag (parking for a stopping world,
/// collecting, running the pending actions). Call at a safepoint, `dom.stack.sp` published.
pub fn poll_actions(dom: &mut Domain) -> Result<(), Exn> {
    // The generation is recorded before the flags are read (module doc). Acquire: as in
    // `attention_pending`.
    ATTENTION_SEEN.with(|s| s.set(ATTENTION.load(Ordering::Acquire)));
    dom.safepoint();
    let r = run_pending_actions(dom);
    // Relaxed (each): hints, as at the polls; a late `false` costs one more look.
    let still = dom.shared.stop.load(Ordering::Relaxed)
        || dom.shared.work.load(Ordering::Relaxed)
        || dom.threads.yield_requested.load(Ordering::Relaxed)
        || signals_pending();
    if still {
        ATTENTION_SEEN.with(|s| s.set(s.get().wrapping_sub(1)));
    }
    r
}

extern "C" fn record_signal(sig: libc::c_int) {
    if let Some(flag) = PENDING.get(sig as usize) {
        flag.store(true, Ordering::Relaxed);
        SIGNAL_GEN.fetch_add(1, Ordering::Release);
        call_attention();
    }
}

/// After a change of the signal mask: the signals still recorded (blocked until now) are
/// looked at again at the next poll of every thread.
pub fn recheck_pending_signals() {
    if PENDING.iter().any(|f| f.load(Ordering::Relaxed)) {
        // Release: pairs with the poll's acquire, as in `record_signal`.
        SIGNAL_GEN.fetch_add(1, Ordering::Release);
        call_attention();
    }
}

/// The system numbers of the signals recorded for OCaml handlers and not yet handled.
pub fn recorded_signals() -> Vec<i32> {
    PENDING
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, f)| f.load(Ordering::Relaxed))
        .map(|(s, _)| s as i32)
        .collect()
}

/// Whether a signal with an OCaml handler arrived since this thread last looked, and awaits
/// [`run_pending_signals`].
#[inline]
pub fn signals_pending() -> bool {
    // Acquire: pairs with the handler's release (see `PENDING`).
    SIGNAL_GEN.load(Ordering::Acquire) != SEEN_GEN.with(Cell::get)
}

/// Sets the OS action for `sig` (0 default, 1 ignore, 2 record for OCaml); returns the
/// previous one in the same coding, or the OS error.
pub fn set_signal_action(sig: i32, action: u8) -> std::io::Result<u8> {
    let handler = match action {
        0 => libc::SIG_DFL,
        1 => libc::SIG_IGN,
        _ => record_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
    };
    // SAFETY: sigaction structs are plain data, fully initialised below; the handler only
    // stores to atomics, which is async-signal-safe.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = handler;
        libc::sigemptyset(&mut act.sa_mask);
        act.sa_flags = libc::SA_ONSTACK;
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, &act, &mut old) == -1 {
            return Err(std::io::Error::last_os_error());
        }
        let recorder = record_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        Ok(if old.sa_sigaction == recorder {
            2
        } else if old.sa_sigaction == libc::SIG_IGN {
            1
        } else {
            0
        })
    }
}

/// The table of OCaml signal handlers (an NSIG-field block), created on first use.
pub fn signal_handlers(dom: &mut Domain) -> Value {
    if let Some(&t) = dom.named.get(SIGNAL_HANDLERS_KEY) {
        return t;
    }
    let t = dom.alloc_block(0, NSIG);
    dom.named.insert(SIGNAL_HANDLERS_KEY.to_vec(), t);
    t
}

/// Runs the actions that may run OCaml code, in the stock runtime's order: the handlers of
/// the signals that arrived first, then the memory profiler's callbacks (`memprof`), then
/// the due finalisers; the first exception stops them.
/// Call at a safepoint.
pub fn run_pending_actions(dom: &mut Domain) -> Result<(), Exn> {
    // The tick's request to let the domain's other threads run comes first, as the stock
    // runtime's external interrupt does. Relaxed: a hint, set again at the next tick.
    if dom.threads.yield_requested.swap(false, Ordering::Relaxed) {
        dom.thread_yield();
    }
    run_pending_signals(dom)?;
    dom.run_memprof_callbacks()?;
    run_finalisers(dom)
}

/// Runs the OCaml handlers of the signals that arrived (each with its signal blocked while
/// its handler runs, as the stock runtime does). Call at a safepoint.
pub fn run_pending_signals(dom: &mut Domain) -> Result<(), Exn> {
    // Acquire: as in `signals_pending`.
    let gen = SIGNAL_GEN.load(Ordering::Acquire);
    if gen == SEEN_GEN.with(Cell::get) {
        return Ok(());
    }
    SEEN_GEN.with(|s| s.set(gen));
    // A signal blocked in this thread stays recorded, its handler not run, until
    // `Unix.sigprocmask` unblocks it (`recheck_pending_signals`), as in the stock runtime.
    // SAFETY: sigset_t is plain data, written by pthread_sigmask (a query: no set given).
    let blocked = unsafe {
        let mut blocked: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut blocked);
        blocked
    };
    for (sig, flag) in PENDING.iter().enumerate().skip(1) {
        // SAFETY: `blocked` is a valid set and `sig` a signal number below NSIG.
        if !flag.load(Ordering::Relaxed) || unsafe { libc::sigismember(&blocked, sig as i32) } == 1
        {
            continue;
        }
        if !flag.swap(false, Ordering::Relaxed) {
            continue;
        }
        let Some(table) = dom.with_heap(|d| d.named.get(SIGNAL_HANDLERS_KEY).copied()) else {
            continue;
        };
        // SAFETY: the table has NSIG fields.
        let handler = unsafe { table.field(sig) };
        if !handler.is_block() {
            continue;
        }
        // SAFETY: sigset_t is plain data initialised by sigemptyset.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above; blocking a valid signal number of this thread.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, sig as i32);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        }
        let r = dom.call(handler, &[Value::of_int(rev_convert_signal_number(sig as i32))]);
        // SAFETY: restores the mask saved above.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        if let Err(e) = r {
            // The handlers of the other signals still pending run at this thread's next poll.
            SEEN_GEN.with(|s| s.set(gen.wrapping_sub(1)));
            return Err(e);
        }
    }
    Ok(())
}

/// `Gc.finalise_release`: lets the next finaliser start while this one still runs.
pub fn release_finaliser(dom: &mut Domain) {
    dom.running_finaliser = false;
}

/// Runs the finalisers that are due, as the stock runtime's pending-action processing does:
/// values that died in the same collection form a batch, batches run oldest first and each
/// batch from its last registration to its first; a finaliser never starts while another
/// one of this domain runs.
pub fn run_finalisers(dom: &mut Domain) -> Result<(), Exn> {
    if dom.running_finaliser {
        return Ok(());
    }
    while let Some(f) = dom.with_heap(|d| next_due(&mut d.gc.finalisers.due)) {
        dom.running_finaliser = true;
        // The value and function travel as the callback's arguments, which roots them.
        let r = dom.call(f.func, &[f.value]);
        dom.running_finaliser = false;
        r?;
    }
    Ok(())
}

/// Takes the next finaliser to run: the last entry of the oldest batch. A batch is a run of
/// entries of one kind (`Gc.finalise` or `Gc.finalise_last`), as one collection queues them.
fn next_due(due: &mut Vec<Finaliser>) -> Option<Finaliser> {
    let kind = due.first()?.last;
    let end = due.iter().position(|f| f.last != kind).unwrap_or(due.len());
    Some(due.remove(end - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_finalisers_run_by_batch_last_first() {
        let f =
            |n: isize, last: bool| Finaliser { value: Value::of_int(n), func: Value::UNIT, last };
        let mut due = vec![f(1, false), f(2, false), f(3, true), f(4, true), f(5, false)];
        let order: Vec<isize> =
            std::iter::from_fn(|| next_due(&mut due)).map(|f| f.value.int()).collect();
        assert_eq!(order, vec![2, 1, 4, 3, 5]);
    }
}
