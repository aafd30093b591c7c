//! Domain, atomic and synchronisation primitives (stock `domain.c`, the atomics of
//! `memory.c`, and `sync.c`).
//!
//! A spawned domain is an OS thread with its own `Domain`, running in parallel with the
//! others (see `domain::lock`). The atomics run without the heap lock: each is one
//! sequentially consistent hardware operation on the field, followed by the write barrier's
//! bookkeeping in the calling domain's own remembered set. `Mutex.t` and `Condition.t` are custom blocks (`_mutex`,
//! `_condition`) owning OS-level state, with the error-checking semantics of the stock
//! runtime's PTHREAD_MUTEX_ERRORCHECK mutexes; waiting on them happens in a blocking section,
//! with the blocks kept alive in the domain's local roots.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::custom::{data_ptr, CustomOps};
use crate::heap::value::{Value, CUSTOM_TAG};
use crate::heap::young_space::is_young;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_ml_domain_id", domain_id),
    ("caml_ml_domain_index", domain_index),
    ("caml_recommended_domain_count", recommended_domain_count),
    ("caml_ml_domain_cpu_relax", cpu_relax),
    ("caml_domain_dls_get", dls_get),
    ("caml_domain_dls_set", dls_set),
    ("caml_domain_dls_compare_and_set", dls_compare_and_set),
    ("caml_domain_spawn", domain_spawn),
    ("caml_atomic_load", atomic_load),
    ("caml_atomic_exchange", atomic_exchange),
    ("caml_atomic_cas", atomic_cas),
    ("caml_atomic_fetch_add", atomic_fetch_add),
    ("caml_ml_mutex_new", mutex_new),
    ("caml_ml_mutex_lock", mutex_lock),
    ("caml_ml_mutex_unlock", mutex_unlock),
    ("caml_ml_mutex_try_lock", mutex_try_lock),
    ("caml_ml_condition_new", condition_new),
    ("caml_ml_condition_wait", condition_wait),
    ("caml_ml_condition_signal", condition_signal),
    ("caml_ml_condition_broadcast", condition_broadcast),
];

fn domain_id(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::of_int(dom.id as isize))
}

fn domain_index(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::of_int(dom.index as isize))
}

/// CPUs this thread may run on (its affinity mask), else the online CPUs.
fn cpu_count() -> isize {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it for the calling thread.
    let affinity = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            libc::CPU_COUNT(&set) as isize
        } else {
            -1
        }
    };
    if affinity > 0 {
        return affinity;
    }
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) as isize }
}

fn recommended_domain_count(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let n = cpu_count().clamp(1, dom.config.max_domains.max(1) as isize);
    Ok(Value::of_int(n))
}

fn cpu_relax(dom: &mut Domain, _: &[Value]) -> PrimResult {
    dom.relax();
    std::hint::spin_loop();
    Ok(Value::UNIT)
}

fn dls_get(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(dom.dls)
}

fn dls_set(dom: &mut Domain, args: &[Value]) -> PrimResult {
    // dom.dls is a root that every collection visits: no barrier needed.
    dom.dls = args[0];
    Ok(Value::UNIT)
}

fn dls_compare_and_set(dom: &mut Domain, args: &[Value]) -> PrimResult {
    if dom.dls == args[0] {
        dom.dls = args[1];
        Ok(Value::TRUE)
    } else {
        Ok(Value::FALSE)
    }
}

/// A domain handed to its new thread.
struct DomainPtr(*mut Domain);
// SAFETY: the domain is used by the new thread only, once it entered the world.
unsafe impl Send for DomainPtr {}

/// `caml_domain_spawn callback term_sync`: runs `callback ()` on a new domain, which stores
/// `Finished (Ok v | Error e)` into `term_sync.state` under `term_sync.mut` and broadcasts
/// `term_sync.cond` when done. Returns the new domain's unique id.
fn domain_spawn(dom: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: primitives run with the heap lock held.
    let heap = unsafe { dom.shared.heap() };
    let Some(index) = heap.slots_used.iter().position(|used| !used) else {
        return Err(Exn::failure("failed to allocate domain"));
    };
    heap.slots_used[index] = true;
    let id = heap.next_id;
    heap.next_id += 1;
    let mut child =
        Box::new(Domain::with_shared(dom.config.clone(), dom.shared.clone(), id, index));
    child.local_roots = vec![args[0], args[1]];
    child.backtrace_active = dom.backtrace_active;
    child.argv = dom.argv.clone();
    child.exe_name = dom.exe_name.clone();
    child.callback = dom.callback;
    // The memory profiler's profile is inherited (`domain::memprof`).
    let profile = dom.young.memprof.config();
    child.young.memprof.set_config(profile);
    child.young.memprof.reset_draws();
    child.young.memprof_arm();
    super::init_child(dom, &mut child);
    child.register();
    let program = crate::interp::current_program();
    let raw = Box::into_raw(child);
    let ptr = DomainPtr(raw);
    let spawned = std::thread::Builder::new()
        .name(format!("domain-{id}"))
        .stack_size(16 << 20)
        .spawn(move || run_domain(ptr, program));
    if spawned.is_err() {
        // The thread never started, so the domain is still ours alone: unregister and free.
        // SAFETY: `raw` came from Box::into_raw above and nothing else uses it.
        unsafe {
            (*raw).unregister();
            drop(Box::from_raw(raw));
        }
        return Err(Exn::failure("failed to allocate domain"));
    }
    Ok(Value::of_int(id as isize))
}

/// The body of a domain's thread.
fn run_domain(ptr: DomainPtr, program: std::sync::Arc<crate::interp::Program>) {
    let p = ptr.0;
    // SAFETY: the domain was leaked for this thread, which is its only user from now on.
    let dom = unsafe { &mut *p };
    dom.shared.enter();
    crate::events::set_ring(dom.index);
    crate::events::lifecycle(crate::events::Lifecycle::DomainSpawn, i64::from(std::process::id()));
    crate::interp::install(dom, program);
    super::threads::domain_started(dom);
    let f = dom.local_roots[0];
    let res = dom.call(f, &[Value::UNIT]);
    let outcome = match res {
        Ok(v) => Ok(v),
        Err(e) => match dom.exn_value(&e) {
            Some(exn) => Err(exn),
            None => {
                let code = super::sys::finish(dom, Err(e));
                std::process::exit(code);
            }
        },
    };
    let result = match outcome {
        Ok(v) => dom.alloc_tuple(0, &[v]),
        Err(e) => dom.alloc_tuple(1, &[e]),
    };
    let finished = dom.alloc_tuple(0, &[result]);
    let term_sync = dom.local_roots[1];
    // Before the joiners wake (the stock runtime records it before they can go on).
    crate::events::lifecycle(
        crate::events::Lifecycle::DomainTerminate,
        i64::from(std::process::id()),
    );
    if let Err(e) = publish_result(dom, term_sync, finished) {
        let code = super::sys::finish(dom, Err(e));
        std::process::exit(code);
    }
    dom.local_roots.clear();
    super::threads::domain_stopping(dom);
    dom.exit_world();
    // SAFETY: unregistered and outside the world: no one refers to the domain now.
    drop(unsafe { Box::from_raw(p) });
}

/// Stores `finished` into `term_sync.state` with `term_sync.mut` held, and wakes the joiners.
fn publish_result(dom: &mut Domain, term_sync: Value, finished: Value) -> Result<(), Exn> {
    // SAFETY: term_sync is the record { state; mut; cond } built by Domain.spawn.
    let (m, c) = unsafe { (term_sync.field(1), term_sync.field(2)) };
    dom.local_roots.extend([term_sync, finished]);
    lock_mutex(dom, m, "Mutex.lock")?;
    let n = dom.local_roots.len();
    let (term_sync, finished) = (dom.local_roots[n - 2], dom.local_roots[n - 1]);
    dom.modify(term_sync, 0, finished);
    let cond: &OcamlCondition = sync_state(c, &CONDITION_OPS, "Condition.broadcast")?;
    cond.wake(true);
    let mutex: &OcamlMutex = sync_state(m, &MUTEX_OPS, "Mutex.unlock")?;
    mutex.unlock().map_err(|code| sync_error("Mutex.unlock", code))?;
    dom.local_roots.truncate(n - 2);
    Ok(())
}

/// Locks the OCaml mutex `m`, waiting in a blocking section when another domain holds it.
fn lock_mutex(dom: &mut Domain, m: Value, what: &str) -> Result<(), Exn> {
    let mutex: &OcamlMutex = sync_state(m, &MUTEX_OPS, what)?;
    if mutex.try_lock() {
        return Ok(());
    }
    if mutex.is_owned_by_me() {
        return Err(sync_error(what, EDEADLK));
    }
    // The block must outlive the wait: root it (custom blocks with a finaliser never move).
    dom.local_roots.push(m);
    let r = dom.blocking_section(|| mutex.lock());
    dom.local_roots.pop();
    r.map_err(|code| sync_error(what, code))
}

/// Checks that an atomic reference is a block with a field 0.
fn atomic_ref(r: Value) -> Result<Value, Exn> {
    // SAFETY: the size is read only from a block.
    if r.is_block() && unsafe { r.wosize() } >= 1 && unsafe { r.tag() } < CUSTOM_TAG {
        Ok(r)
    } else {
        Err(Exn::invalid_arg("Atomic: not an atomic reference"))
    }
}

/// Field 0 of an atomic reference, as an atomic word.
fn atomic_cell<'a>(r: Value) -> &'a AtomicUsize {
    // SAFETY: `r` is a block with a field 0 (`atomic_ref`), aligned; the block lives while the
    // primitive runs (the argument is a root), and every concurrent access to an atomic
    // reference's field goes through these primitives or plain aligned word accesses.
    unsafe { &*(r.field_ptr(0) as *const AtomicUsize) }
}

fn atomic_load(_: &mut Domain, args: &[Value]) -> PrimResult {
    let r = atomic_ref(args[0])?;
    // SeqCst: OCaml atomics are sequentially consistent.
    Ok(Value(atomic_cell(r).load(Ordering::SeqCst)))
}

/// The write barrier's bookkeeping for a store of `v` into field 0 of `r` that replaced
/// `old` (the store itself was atomic).
fn barrier_after_swap(dom: &mut Domain, r: Value, old: Value, v: Value) {
    if !is_young(r) && is_young(v) && !is_young(old) {
        dom.young.remember_slot(r.field_ptr(0));
    }
}

/// `racy-publish` (fault injection only): the exchange as a plain read and write.
fn racy_swap(r: Value, v: Value) -> Value {
    // SAFETY: `r` has a field 0 (`atomic_ref`). Deliberately unordered: this is the fault.
    unsafe {
        let old = r.field(0);
        r.set_field_raw(0, v);
        old
    }
}

fn atomic_exchange(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let r = atomic_ref(args[0])?;
    if crate::check::fault::racy_publish(args[1]) {
        let old = racy_swap(r, args[1]);
        barrier_after_swap(dom, r, old, args[1]);
        return Ok(old);
    }
    // SeqCst: OCaml atomics are sequentially consistent.
    let old = Value(atomic_cell(r).swap(args[1].0, Ordering::SeqCst));
    barrier_after_swap(dom, r, old, args[1]);
    Ok(old)
}

fn atomic_cas(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let r = atomic_ref(args[0])?;
    // SeqCst: as above (both on success and failure).
    match atomic_cell(r).compare_exchange(args[1].0, args[2].0, Ordering::SeqCst, Ordering::SeqCst)
    {
        Ok(old) => {
            barrier_after_swap(dom, r, Value(old), args[2]);
            Ok(Value::of_int(1))
        }
        Err(_) => Ok(Value::of_int(0)),
    }
}

fn atomic_fetch_add(_: &mut Domain, args: &[Value]) -> PrimResult {
    let r = atomic_ref(args[0])?;
    // An OCaml int n is the word 2n+1: adding 2k to it adds k (wrapping as OCaml ints do).
    let delta = (args[1].int() as usize).wrapping_mul(2);
    // SeqCst: OCaml atomics are sequentially consistent.
    let old = atomic_cell(r).fetch_add(delta, Ordering::SeqCst);
    Ok(Value(old))
}

// ---------------------------------------------------------------------------------------
// Mutex and Condition

/// An error-checking mutex: which thread holds it, and a condition to wait for release.
///
/// Invariant: `state.waiting` counts the threads inside `lock`'s wait, changed only with
/// `state` held, so `unlock` wakes only when one is there: the std condition variable's
/// `notify_one` makes a `futex` system call even with no waiter, at every unlock.
#[derive(Default)]
struct OcamlMutex {
    state: Mutex<MutexState>,
    released: Condvar,
}

#[derive(Default)]
struct MutexState {
    owner: Option<ThreadId>,
    waiting: u32,
}

/// A condition variable: a wake-up counter guarded by its own lock, so that a signal sent
/// between releasing the OCaml mutex and sleeping is never lost.
///
/// Invariant: `state.waiting` counts the threads inside `wait`, changed only with `state`
/// held; `signal` and `broadcast` wake only when it is not 0 (as for [`OcamlMutex`]).
#[derive(Default)]
struct OcamlCondition {
    state: Mutex<ConditionState>,
    cond: Condvar,
}

#[derive(Default)]
struct ConditionState {
    wakeups: u64,
    waiting: u32,
}

impl OcamlCondition {
    /// Counts a wake-up and wakes one waiter (`all`: every waiter), if any.
    fn wake(&self, all: bool) {
        let mut state = guard(&self.state);
        state.wakeups += 1;
        let waiting = state.waiting != 0;
        drop(state);
        // A thread counted in `waiting` read the condition's futex word before it let go
        // of `state` (the std condition variable's wait), so this wake-up reaches it.
        match (waiting, all) {
            (false, _) => {}
            (true, false) => self.cond.notify_one(),
            (true, true) => self.cond.notify_all(),
        }
    }

    /// Waits for one wake-up after releasing `m` (or returns at once if one came since
    /// `state` was taken), then takes `m` again: one wait, as `pthread_cond_wait` (a
    /// spurious wake-up returns too; the caller's loop re-checks its condition).
    fn wait(&self, m: &OcamlMutex) -> Result<(), i32> {
        let mut state = guard(&self.state);
        let seen = state.wakeups;
        m.unlock()?;
        if state.wakeups == seen {
            state.waiting += 1;
            state = self.cond.wait(state).unwrap_or_else(|e| e.into_inner());
            state.waiting -= 1;
        }
        drop(state);
        m.lock()
    }
}

/// Locks a std mutex, ignoring poisoning (no panic can happen while one is held).
fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

const EPERM: i32 = libc::EPERM;
const EDEADLK: i32 = libc::EDEADLK;

/// `Sys_error "<what>: <strerror code>"`, as `sync_check_error` builds it.
fn sync_error(what: &str, code: i32) -> Exn {
    Exn::sys_error_os(Some(what), &std::io::Error::from_raw_os_error(code))
}

impl OcamlMutex {
    fn lock(&self) -> Result<(), i32> {
        let me = std::thread::current().id();
        let mut state = guard(&self.state);
        if state.owner == Some(me) {
            return Err(EDEADLK);
        }
        while state.owner.is_some() {
            state.waiting += 1;
            state = self.released.wait(state).unwrap_or_else(|e| e.into_inner());
            state.waiting -= 1;
        }
        state.owner = Some(me);
        Ok(())
    }
    /// Ok(true) if acquired, Ok(false) if held (by anyone, the caller included).
    fn try_lock(&self) -> bool {
        let mut state = guard(&self.state);
        if state.owner.is_some() {
            return false;
        }
        state.owner = Some(std::thread::current().id());
        true
    }
    fn is_owned_by_me(&self) -> bool {
        guard(&self.state).owner == Some(std::thread::current().id())
    }
    fn unlock(&self) -> Result<(), i32> {
        let mut state = guard(&self.state);
        if state.owner != Some(std::thread::current().id()) {
            return Err(EPERM);
        }
        state.owner = None;
        let waiting = state.waiting != 0;
        drop(state);
        // A waiter counted in `waiting` read the futex word before it let go of `state`.
        if waiting {
            self.released.notify_one();
        }
        Ok(())
    }
}

fn finalize_mutex(v: Value) {
    // SAFETY: the data word holds the Box made by `mutex_new`; the block is dead, so this
    // is the only release.
    unsafe { drop(Box::from_raw(*(data_ptr(v) as *const *mut OcamlMutex))) };
}

fn finalize_condition(v: Value) {
    // SAFETY: as for `finalize_mutex`, with the Box made by `condition_new`.
    unsafe { drop(Box::from_raw(*(data_ptr(v) as *const *mut OcamlCondition))) };
}

/// The address of the state a sync custom block owns (its identity).
fn state_addr(v: Value) -> usize {
    // SAFETY: a sync custom block's data word holds a pointer.
    unsafe { *(data_ptr(v) as *const usize) }
}

fn compare_by_address(a: Value, b: Value) -> i32 {
    state_addr(a).cmp(&state_addr(b)) as i32
}

fn hash_by_address(v: Value) -> isize {
    state_addr(v) as isize
}

static MUTEX_OPS: CustomOps = CustomOps {
    id: "_mutex",
    finalize: Some(finalize_mutex),
    compare: Some(compare_by_address),
    hash: Some(hash_by_address),
    serialize: None,
    deserialize: None,
    fixed_length: None,
};

static CONDITION_OPS: CustomOps = CustomOps {
    id: "_condition",
    finalize: Some(finalize_condition),
    compare: Some(compare_by_address),
    hash: Some(hash_by_address),
    serialize: None,
    deserialize: None,
    fixed_length: None,
};

/// The state behind a sync custom block, if `v` is one of kind `ops`.
fn sync_state<'a, T>(v: Value, ops: &'static CustomOps, what: &str) -> Result<&'a T, Exn> {
    // SAFETY: tag and ops are read only from a block.
    let ok = v.is_block()
        && unsafe { v.tag() } == CUSTOM_TAG
        && std::ptr::eq(unsafe { crate::heap::custom::ops_of(v) }, ops);
    if !ok {
        return Err(Exn::invalid_arg(format!("{what}: not a {}", &ops.id[1..])));
    }
    // SAFETY: blocks of this kind hold a live Box<T> until finalised, and v is alive.
    Ok(unsafe { &*(state_addr(v) as *const T) })
}

fn alloc_sync<T>(dom: &mut Domain, ops: &'static CustomOps, state: T) -> Value {
    let v = dom.alloc_custom(ops, std::mem::size_of::<usize>());
    let p = Box::into_raw(Box::new(state));
    // SAFETY: v has one data word.
    unsafe { *(data_ptr(v) as *mut *mut T) = p };
    v
}

fn mutex_new(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(alloc_sync(dom, &MUTEX_OPS, OcamlMutex::default()))
}

fn mutex_lock(dom: &mut Domain, args: &[Value]) -> PrimResult {
    lock_mutex(dom, args[0], "Mutex.lock")?;
    Ok(Value::UNIT)
}

fn mutex_unlock(_: &mut Domain, args: &[Value]) -> PrimResult {
    let m: &OcamlMutex = sync_state(args[0], &MUTEX_OPS, "Mutex.unlock")?;
    m.unlock().map_err(|code| sync_error("Mutex.unlock", code))?;
    Ok(Value::UNIT)
}

fn mutex_try_lock(_: &mut Domain, args: &[Value]) -> PrimResult {
    let m: &OcamlMutex = sync_state(args[0], &MUTEX_OPS, "Mutex.try_lock")?;
    Ok(Value::of_bool(m.try_lock()))
}

fn condition_new(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(alloc_sync(dom, &CONDITION_OPS, OcamlCondition::default()))
}

fn condition_wait(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let c: &OcamlCondition = sync_state(args[0], &CONDITION_OPS, "Condition.wait")?;
    let m: &OcamlMutex = sync_state(args[1], &MUTEX_OPS, "Condition.wait")?;
    if !m.is_owned_by_me() {
        return Err(sync_error("Condition.wait", EPERM));
    }
    // Both blocks must outlive the wait: root them (they never move, having finalisers).
    dom.local_roots.extend([args[0], args[1]]);
    let r = dom.blocking_section(|| c.wait(m));
    let n = dom.local_roots.len();
    dom.local_roots.truncate(n - 2);
    r.map_err(|code| sync_error("Condition.wait", code))?;
    Ok(Value::UNIT)
}

fn condition_signal(_: &mut Domain, args: &[Value]) -> PrimResult {
    let c: &OcamlCondition = sync_state(args[0], &CONDITION_OPS, "Condition.signal")?;
    c.wake(false);
    Ok(Value::UNIT)
}

fn condition_broadcast(_: &mut Domain, args: &[Value]) -> PrimResult {
    let c: &OcamlCondition = sync_state(args[0], &CONDITION_OPS, "Condition.broadcast")?;
    c.wake(true);
    Ok(Value::UNIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_checking_mutex() {
        let m = OcamlMutex::default();
        assert_eq!(m.unlock(), Err(EPERM));
        assert_eq!(m.lock(), Ok(()));
        assert_eq!(m.lock(), Err(EDEADLK));
        assert!(!m.try_lock());
        assert_eq!(m.unlock(), Ok(()));
        assert!(m.try_lock());
        assert_eq!(m.unlock(), Ok(()));
    }

    #[test]
    fn contended_mutex_hands_over_every_time() {
        use std::sync::Arc;
        // Four threads take turns; each holds the mutex across a yield so that the others
        // wait in `lock` (a wake-up lost by the waiter count would hang here).
        let shared = Arc::new((OcamlMutex::default(), Mutex::new(0u32)));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let s = shared.clone();
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        s.0.lock().unwrap();
                        let n = *guard(&s.1);
                        std::thread::yield_now();
                        *guard(&s.1) = n + 1;
                        s.0.unlock().unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*guard(&shared.1), 2000);
        assert_eq!(guard(&shared.0.state).waiting, 0);
    }

    #[test]
    fn condition_ping_pong_loses_no_signal() {
        use std::sync::Arc;
        // Two threads alternate on a turn flag, each signalling the other: every hand-over
        // needs the signal to reach a thread counted as waiting.
        let s = Arc::new((OcamlMutex::default(), OcamlCondition::default(), Mutex::new(0u32)));
        let s2 = s.clone();
        let player = move |s: Arc<(OcamlMutex, OcamlCondition, Mutex<u32>)>, me: u32| {
            for _ in 0..300 {
                s.0.lock().unwrap();
                while *guard(&s.2) % 2 != me {
                    s.1.wait(&s.0).unwrap();
                }
                *guard(&s.2) += 1;
                s.1.wake(false);
                s.0.unlock().unwrap();
            }
        };
        let t = std::thread::spawn(move || player(s2, 1));
        player(s.clone(), 0);
        t.join().unwrap();
        assert_eq!(*guard(&s.2), 600);
        assert_eq!(guard(&s.1.state).waiting, 0);
    }

    #[test]
    fn condition_wakes_a_waiter_on_another_thread() {
        use std::sync::Arc;
        let pair = Arc::new((OcamlMutex::default(), OcamlCondition::default(), Mutex::new(false)));
        let p2 = pair.clone();
        let t = std::thread::spawn(move || {
            let (m, c, flag) = &*p2;
            m.lock().unwrap();
            *guard(flag) = true;
            c.wake(true);
            m.unlock().unwrap();
        });
        let (m, c, flag) = &*pair;
        m.lock().unwrap();
        // No timeout: a lost wake-up hangs the test.
        while !*guard(flag) {
            c.wait(m).unwrap();
        }
        m.unlock().unwrap();
        t.join().unwrap();
    }
}
