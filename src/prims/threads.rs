//! The primitives of the systhreads library (`threads.cma`: `Thread`, and through it
//! `Event`): threads as OS threads that take turns on their domain (see `domain::threads` for
//! the master lock, the tick and the per-thread state).
//!
//! A thread descriptor (`Thread.t`) is the stock block `[| id; start closure; status |]`:
//! the status is a `_threadstatus` custom block owning a one-shot event that the thread
//! triggers when it ends, which `Thread.join` waits for.

use super::io::write_stderr;
use super::unix::process::{decode_sigset, encode_sigset, signal_to_ocaml};
use crate::domain::pending::run_pending_actions;
use crate::domain::threads::{enabled, fresh_id};
use crate::domain::{Domain, PrimFn};
use crate::exn::{Exn, PrimResult};
use crate::heap::custom::{data_ptr, ops_of, CustomOps};
use crate::heap::value::{Value, CUSTOM_TAG};
use std::sync::{Condvar, Mutex};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_thread_initialize", thread_initialize),
    ("caml_thread_cleanup", thread_cleanup),
    ("caml_thread_new", thread_new),
    ("caml_thread_uncaught_exception", thread_uncaught_exception),
    ("caml_thread_yield", thread_yield),
    ("caml_thread_self", thread_self),
    ("caml_thread_id", thread_id),
    ("caml_thread_join", thread_join),
    ("caml_thread_sigmask", thread_sigmask),
    ("caml_wait_signal", wait_signal),
];

/// A thread's termination event.
#[derive(Default)]
struct Status {
    ended: Mutex<bool>,
    cond: Condvar,
}

impl Status {
    fn lock(&self) -> std::sync::MutexGuard<'_, bool> {
        self.ended.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn trigger(&self) {
        let mut ended = self.lock();
        *ended = true;
        // Under the mutex: a joiner in another domain may let the descriptor die as soon as
        // its wait returns.
        self.cond.notify_all();
        drop(ended);
    }
    fn wait(&self) {
        let mut ended = self.lock();
        while !*ended {
            ended = self.cond.wait(ended).unwrap_or_else(|e| e.into_inner());
        }
    }
}

fn status_addr(v: Value) -> usize {
    // SAFETY: a `_threadstatus` block's data word holds the Box's pointer.
    unsafe { *(data_ptr(v) as *const usize) }
}

fn finalize_status(v: Value) {
    // SAFETY: the data word holds the Box made by `new_descriptor`; the block is dead, so this
    // is the only release.
    unsafe { drop(Box::from_raw(status_addr(v) as *mut Status)) };
}

fn compare_status(a: Value, b: Value) -> i32 {
    status_addr(a).cmp(&status_addr(b)) as i32
}

static STATUS_OPS: CustomOps = CustomOps {
    id: "_threadstatus",
    finalize: Some(finalize_status),
    compare: Some(compare_status),
    hash: None,
    serialize: None,
    deserialize: None,
    fixed_length: None,
};

/// A new descriptor `[| id; clos; status |]` (allocation never collects: `clos` stays valid).
fn new_descriptor(dom: &mut Domain, id: usize, clos: Value) -> Value {
    let status = dom.alloc_custom(&STATUS_OPS, std::mem::size_of::<usize>());
    let p = Box::into_raw(Box::<Status>::default());
    // SAFETY: the block has one data word.
    unsafe { *(data_ptr(status) as *mut *mut Status) = p };
    dom.alloc_tuple(0, &[Value::of_int(id as isize), clos, status])
}

/// The termination event of descriptor `descr`.
fn status_of<'a>(descr: Value) -> Result<&'a Status, Exn> {
    let bad = || Exn::invalid_arg("Thread: not a thread descriptor");
    // SAFETY: reads are guarded by the shape checks before them.
    unsafe {
        if !descr.is_block() || descr.wosize() < 3 {
            return Err(bad());
        }
        let s = descr.field(2);
        if !s.is_block() || s.tag() != CUSTOM_TAG || !std::ptr::eq(ops_of(s), &STATUS_OPS) {
            return Err(bad());
        }
        // SAFETY: the Box lives until the block dies; the caller keeps `descr` alive.
        Ok(&*(status_addr(s) as *const Status))
    }
}

/// `caml_thread_initialize`: makes the calling thread the first thread of its domain, once.
fn thread_initialize(dom: &mut Domain, _: &[Value]) -> PrimResult {
    if enabled() {
        return Ok(Value::UNIT);
    }
    // SAFETY: primitives run with the heap lock held; only the registry's length is read.
    if unsafe { dom.shared.heap() }.domains.len() > 1 {
        return Err(Exn::failure(
            "caml_thread_initialize: cannot initialize Thread while several domains are running.",
        ));
    }
    let id = fresh_id();
    let descr = new_descriptor(dom, id, Value::UNIT);
    dom.enable_threads(id, descr);
    Ok(Value::UNIT)
}

/// A domain spawned once `Thread` is initialised starts its own threads, with the domain's
/// thread as the first (the stock domain-initialise hook).
pub fn domain_started(dom: &mut Domain) {
    if enabled() {
        let id = fresh_id();
        let descr = dom.with_heap(|d| new_descriptor(d, id, Value::UNIT));
        dom.enable_threads(id, descr);
    }
}

/// Before a spawned domain ends: it waits for its other threads, signals its own end to
/// whoever joins its first thread, and stops its tick (the stock domain-stop hook).
pub fn domain_stopping(dom: &mut Domain) {
    if !dom.threads.on() {
        return;
    }
    // A thread triggers its event and leaves the table in one turn, so once the wait is over
    // and this thread has its turn back, the other is gone.
    while let Some(&other) = dom.other_thread_descrs().first() {
        let Ok(st) = status_of(other) else { break };
        dom.local_roots.push(other);
        dom.blocking_section(|| st.wait());
        dom.local_roots.pop();
    }
    if let Ok(st) = status_of(dom.thread_descr()) {
        st.trigger();
    }
    dom.stop_tick();
}

/// Makes the calling OS thread, created outside OCaml, a new thread of `dom`
/// (`caml_c_thread_register`): it takes a turn, gets a descriptor (with a fresh
/// identifier, as `Thread.self` shows it) and the domain's tick runs. The caller holds the
/// turn afterwards (inside the world).
pub fn attach_foreign(dom: &mut Domain) -> std::io::Result<()> {
    let id = fresh_id();
    dom.attach_thread(id);
    let descr = dom.with_heap(|d| new_descriptor(d, id, Value::UNIT));
    dom.set_thread_descr(descr);
    dom.start_tick()
}

/// The end of a thread that [`attach_foreign`] attached (`caml_c_thread_unregister`),
/// called in its turn: whoever joins it is woken, and it leaves the domain for good.
pub fn detach_foreign(dom: &mut Domain) {
    if let Ok(st) = status_of(dom.thread_descr()) {
        st.trigger();
    }
    dom.finish_thread();
}

/// `caml_thread_cleanup` (`Thread.at_shutdown`): stops the tick thread.
fn thread_cleanup(dom: &mut Domain, _: &[Value]) -> PrimResult {
    dom.stop_tick();
    Ok(Value::UNIT)
}

/// A domain handed to a new thread of it.
struct DomainPtr(*mut Domain);
// SAFETY: the thread uses the domain only while it holds the domain's master lock (see
// `domain::threads`).
unsafe impl Send for DomainPtr {}

/// `caml_thread_new clos`: starts a thread running `clos ()`; returns its descriptor.
fn thread_new(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let err = |e: std::io::Error| Exn::sys_error_os(Some("Thread.create"), &e);
    if !dom.threads.on() {
        // A domain that started before `Thread` was initialised: its thread becomes its first.
        let id = fresh_id();
        let descr = new_descriptor(dom, id, Value::UNIT);
        dom.enable_threads(id, descr);
    }
    dom.start_tick().map_err(err)?;
    let id = fresh_id();
    let descr = new_descriptor(dom, id, args[0]);
    dom.add_thread(id, descr);
    let program = crate::interp::current_program();
    let ptr = DomainPtr(dom as *mut Domain);
    let spawned = std::thread::Builder::new()
        .name(format!("thread-{id}"))
        // The size of a default POSIX thread's stack, as the stock library's threads have.
        .stack_size(8 << 20)
        .spawn(move || run_thread(ptr, program, id));
    if let Err(e) = spawned {
        dom.drop_unstarted_thread(id);
        return Err(err(e));
    }
    Ok(descr)
}

/// The body of a thread's OS thread.
fn run_thread(ptr: DomainPtr, program: std::sync::Arc<crate::interp::Program>, id: usize) {
    let p = ptr.0;
    // SAFETY: the domain outlives its threads (a domain joins its threads before it ends; the
    // main domain's end ends the process), and this thread touches it only in its turns.
    let dom = unsafe { &mut *p };
    dom.start_thread(id);
    // The thread's runtime events go to its domain's ring.
    crate::events::set_ring(dom.index);
    crate::interp::install(dom, program);
    let descr = dom.thread_descr();
    // SAFETY: a descriptor has three fields.
    let clos = unsafe { descr.field(1) };
    dom.modify(descr, 1, Value::UNIT);
    if let Err(e) = dom.call(clos, &[Value::UNIT]) {
        // `exit` or a fatal error ends the process; an exception (Thread.create's wrapper
        // catches them all) is dropped, as by the stock `caml_callback_exn`.
        if matches!(e, Exn::Exit(_) | Exn::Fatal(_) | Exn::Unimplemented(_)) {
            let code = super::sys::finish(dom, Err(e));
            std::process::exit(code);
        }
    }
    if let Ok(st) = status_of(dom.thread_descr()) {
        st.trigger();
    }
    dom.finish_thread();
}

/// `caml_thread_uncaught_exception exn`: the default handler's report on stderr.
fn thread_uncaught_exception(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let msg = super::backtrace::printexc::format_exception(dom, args[0]);
    let descr = dom.thread_descr();
    // SAFETY: a descriptor (a block) has three fields.
    let id = if descr.is_block() { unsafe { descr.field(0) }.int() } else { 0 };
    let mut text = format!("Thread {id} killed on uncaught exception ").into_bytes();
    text.extend_from_slice(&msg);
    text.push(b'\n');
    if dom.backtrace_active {
        text.extend_from_slice(
            super::backtrace::printexc::exception_backtrace_text(dom).as_bytes(),
        );
    }
    write_stderr(&text);
    Ok(Value::UNIT)
}

/// `caml_thread_yield`: runs the pending actions, then lets a waiting thread run.
fn thread_yield(dom: &mut Domain, _: &[Value]) -> PrimResult {
    run_pending_actions(dom)?;
    dom.thread_yield();
    Ok(Value::UNIT)
}

fn thread_self(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(dom.thread_descr())
}

fn thread_id(_: &mut Domain, args: &[Value]) -> PrimResult {
    let d = args[0];
    if !d.is_block() {
        return Err(Exn::invalid_arg("Thread.id: not a thread descriptor"));
    }
    // SAFETY: a block; descriptors have their id in field 0.
    Ok(unsafe { d.field(0) })
}

/// `caml_thread_join th`: waits, outside the runtime, until thread `th` ended.
fn thread_join(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let st = status_of(args[0])?;
    // The descriptor keeps the event alive for the wait.
    dom.local_roots.push(args[0]);
    dom.blocking_section(|| st.wait());
    dom.local_roots.pop();
    Ok(Value::UNIT)
}

/// `caml_thread_sigmask cmd signals`: the calling thread's mask, changed; returns the old one.
/// The handlers of the signals it unblocks run before it returns.
fn thread_sigmask(dom: &mut Domain, args: &[Value]) -> PrimResult {
    const HOW: [i32; 3] = [libc::SIG_SETMASK, libc::SIG_BLOCK, libc::SIG_UNBLOCK];
    let how = HOW[(args[0].int().clamp(0, 2)) as usize];
    let set = decode_sigset(args[1]);
    let (r, old) = dom.blocking_section(|| {
        // SAFETY: sigset_t is plain data, written by pthread_sigmask.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: both sets are valid sigset_t values.
        let r = unsafe { libc::pthread_sigmask(how, &set, &mut old) };
        (r, old)
    });
    if r != 0 {
        let e = std::io::Error::from_raw_os_error(r);
        return Err(Exn::sys_error_os(Some("Thread.sigmask"), &e));
    }
    crate::domain::pending::recheck_pending_signals();
    run_pending_actions(dom)?;
    Ok(encode_sigset(dom, &old))
}

/// `caml_wait_signal signals`: waits, outside the runtime, for one of `signals`; returns it.
fn wait_signal(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let set = decode_sigset(args[0]);
    let (r, sig) = dom.blocking_section(|| {
        let mut sig: libc::c_int = 0;
        // SAFETY: a valid set and an out parameter.
        let r = unsafe { libc::sigwait(&set, &mut sig) };
        (r, sig)
    });
    if r != 0 {
        let e = std::io::Error::from_raw_os_error(r);
        return Err(Exn::sys_error_os(Some("Thread.wait_signal"), &e));
    }
    Ok(Value::of_int(signal_to_ocaml(sig)))
}
