//! `unix` primitives on processes, signals, time, users and the environment: fork, exec,
//! wait, spawn, kill, signal masks, alarms and interval timers, sleep, time and dates,
//! user and group databases and ids, `nice`, `setsid`, `putenv`, `environment`.
//!
//! Signal numbers cross the boundary in OCaml's coding (`Sys.sigint` is -6 ...), mapped as
//! `Sys.signal` maps them. Primitives that may let a signal in (`kill`, `sigprocmask`) run
//! the pending OCaml handlers before returning, as the stock library does.

use super::{c_path, last_errno, list_items, string_bytes, take, uerror, unix_error};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use crate::prims::PrimFn;
use std::ffi::{CStr, CString};
use std::ptr;

unsafe extern "C" {
    /// The process environment (declared here: the `libc` crate has it for glibc only).
    static environ: *const *const libc::c_char;
}

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_unix_fork", fork),
    ("caml_unix_execv", execv),
    ("caml_unix_execve", execve),
    ("caml_unix_execvp", execvp),
    ("caml_unix_execvpe", execvpe),
    ("caml_unix_spawn", spawn),
    ("caml_unix_wait", wait),
    ("caml_unix_waitpid", waitpid),
    ("caml_unix_exit", exit),
    ("caml_unix_getpid", getpid),
    ("caml_unix_getppid", getppid),
    ("caml_unix_kill", kill),
    ("caml_unix_sigprocmask", sigprocmask),
    ("caml_unix_sigpending", sigpending),
    ("caml_unix_sigsuspend", sigsuspend),
    ("caml_unix_alarm", alarm),
    ("caml_unix_sleep", sleep),
    ("caml_unix_getitimer", getitimer),
    ("caml_unix_setitimer", setitimer),
    ("caml_unix_time", time),
    // The `_unboxed` variants take and return raw doubles in native code only; bytecode
    // never calls them, and a caller through this table gets the boxed result.
    ("caml_unix_time_unboxed", time),
    ("caml_unix_gettimeofday", gettimeofday),
    ("caml_unix_gettimeofday_unboxed", gettimeofday),
    ("caml_unix_times", times),
    ("caml_unix_gmtime", gmtime),
    ("caml_unix_localtime", localtime),
    ("caml_unix_mktime", mktime),
    ("caml_unix_nice", nice),
    ("caml_unix_setsid", setsid),
    ("caml_unix_getuid", getuid),
    ("caml_unix_geteuid", geteuid),
    ("caml_unix_getgid", getgid),
    ("caml_unix_getegid", getegid),
    ("caml_unix_setuid", setuid),
    ("caml_unix_setgid", setgid),
    ("caml_unix_getgroups", getgroups),
    ("caml_unix_setgroups", setgroups),
    ("caml_unix_initgroups", initgroups),
    ("caml_unix_getlogin", getlogin),
    ("caml_unix_getpwnam", getpwnam),
    ("caml_unix_getpwuid", getpwuid),
    ("caml_unix_getgrnam", getgrnam),
    ("caml_unix_getgrgid", getgrgid),
    ("caml_unix_environment", environment),
    ("caml_unix_environment_unsafe", environment_unsafe),
    ("caml_unix_putenv", putenv),
];

// ---------------------------------------------------------------------------------------
// Helpers

/// Signals are numbered 1..NSIG-1 (Linux).
const NSIG: i32 = 65;

/// OCaml signal number to system signal number (others pass through), as `Sys.signal`.
fn signal_to_system(n: isize) -> i32 {
    crate::algo::signal_numbers::convert_signal_number(n) as i32
}

/// System signal number to OCaml signal number.
pub(crate) fn signal_to_ocaml(sig: i32) -> isize {
    crate::algo::signal_numbers::rev_convert_signal_number(sig)
}

/// The fields of a (non-float) OCaml array.
fn array_items(a: Value) -> Vec<Value> {
    // SAFETY: an array block has `wosize` fields; the atom has none.
    unsafe { (0..a.wosize()).map(|i| a.field(i)).collect() }
}

/// A signal set from a list of OCaml signal numbers (unknown numbers are left out, as
/// `sigaddset` refuses them).
pub(crate) fn decode_sigset(l: Value) -> libc::sigset_t {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t; sigaddset checks the signal number.
    unsafe {
        libc::sigemptyset(&mut set);
        for v in list_items(l) {
            libc::sigaddset(&mut set, signal_to_system(v.int()));
        }
    }
    set
}

/// The OCaml list of the signals in `set`, the highest system number first (as the stock
/// library builds it).
pub(crate) fn encode_sigset(dom: &mut Domain, set: &libc::sigset_t) -> Value {
    let mut res = Value::EMPTY_LIST;
    for sig in 1..NSIG {
        // SAFETY: `set` is a valid sigset_t.
        if unsafe { libc::sigismember(set, sig) } > 0 {
            res = dom.alloc_tuple(0, &[Value::of_int(signal_to_ocaml(sig)), res]);
        }
    }
    res
}

/// A string array argument as C strings, as `caml_unix_cstringvect`: an element with a NUL
/// byte fails with `Unix_error (EINVAL, cmd, element)`.
fn cstring_vec(dom: &mut Domain, a: Value, cmd: &str) -> Result<Vec<CString>, Exn> {
    let items = array_items(a);
    let mut out = Vec::with_capacity(items.len());
    for v in items {
        match CString::new(string_bytes(v)?) {
            Ok(c) => out.push(c),
            Err(_) => return Err(unix_error(dom, libc::EINVAL, cmd, Some(v))),
        }
    }
    Ok(out)
}

/// The NULL-terminated pointer vector of `strs` (valid while `strs` lives).
fn ptr_vec(strs: &[CString]) -> Vec<*const libc::c_char> {
    strs.iter().map(|s| s.as_ptr()).chain(std::iter::once(ptr::null())).collect()
}

/// Sets the calling thread's `errno`.
fn set_errno(code: i32) {
    // SAFETY: __errno_location returns the calling thread's errno slot.
    unsafe { *libc::__errno_location() = code };
}

/// An OCaml string from a C string (`""` for NULL).
fn c_str_value(dom: &mut Domain, p: *const libc::c_char) -> Value {
    if p.is_null() {
        return dom.alloc_bytes_from(b"");
    }
    // SAFETY: `p` points to a NUL-terminated string, copied at once.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes().to_vec();
    dom.alloc_bytes_from(&bytes)
}

/// An OCaml string array from a NULL-terminated vector of C strings (Atom(0) when empty or
/// NULL).
fn c_str_array(dom: &mut Domain, mut p: *const *const libc::c_char) -> Value {
    let mut strs = Vec::new();
    if !p.is_null() {
        // SAFETY: `p` is a NULL-terminated vector of C strings (environ, gr_mem).
        unsafe {
            while !(*p).is_null() {
                strs.push(c_str_value(dom, *p));
                p = p.add(1);
            }
        }
    }
    // Allocation never collects, so the fresh strings stay valid until the array holds them.
    dom.alloc_tuple(0, &strs)
}

// ---------------------------------------------------------------------------------------
// Processes

/// `Unix.fork`. As the stock 5.x library, refused once another domain was ever spawned
/// (the stock runtime's backup thread keeps it multicore from then on). warden runs no
/// thread of its own besides the domains, so the child, with this thread alone, keeps a
/// usable runtime: the heap lock it holds is held by this same thread there.
fn fork(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: primitives run holding the heap lock; only a counter is read.
    let spawned = unsafe { dom.shared.heap() }.next_id > 1;
    if spawned {
        return Err(Exn::failure("Unix.fork may not be called after any domain has been spawned"));
    }
    // SAFETY: no other thread runs OCaml code or holds a runtime lock (see above).
    let pid = unsafe { libc::fork() };
    if pid == -1 {
        return Err(uerror(dom, "fork", None));
    }
    if pid == 0 {
        // Only the forking thread lives on in the child.
        dom.threads_after_fork();
        // SAFETY: the child's only thread, before it starts another, holding no channel.
        unsafe { crate::prims::io::registry::reset_locks_after_fork() };
        crate::events::after_fork_in_child();
        crate::events::lifecycle(crate::events::Lifecycle::ForkChild, 0);
    } else {
        crate::events::lifecycle(crate::events::Lifecycle::ForkParent, i64::from(pid));
    }
    Ok(Value::of_int(pid as isize))
}

/// How an `exec*` primitive finds and starts the program.
#[derive(Clone, Copy)]
enum Exec {
    /// `execv`: the path as given, the current environment.
    Plain,
    /// `execve`: the path as given, an environment.
    Env,
    /// `execvp`: searched in `PATH`, the current environment.
    Path,
    /// `execvpe`: searched in `PATH`, an environment.
    PathEnv,
}

/// The `exec*` family: returns only on failure, with `Unix_error (errno, cmd, path)`.
fn exec(dom: &mut Domain, args: &[Value], how: Exec, cmd: &str) -> PrimResult {
    let [path, argv] = take(args)?;
    let cpath = c_path(dom, path, cmd)?;
    let argv = cstring_vec(dom, argv, cmd)?;
    let env = match how {
        Exec::Env | Exec::PathEnv => {
            let [_, _, env] = take(args)?;
            Some(cstring_vec(dom, env, cmd)?)
        }
        Exec::Plain | Exec::Path => None,
    };
    let argp = ptr_vec(&argv);
    let envp = env.as_deref().map(ptr_vec);
    let envp_ptr = envp.as_ref().map_or(ptr::null(), |e| e.as_ptr());
    // SAFETY: the path and vectors are NUL-terminated C strings / NULL-terminated vectors
    // that outlive the call; the exec functions return only on failure.
    unsafe {
        match how {
            Exec::Plain => libc::execv(cpath.as_ptr(), argp.as_ptr()),
            Exec::Env => libc::execve(cpath.as_ptr(), argp.as_ptr(), envp_ptr),
            Exec::Path => libc::execvp(cpath.as_ptr(), argp.as_ptr()),
            Exec::PathEnv => libc::execvpe(cpath.as_ptr(), argp.as_ptr(), envp_ptr),
        };
    }
    Err(uerror(dom, cmd, Some(path)))
}

fn execv(dom: &mut Domain, args: &[Value]) -> PrimResult {
    exec(dom, args, Exec::Plain, "execv")
}

fn execve(dom: &mut Domain, args: &[Value]) -> PrimResult {
    exec(dom, args, Exec::Env, "execve")
}

fn execvp(dom: &mut Domain, args: &[Value]) -> PrimResult {
    exec(dom, args, Exec::Path, "execvp")
}

fn execvpe(dom: &mut Domain, args: &[Value]) -> PrimResult {
    exec(dom, args, Exec::PathEnv, "execvpe")
}

/// `spawn executable args optenv usepath redirect` (`Unix.create_process*`): `posix_spawn`
/// (or `posix_spawnp` when `usepath`), with `redirect.(i)` becoming descriptor `i` for
/// stdin, stdout, stderr, each source closed after its last use. Errors are
/// `Unix_error (_, "create_process", executable)`.
fn spawn(dom: &mut Domain, args: &[Value]) -> PrimResult {
    const CMD: &str = "create_process";
    let [exe, argv, optenv, usepath, redirect] = take(args)?;
    let cpath = c_path(dom, exe, CMD)?;
    let argv = cstring_vec(dom, argv, CMD)?;
    let env = if optenv.is_block() {
        // SAFETY: `Some env` has one field.
        Some(cstring_vec(dom, unsafe { optenv.field(0) }, CMD)?)
    } else {
        None
    };
    let redirect: Vec<i32> = array_items(redirect).iter().map(|v| v.int() as i32).collect();
    let argp = ptr_vec(&argv);
    let envp = env.as_deref().map(ptr_vec);
    // SAFETY: `environ` is read once, as the stock library passes it.
    let envp_ptr = envp.as_ref().map_or(unsafe { environ }, |e| e.as_ptr());
    let mut pid: libc::pid_t = 0;
    // SAFETY: the file actions object is initialised before use and destroyed after; the
    // strings and vectors outlive the spawn call.
    let r = unsafe {
        let mut act: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        libc::posix_spawn_file_actions_init(&mut act);
        let mut r = 0;
        'actions: for dst in 0..3usize {
            let src = redirect.get(dst).copied().unwrap_or(dst as i32);
            if src == dst as i32 {
                continue;
            }
            r = libc::posix_spawn_file_actions_adddup2(&mut act, src, dst as i32);
            if r != 0 {
                break 'actions;
            }
            if !redirect.iter().skip(dst + 1).any(|&s| s == src) {
                r = libc::posix_spawn_file_actions_addclose(&mut act, src);
                if r != 0 {
                    break 'actions;
                }
            }
        }
        if r == 0 {
            let argp = argp.as_ptr() as *const *mut libc::c_char;
            let envp = envp_ptr as *const *mut libc::c_char;
            r = if usepath != Value::FALSE {
                libc::posix_spawnp(&mut pid, cpath.as_ptr(), &act, ptr::null(), argp, envp)
            } else {
                libc::posix_spawn(&mut pid, cpath.as_ptr(), &act, ptr::null(), argp, envp)
            };
        }
        libc::posix_spawn_file_actions_destroy(&mut act);
        r
    };
    if r != 0 {
        return Err(unix_error(dom, r, CMD, Some(exe)));
    }
    Ok(Value::of_int(pid as isize))
}

/// The `(pid, process_status)` pair of a wait: `WEXITED code` (tag 0), `WSIGNALED sig`
/// (tag 1), `WSTOPPED sig` (tag 2), signals in OCaml's numbering. A zero pid (`WNOHANG`,
/// nothing ended) reads as `WEXITED 0`.
fn process_status(dom: &mut Domain, pid: libc::pid_t, status: i32) -> Value {
    let status = if pid == 0 { 0 } else { status };
    let st = if libc::WIFEXITED(status) {
        dom.alloc_tuple(0, &[Value::of_int(libc::WEXITSTATUS(status) as isize)])
    } else if libc::WIFSTOPPED(status) {
        dom.alloc_tuple(2, &[Value::of_int(signal_to_ocaml(libc::WSTOPSIG(status)))])
    } else {
        dom.alloc_tuple(1, &[Value::of_int(signal_to_ocaml(libc::WTERMSIG(status)))])
    };
    dom.alloc_tuple(0, &[Value::of_int(pid as isize), st])
}

fn wait(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let (pid, status, err) = dom.blocking_section(|| {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer.
        let pid = unsafe { libc::wait(&mut status) };
        (pid, status, last_errno())
    });
    if pid == -1 {
        return Err(unix_error(dom, err, "wait", None));
    }
    Ok(process_status(dom, pid, status))
}

/// `waitpid flags pid`; the flags are `WNOHANG | WUNTRACED`, in that order.
fn waitpid(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [flags, pid] = take(args)?;
    const FLAGS: [i32; 2] = [libc::WNOHANG, libc::WUNTRACED];
    let opts = list_items(flags).iter().fold(0, |acc, f| acc | FLAGS[f.int() as usize & 1]);
    let req = pid.int() as libc::pid_t;
    let (pid, status, err) = dom.blocking_section(|| {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer.
        let pid = unsafe { libc::waitpid(req, &mut status, opts) };
        (pid, status, last_errno())
    });
    if pid == -1 {
        return Err(unix_error(dom, err, "waitpid", None));
    }
    Ok(process_status(dom, pid, status))
}

/// `Unix._exit`: ends the process at once, flushing nothing and running no `at_exit`.
fn exit(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [code] = take(args)?;
    // SAFETY: _exit never returns and touches no Rust state.
    unsafe { libc::_exit(code.int() as i32) }
}

fn getpid(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: getpid cannot fail.
    Ok(Value::of_int(unsafe { libc::getpid() } as isize))
}

fn getppid(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: getppid cannot fail.
    Ok(Value::of_int(unsafe { libc::getppid() } as isize))
}

fn nice(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [incr] = take(args)?;
    set_errno(0);
    // SAFETY: nice only changes this process's priority.
    let r = unsafe { libc::nice(incr.int() as i32) };
    if r == -1 && last_errno() != 0 {
        return Err(uerror(dom, "nice", None));
    }
    Ok(Value::of_int(r as isize))
}

fn setsid(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: setsid takes no pointer.
    let pid = unsafe { libc::setsid() };
    if pid == -1 {
        return Err(uerror(dom, "setsid", None));
    }
    Ok(Value::of_int(pid as isize))
}

// ---------------------------------------------------------------------------------------
// Signals

/// `kill pid sig`; the handler of a signal sent to this process runs before it returns.
fn kill(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [pid, sig] = take(args)?;
    let sig = signal_to_system(sig.int());
    // SAFETY: kill takes no pointer.
    if unsafe { libc::kill(pid.int() as libc::pid_t, sig) } == -1 {
        return Err(uerror(dom, "kill", None));
    }
    crate::domain::pending::run_pending_actions(dom)?;
    Ok(Value::UNIT)
}

/// `sigprocmask cmd signals` (`SIG_SETMASK | SIG_BLOCK | SIG_UNBLOCK`): the previous mask.
/// The handlers of the signals it unblocks (delivered at once) run before it returns.
fn sigprocmask(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [cmd, signals] = take(args)?;
    const HOW: [i32; 3] = [libc::SIG_SETMASK, libc::SIG_BLOCK, libc::SIG_UNBLOCK];
    let how = HOW[(cmd.int() as usize).min(2)];
    let set = decode_sigset(signals);
    let (r, old) = dom.blocking_section(|| {
        // SAFETY: sigset_t is plain data, written by pthread_sigmask.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: both sets are valid sigset_t values.
        let r = unsafe { libc::pthread_sigmask(how, &set, &mut old) };
        (r, old)
    });
    // Handlers of signals that were blocked and are not any more run now.
    crate::domain::pending::recheck_pending_signals();
    crate::domain::pending::run_pending_actions(dom)?;
    if r != 0 {
        return Err(unix_error(dom, r, "sigprocmask", None));
    }
    Ok(encode_sigset(dom, &old))
}

fn sigpending(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: sigset_t is plain data, written by sigpending.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid out-pointer.
    if unsafe { libc::sigpending(&mut set) } == -1 {
        return Err(uerror(dom, "sigpending", None));
    }
    // Also the signals the runtime recorded and has not handled yet, as stock reports them.
    for sig in crate::domain::pending::recorded_signals() {
        // SAFETY: `set` is a valid set and `sig` a signal number below NSIG.
        unsafe { libc::sigaddset(&mut set, sig) };
    }
    Ok(encode_sigset(dom, &set))
}

/// `sigsuspend signals`: waits for a signal with `signals` as the mask; its OCaml handler
/// runs at the next poll.
fn sigsuspend(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [signals] = take(args)?;
    let set = decode_sigset(signals);
    let (r, err) = dom.blocking_section(|| {
        // SAFETY: `set` is a valid sigset_t.
        let r = unsafe { libc::sigsuspend(&set) };
        (r, last_errno())
    });
    if r == -1 && err != libc::EINTR {
        return Err(unix_error(dom, err, "sigsuspend", None));
    }
    Ok(Value::UNIT)
}

fn alarm(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [secs] = take(args)?;
    // SAFETY: alarm takes no pointer.
    Ok(Value::of_int(unsafe { libc::alarm(secs.int() as libc::c_uint) } as isize))
}

/// `sleepf d`: sleeps `d` seconds (nothing when negative), resuming after each signal;
/// the handlers of the signals that arrived run at the next poll, after the whole sleep.
fn sleep(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [d] = take(args)?;
    // SAFETY: a float argument is a boxed double.
    let d = unsafe { d.double() };
    if d < 0.0 {
        return Ok(Value::UNIT);
    }
    let secs = d as crate::prims::unix::TimeT;
    let mut req =
        libc::timespec { tv_sec: secs, tv_nsec: ((d - secs as f64) * 1e9) as libc::c_long };
    loop {
        let (r, err, rem) = dom.blocking_section(|| {
            let mut rem = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: both timespecs are valid.
            let r = unsafe { libc::nanosleep(&req, &mut rem) };
            (r, last_errno(), rem)
        });
        if r == 0 {
            return Ok(Value::UNIT);
        }
        if err != libc::EINTR {
            return Err(unix_error(dom, err, "sleep", None));
        }
        // A signal handled in OCaml runs now, not at the end of the whole sleep (MPR#7903).
        crate::domain::pending::run_pending_signals(dom)?;
        req = rem;
    }
}

/// The `itimer` values, in `interval_timer` order.
const ITIMERS: [i32; 3] = [libc::ITIMER_REAL, libc::ITIMER_VIRTUAL, libc::ITIMER_PROF];

/// A timeval from seconds, rounding the microseconds up (so a small non-zero time stays
/// non-zero).
fn timeval_of(d: f64) -> libc::timeval {
    let whole = d.trunc();
    let mut tv = libc::timeval {
        tv_sec: whole as crate::prims::unix::TimeT,
        tv_usec: (1e6 * (d - whole)).ceil() as crate::prims::unix::SusecondsT,
    };
    if tv.tv_usec >= 1_000_000 {
        tv.tv_sec += 1;
        tv.tv_usec = 0;
    }
    tv
}

/// The `interval_timer_status` record (two flat floats: interval, value).
fn itimer_status(dom: &mut Domain, it: &libc::itimerval) -> Value {
    let secs = |tv: &libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    let v = dom.alloc_float_array(2);
    // SAFETY: a fresh flat float block of two elements.
    unsafe {
        v.set_double_field(0, secs(&it.it_interval));
        v.set_double_field(1, secs(&it.it_value));
    }
    v
}

fn getitimer(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [which] = take(args)?;
    let which = ITIMERS[(which.int() as usize).min(2)];
    // SAFETY: itimerval is plain data, written by getitimer.
    let mut it: libc::itimerval = unsafe { std::mem::zeroed() };
    // SAFETY: `it` is a valid out-pointer.
    if unsafe { libc::getitimer(which, &mut it) } == -1 {
        return Err(uerror(dom, "getitimer", None));
    }
    Ok(itimer_status(dom, &it))
}

fn setitimer(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [which, status] = take(args)?;
    let which = ITIMERS[(which.int() as usize).min(2)];
    // SAFETY: the record is a flat block of two floats.
    let (interval, value) = unsafe { (status.double_field(0), status.double_field(1)) };
    let new = libc::itimerval { it_interval: timeval_of(interval), it_value: timeval_of(value) };
    // SAFETY: itimerval is plain data, written by setitimer.
    let mut old: libc::itimerval = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid.
    if unsafe { libc::setitimer(which, &new, &mut old) } == -1 {
        return Err(uerror(dom, "setitimer", None));
    }
    Ok(itimer_status(dom, &old))
}

// ---------------------------------------------------------------------------------------
// Time

fn time(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: time accepts a null pointer.
    let t = unsafe { libc::time(ptr::null_mut()) };
    Ok(dom.alloc_float(t as f64))
}

fn gettimeofday(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let mut tv = libc::timeval { tv_sec: 0, tv_usec: 0 };
    // SAFETY: `tv` is a valid out-pointer; no time zone is asked for.
    unsafe { libc::gettimeofday(&mut tv, ptr::null_mut()) };
    Ok(dom.alloc_float(tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6))
}

/// `process_times`: user and system time of the process, then of its ended children (a
/// flat record of four floats).
fn times(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let usage = |who| {
        // SAFETY: rusage is plain data, written by getrusage.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `ru` is a valid out-pointer.
        unsafe { libc::getrusage(who, &mut ru) };
        let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        (secs(ru.ru_utime), secs(ru.ru_stime))
    };
    let (u, s) = usage(libc::RUSAGE_SELF);
    let (cu, cs) = usage(libc::RUSAGE_CHILDREN);
    let v = dom.alloc_float_array(4);
    // SAFETY: a fresh flat float block of four elements.
    unsafe {
        v.set_double_field(0, u);
        v.set_double_field(1, s);
        v.set_double_field(2, cu);
        v.set_double_field(3, cs);
    }
    Ok(v)
}

/// The `Unix.tm` record of a C `struct tm`.
fn tm_value(dom: &mut Domain, tm: &libc::tm) -> Value {
    let f = |n: libc::c_int| Value::of_int(n as isize);
    let fields = [
        f(tm.tm_sec),
        f(tm.tm_min),
        f(tm.tm_hour),
        f(tm.tm_mday),
        f(tm.tm_mon),
        f(tm.tm_year),
        f(tm.tm_wday),
        f(tm.tm_yday),
        Value::of_bool(tm.tm_isdst != 0),
    ];
    dom.alloc_tuple(0, &fields)
}

/// `gmtime`/`localtime`: the broken-down time of a float date (truncated to seconds);
/// `Unix_error (EINVAL, cmd, "")` when the libc cannot represent it.
fn broken_down(dom: &mut Domain, args: &[Value], local: bool, cmd: &str) -> PrimResult {
    let [t] = take(args)?;
    // SAFETY: a float argument is a boxed double.
    let clock = unsafe { t.double() } as crate::prims::unix::TimeT;
    // The non-reentrant calls, as the stock library: `localtime` re-reads TZ each time (a
    // `putenv "TZ"` takes effect). Their static result is copied at once, under the heap
    // lock, which every caller here holds.
    // SAFETY: `clock` is a valid time_t; the result, when not null, is a valid tm.
    let tm = unsafe {
        let p = if local { libc::localtime(&clock) } else { libc::gmtime(&clock) };
        if p.is_null() {
            None
        } else {
            Some(*p)
        }
    };
    match tm {
        Some(tm) => Ok(tm_value(dom, &tm)),
        None => Err(unix_error(dom, libc::EINVAL, cmd, None)),
    }
}

fn gmtime(dom: &mut Domain, args: &[Value]) -> PrimResult {
    broken_down(dom, args, false, "gmtime")
}

fn localtime(dom: &mut Domain, args: &[Value]) -> PrimResult {
    broken_down(dom, args, true, "localtime")
}

/// `mktime tm`: the date of a local broken-down time (normalised, daylight saving time
/// found by the libc) and the normalised record; `Unix_error (ERANGE, "mktime", "")` when
/// out of range.
fn mktime(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [t] = take(args)?;
    // SAFETY: `tm` is a record of nine fields; tm is plain data.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let field = |i| unsafe { t.field(i) }.int() as libc::c_int;
    tm.tm_sec = field(0);
    tm.tm_min = field(1);
    tm.tm_hour = field(2);
    tm.tm_mday = field(3);
    tm.tm_mon = field(4);
    tm.tm_year = field(5);
    tm.tm_wday = field(6);
    tm.tm_yday = field(7);
    tm.tm_isdst = -1;
    // SAFETY: `tm` is a valid struct tm.
    let clock = unsafe { libc::mktime(&mut tm) };
    if clock == -1 {
        return Err(unix_error(dom, libc::ERANGE, "mktime", None));
    }
    let tmv = tm_value(dom, &tm);
    let f = dom.alloc_float(clock as f64);
    Ok(dom.alloc_tuple(0, &[f, tmv]))
}

// ---------------------------------------------------------------------------------------
// Users and groups

fn getuid(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: cannot fail.
    Ok(Value::of_int(unsafe { libc::getuid() } as isize))
}

fn geteuid(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: cannot fail.
    Ok(Value::of_int(unsafe { libc::geteuid() } as isize))
}

fn getgid(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: cannot fail.
    Ok(Value::of_int(unsafe { libc::getgid() } as isize))
}

fn getegid(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: cannot fail.
    Ok(Value::of_int(unsafe { libc::getegid() } as isize))
}

fn setuid(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [uid] = take(args)?;
    // SAFETY: takes no pointer.
    if unsafe { libc::setuid(uid.int() as libc::uid_t) } == -1 {
        return Err(uerror(dom, "setuid", None));
    }
    Ok(Value::UNIT)
}

fn setgid(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [gid] = take(args)?;
    // SAFETY: takes no pointer.
    if unsafe { libc::setgid(gid.int() as libc::gid_t) } == -1 {
        return Err(uerror(dom, "setgid", None));
    }
    Ok(Value::UNIT)
}

/// glibc's `NGROUPS_MAX`, the size of the stock library's buffer.
const NGROUPS_MAX: usize = 65536;

fn getgroups(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let mut groups = vec![0 as libc::gid_t; NGROUPS_MAX];
    // SAFETY: the buffer holds NGROUPS_MAX entries.
    let n = unsafe { libc::getgroups(NGROUPS_MAX as libc::c_int, groups.as_mut_ptr()) };
    if n == -1 {
        return Err(uerror(dom, "getgroups", None));
    }
    let ids: Vec<Value> = groups[..n as usize].iter().map(|&g| Value::of_int(g as isize)).collect();
    Ok(dom.alloc_tuple(0, &ids))
}

fn setgroups(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [groups] = take(args)?;
    let ids: Vec<libc::gid_t> =
        array_items(groups).iter().map(|v| v.int() as libc::gid_t).collect();
    // SAFETY: `ids` holds ids.len() entries.
    if unsafe { libc::setgroups(ids.len(), ids.as_ptr()) } == -1 {
        return Err(uerror(dom, "setgroups", None));
    }
    Ok(Value::UNIT)
}

fn initgroups(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [user, group] = take(args)?;
    let Ok(name) = CString::new(string_bytes(user)?) else {
        return Err(unix_error(dom, libc::EINVAL, "initgroups", Some(user)));
    };
    // SAFETY: `name` is a C string.
    if unsafe { libc::initgroups(name.as_ptr(), group.int() as libc::gid_t) } == -1 {
        return Err(uerror(dom, "initgroups", None));
    }
    Ok(Value::UNIT)
}

fn getlogin(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: the result, when not null, is a C string copied at once.
    let p = unsafe { libc::getlogin() };
    if p.is_null() {
        return Err(unix_error(dom, libc::ENOENT, "getlogin", None));
    }
    Ok(c_str_value(dom, p))
}

/// The result of a user or group database look-up: `Not_found` when there is no entry,
/// `Unix_error (EINTR, cmd, "")` when the look-up was interrupted.
fn lookup<T>(dom: &mut Domain, cmd: &str, find: impl FnOnce() -> *mut T) -> Result<*mut T, Exn> {
    set_errno(0);
    let p = find();
    if p.is_null() {
        let err = last_errno();
        return Err(if err == libc::EINTR {
            unix_error(dom, err, cmd, None)
        } else {
            Exn::not_found()
        });
    }
    Ok(p)
}

/// The `passwd_entry` record of a `struct passwd`.
fn passwd_value(dom: &mut Domain, pw: *mut libc::passwd) -> Value {
    // SAFETY: `pw` is the libc's valid static entry, read before any other look-up.
    let pw = unsafe { &*pw };
    let name = c_str_value(dom, pw.pw_name);
    let passwd = c_str_value(dom, pw.pw_passwd);
    let gecos = c_str_value(dom, pw.pw_gecos);
    let dir = c_str_value(dom, pw.pw_dir);
    let shell = c_str_value(dom, pw.pw_shell);
    let uid = Value::of_int(pw.pw_uid as isize);
    let gid = Value::of_int(pw.pw_gid as isize);
    dom.alloc_tuple(0, &[name, passwd, uid, gid, gecos, dir, shell])
}

/// The `group_entry` record of a `struct group`.
fn group_value(dom: &mut Domain, gr: *mut libc::group) -> Value {
    // SAFETY: `gr` is the libc's valid static entry, read before any other look-up.
    let gr = unsafe { &*gr };
    let name = c_str_value(dom, gr.gr_name);
    let passwd = c_str_value(dom, gr.gr_passwd);
    let mem = c_str_array(dom, gr.gr_mem as *const *const libc::c_char);
    dom.alloc_tuple(0, &[name, passwd, Value::of_int(gr.gr_gid as isize), mem])
}

fn getpwnam(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [name] = take(args)?;
    let Ok(name) = CString::new(string_bytes(name)?) else { return Err(Exn::not_found()) };
    // SAFETY: `name` is a C string.
    let pw = lookup(dom, "getpwnam", || unsafe { libc::getpwnam(name.as_ptr()) })?;
    Ok(passwd_value(dom, pw))
}

fn getpwuid(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [uid] = take(args)?;
    let uid = uid.int() as libc::uid_t;
    // SAFETY: takes no pointer.
    let pw = lookup(dom, "getpwuid", || unsafe { libc::getpwuid(uid) })?;
    Ok(passwd_value(dom, pw))
}

fn getgrnam(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [name] = take(args)?;
    let Ok(name) = CString::new(string_bytes(name)?) else { return Err(Exn::not_found()) };
    // SAFETY: `name` is a C string.
    let gr = lookup(dom, "getgrnam", || unsafe { libc::getgrnam(name.as_ptr()) })?;
    Ok(group_value(dom, gr))
}

fn getgrgid(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [gid] = take(args)?;
    let gid = gid.int() as libc::gid_t;
    // SAFETY: takes no pointer.
    let gr = lookup(dom, "getgrgid", || unsafe { libc::getgrgid(gid) })?;
    Ok(group_value(dom, gr))
}

// ---------------------------------------------------------------------------------------
// The environment

/// The current environment (`environ`, which `putenv` updates), as "NAME=value" strings.
fn environment_unsafe(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // SAFETY: `environ` is read under the heap lock, which every environment writer here
    // (`putenv`) holds too.
    let env = unsafe { environ };
    Ok(c_str_array(dom, env))
}

/// As [`environment_unsafe`], but empty in a set-user-id or set-group-id program.
fn environment(dom: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: getauxval only reads the auxiliary vector.
    if unsafe { libc::getauxval(libc::AT_SECURE) } != 0 {
        return Ok(dom.alloc_tuple(0, &[]));
    }
    environment_unsafe(dom, args)
}

/// `putenv name value`: sets `name=value` in the environment (seen by `Sys.getenv`,
/// `environment` and children); a NUL byte in either is `Unix_error (EINVAL, "putenv",
/// name)`.
fn putenv(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [name, value] = take(args)?;
    let mut entry = string_bytes(name)?;
    let val = string_bytes(value)?;
    if entry.contains(&0) || val.contains(&0) {
        return Err(unix_error(dom, libc::EINVAL, "putenv", Some(name)));
    }
    entry.push(b'=');
    entry.extend_from_slice(&val);
    let Ok(entry) = CString::new(entry) else { unreachable!("checked for NUL above") };
    // The string becomes part of the environment: it is never freed (as in C).
    let raw = entry.into_raw();
    // SAFETY: `raw` is a C string that lives forever; the heap lock orders environment
    // writers.
    if unsafe { libc::putenv(raw) } == -1 {
        let err = last_errno();
        // SAFETY: putenv refused it, so nothing else refers to `raw`.
        drop(unsafe { CString::from_raw(raw) });
        return Err(unix_error(dom, err, "putenv", Some(name)));
    }
    Ok(Value::UNIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_numbers_round_trip() {
        assert_eq!(signal_to_system(-6), libc::SIGINT);
        assert_eq!(signal_to_ocaml(libc::SIGINT), -6);
        assert_eq!(signal_to_ocaml(libc::SIGKILL), -7);
        for sig in 1..NSIG {
            assert_eq!(signal_to_system(signal_to_ocaml(sig)), sig);
        }
    }

    #[test]
    fn timevals_round_microseconds_up() {
        let tv = timeval_of(1.5);
        assert_eq!((tv.tv_sec, tv.tv_usec), (1, 500_000));
        let tv = timeval_of(1e-9);
        assert_eq!((tv.tv_sec, tv.tv_usec), (0, 1));
        let tv = timeval_of(2.9999999999);
        assert_eq!((tv.tv_sec, tv.tv_usec), (3, 0));
    }
}
