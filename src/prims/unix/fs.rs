//! `unix` primitives on the file system: metadata (`stat`, `lstat`, `fstat` and their
//! 64-bit forms), names (unlink, rename, link, symlink, readlink, realpath, mkdir, rmdir,
//! mkfifo), directories (opendir ...), permissions and owners, truncation, times, `access`,
//! `umask`, the working directory and `chroot`.
//!
//! As in the stock library, every system call that touches the file system runs in a
//! blocking section (all but `realpath`, `getcwd`, `umask`); the name blamed in the
//! `Unix_error` is rooted in `local_roots` meanwhile, since other domains may collect and
//! move it. `errno` is read inside the section, before re-entering the runtime.
//!
//! A `Unix.dir_handle` is, as in stock, an abstract block of one word; here the word is an
//! immediate key into a process-wide table of open `DIR` streams rather than the pointer
//! itself, so a closed handle (or a forged one) is only a missing key: `readdir`,
//! `rewinddir` and `closedir` then raise `EBADF`, as stock does for a closed handle.

use super::{blocking_keep, c_path, fd_arg, last_errno, take, unix_error};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, ABSTRACT_TAG, DOUBLE_TAG};
use crate::prims::ints::{alloc_int64, int64_val};
use crate::prims::PrimFn;
use std::collections::BTreeMap;
use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::sync::{Arc, Mutex, MutexGuard};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_unix_access", access),
    ("caml_unix_chdir", chdir),
    ("caml_unix_chmod", chmod),
    ("caml_unix_chown", chown),
    ("caml_unix_chroot", chroot),
    ("caml_unix_closedir", closedir),
    ("caml_unix_fchmod", fchmod),
    ("caml_unix_fchown", fchown),
    ("caml_unix_fstat", fstat),
    ("caml_unix_fstat_64", fstat_64),
    ("caml_unix_ftruncate", ftruncate),
    ("caml_unix_ftruncate_64", ftruncate_64),
    ("caml_unix_getcwd", getcwd),
    ("caml_unix_has_symlink", has_symlink),
    ("caml_unix_link", link),
    ("caml_unix_lstat", lstat),
    ("caml_unix_lstat_64", lstat_64),
    ("caml_unix_mkdir", mkdir),
    ("caml_unix_mkfifo", mkfifo),
    ("caml_unix_opendir", opendir),
    ("caml_unix_readdir", readdir),
    ("caml_unix_readlink", readlink),
    ("caml_unix_realpath", realpath),
    ("caml_unix_rename", rename),
    ("caml_unix_rewinddir", rewinddir),
    ("caml_unix_rmdir", rmdir),
    ("caml_unix_stat", stat),
    ("caml_unix_stat_64", stat_64),
    ("caml_unix_symlink", symlink),
    ("caml_unix_truncate", truncate),
    ("caml_unix_truncate_64", truncate_64),
    ("caml_unix_umask", umask),
    ("caml_unix_unlink", unlink),
    ("caml_unix_utimes", utimes),
];

/// `PATH_MAX` on Linux: the buffer size of the stock `getcwd` and `readlink`.
const PATH_MAX: usize = 4096;

// ---------------------------------------------------------------------------------------
// Running system calls
// ---------------------------------------------------------------------------------------

/// `Err(errno)` when a system call returned -1.
fn check(ret: libc::c_int) -> Result<(), i32> {
    if ret == -1 {
        Err(last_errno())
    } else {
        Ok(())
    }
}

/// Runs `call` in a blocking section with `blame` (a name argument) rooted meanwhile;
/// returns its result and `blame` read back (other domains may have moved it).
fn in_section<T>(
    dom: &mut Domain,
    blame: Option<Value>,
    call: impl FnOnce() -> Result<T, i32>,
) -> (Result<T, i32>, Option<Value>) {
    match blame {
        Some(v) => {
            let (r, v) = blocking_keep(dom, v, call);
            (r, Some(v))
        }
        None => (dom.blocking_section(call), None),
    }
}

/// [`in_section`]; when `call` fails with `errno` `e`, raises `Unix_error (e, cmd, blame)`.
fn blocking<T>(
    dom: &mut Domain,
    cmd: &str,
    blame: Option<Value>,
    call: impl FnOnce() -> Result<T, i32>,
) -> Result<T, Exn> {
    let (r, blame) = in_section(dom, blame, call);
    r.map_err(|e| unix_error(dom, e, cmd, blame))
}

/// A one-name system call (`unlink`, `rmdir` ...), blaming the name.
fn on_path(
    dom: &mut Domain,
    path: Value,
    cmd: &str,
    call: impl FnOnce(*const libc::c_char) -> libc::c_int,
) -> PrimResult {
    let p = c_path(dom, path, cmd)?;
    blocking(dom, cmd, Some(path), || check(call(p.as_ptr())))?;
    Ok(Value::UNIT)
}

/// A system call on a descriptor, blaming nothing.
fn on_fd(dom: &mut Domain, cmd: &str, call: impl FnOnce() -> libc::c_int) -> PrimResult {
    blocking(dom, cmd, None, || check(call()))?;
    Ok(Value::UNIT)
}

/// `Int_val` as a C `int` (truncated, as the C cast does).
fn int_arg(v: Value) -> libc::c_int {
    v.int() as libc::c_int
}

// ---------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------

/// `Max_long`: the largest OCaml int.
const MAX_LONG: i64 = (1 << 62) - 1;

/// The file types of `Unix.file_kind`, in constructor order (`S_REG` ... `S_SOCK`).
const FILE_KINDS: [libc::mode_t; 7] = [
    libc::S_IFREG,
    libc::S_IFDIR,
    libc::S_IFCHR,
    libc::S_IFBLK,
    libc::S_IFLNK,
    libc::S_IFIFO,
    libc::S_IFSOCK,
];

/// A `(seconds, nanoseconds)` time stamp as float seconds whose integer part is `sec`
/// (the sum may round up to `sec + 1`; then the float just below is taken).
fn timestamp(sec: i64, nsec: i64) -> f64 {
    let s = sec as f64;
    let t = s + nsec as f64 / 1e9;
    if t == s + 1.0 {
        t.next_down()
    } else {
        t
    }
}

/// Which `stat` call: on a name (following links or not), or on a descriptor.
#[derive(Clone, Copy)]
enum StatOf {
    Name { follow: bool },
    Fd,
}

/// The `stat`-family primitives: `use_64` gives the `LargeFile` record (`st_size` an
/// `int64`); otherwise a regular file too large for an int fails with `EOVERFLOW`.
fn stat_common(dom: &mut Domain, args: &[Value], of: StatOf, use_64: bool) -> PrimResult {
    let [arg] = take(args)?;
    let (cmd, st, blame) = match of {
        StatOf::Name { follow } => {
            let cmd = if follow { "stat" } else { "lstat" };
            let p = c_path(dom, arg, cmd)?;
            let (st, blame) = in_section(dom, Some(arg), || {
                let mut buf = MaybeUninit::<libc::stat>::uninit();
                // SAFETY: p is NUL-terminated; buf is a writable stat buffer.
                let ret = unsafe {
                    if follow {
                        libc::stat(p.as_ptr(), buf.as_mut_ptr())
                    } else {
                        libc::lstat(p.as_ptr(), buf.as_mut_ptr())
                    }
                };
                // SAFETY: a successful call filled buf.
                check(ret).map(|()| unsafe { buf.assume_init() })
            });
            let st = st.map_err(|e| unix_error(dom, e, cmd, blame))?;
            (cmd, st, blame)
        }
        StatOf::Fd => {
            let fd = fd_arg(arg);
            let st = blocking(dom, "fstat", None, || {
                let mut buf = MaybeUninit::<libc::stat>::uninit();
                // SAFETY: buf is a writable stat buffer.
                let ret = unsafe { libc::fstat(fd, buf.as_mut_ptr()) };
                // SAFETY: a successful call filled buf.
                check(ret).map(|()| unsafe { buf.assume_init() })
            })?;
            ("fstat", st, None)
        }
    };
    let kind = st.st_mode & libc::S_IFMT;
    if !use_64 && st.st_size > MAX_LONG && kind == libc::S_IFREG {
        return Err(unix_error(dom, libc::EOVERFLOW, cmd, blame));
    }
    Ok(stats_record(dom, &st, use_64))
}

/// The `Unix.stats` (or `Unix.LargeFile.stats`) record of `st`.
fn stats_record(dom: &mut Domain, st: &libc::stat, use_64: bool) -> Value {
    // Allocation never collects, so the fresh floats and int64 stay valid.
    let atime = dom.alloc_float(timestamp(st.st_atime, st.st_atime_nsec));
    let mtime = dom.alloc_float(timestamp(st.st_mtime, st.st_mtime_nsec));
    let ctime = dom.alloc_float(timestamp(st.st_ctime, st.st_ctime_nsec));
    let size =
        if use_64 { alloc_int64(dom, st.st_size) } else { Value::of_int(st.st_size as isize) };
    let kind_of = st.st_mode & libc::S_IFMT;
    let kind = FILE_KINDS.iter().position(|&k| k == kind_of).unwrap_or(0);
    let fields = [
        Value::of_int(st.st_dev as isize),
        Value::of_int(st.st_ino as isize),
        Value::of_int(kind as isize),
        Value::of_int((st.st_mode & 0o7777) as isize),
        Value::of_int(st.st_nlink as isize),
        Value::of_int(st.st_uid as isize),
        Value::of_int(st.st_gid as isize),
        Value::of_int(st.st_rdev as isize),
        size,
        atime,
        mtime,
        ctime,
    ];
    dom.alloc_tuple(0, &fields)
}

fn stat(dom: &mut Domain, args: &[Value]) -> PrimResult {
    stat_common(dom, args, StatOf::Name { follow: true }, false)
}

fn stat_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    stat_common(dom, args, StatOf::Name { follow: true }, true)
}

fn lstat(dom: &mut Domain, args: &[Value]) -> PrimResult {
    stat_common(dom, args, StatOf::Name { follow: false }, false)
}

fn lstat_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    stat_common(dom, args, StatOf::Name { follow: false }, true)
}

fn fstat(dom: &mut Domain, args: &[Value]) -> PrimResult {
    stat_common(dom, args, StatOf::Fd, false)
}

fn fstat_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    stat_common(dom, args, StatOf::Fd, true)
}

/// The bits of `Unix.access_permission`, in constructor order (`R_OK W_OK X_OK F_OK`).
const ACCESS_BITS: [libc::c_int; 4] = [libc::R_OK, libc::W_OK, libc::X_OK, libc::F_OK];

fn access(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, perms] = take(args)?;
    let p = c_path(dom, path, "access")?;
    let mut mode = 0;
    let mut l = perms;
    while l.is_block() {
        // SAFETY: l is a cons cell of an OCaml list: two fields.
        let (head, tail) = unsafe { (l.field(0), l.field(1)) };
        if let Some(bit) = usize::try_from(head.int()).ok().and_then(|i| ACCESS_BITS.get(i)) {
            mode |= bit;
        }
        l = tail;
    }
    // SAFETY: p is NUL-terminated.
    blocking(dom, "access", Some(path), || check(unsafe { libc::access(p.as_ptr(), mode) }))?;
    Ok(Value::UNIT)
}

fn chmod(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, perm] = take(args)?;
    let perm = int_arg(perm) as libc::mode_t;
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "chmod", |p| unsafe { libc::chmod(p, perm) })
}

fn fchmod(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, perm] = take(args)?;
    let (fd, perm) = (fd_arg(fd), int_arg(perm) as libc::mode_t);
    // SAFETY: plain system call on integers.
    on_fd(dom, "fchmod", || unsafe { libc::fchmod(fd, perm) })
}

fn chown(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, uid, gid] = take(args)?;
    // -1 (leave unchanged) becomes the all-ones id, as the C conversion does.
    let (uid, gid) = (int_arg(uid) as libc::uid_t, int_arg(gid) as libc::gid_t);
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "chown", |p| unsafe { libc::chown(p, uid, gid) })
}

fn fchown(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, uid, gid] = take(args)?;
    let (fd, uid, gid) = (fd_arg(fd), int_arg(uid) as libc::uid_t, int_arg(gid) as libc::gid_t);
    // SAFETY: plain system call on integers.
    on_fd(dom, "fchown", || unsafe { libc::fchown(fd, uid, gid) })
}

fn umask(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [perm] = take(args)?;
    // SAFETY: umask cannot fail.
    let old = unsafe { libc::umask(int_arg(perm) as libc::mode_t) };
    Ok(Value::of_int(old as isize))
}

fn truncate_to(dom: &mut Domain, path: Value, len: libc::off_t) -> PrimResult {
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "truncate", |p| unsafe { libc::truncate(p, len) })
}

fn truncate(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, len] = take(args)?;
    truncate_to(dom, path, len.int() as libc::off_t)
}

fn truncate_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, len] = take(args)?;
    truncate_to(dom, path, int64_val(len) as libc::off_t)
}

fn ftruncate_to(dom: &mut Domain, fd: Value, len: libc::off_t) -> PrimResult {
    let fd = fd_arg(fd);
    // SAFETY: plain system call on integers.
    on_fd(dom, "ftruncate", || unsafe { libc::ftruncate(fd, len) })
}

fn ftruncate(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, len] = take(args)?;
    ftruncate_to(dom, fd, len.int() as libc::off_t)
}

fn ftruncate_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, len] = take(args)?;
    ftruncate_to(dom, fd, int64_val(len) as libc::off_t)
}

/// A `float` argument.
fn float_arg(v: Value) -> Result<f64, Exn> {
    // SAFETY: the tag is read from a block; the float only from a Double_tag block.
    unsafe {
        if v.is_block() && v.tag() == DOUBLE_TAG {
            Ok(v.double())
        } else {
            Err(Exn::invalid_arg("Unix: float expected"))
        }
    }
}

/// `utimes`: both times 0.0 means "now"; otherwise each is split into seconds and
/// microseconds by truncation, as the stock library does.
fn utimes(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, atime, mtime] = take(args)?;
    let p = c_path(dom, path, "utimes")?;
    let (at, mt) = (float_arg(atime)?, float_arg(mtime)?);
    let tv = |t: f64| {
        let sec = t as crate::prims::unix::TimeT;
        libc::timeval {
            tv_sec: sec,
            tv_usec: ((t - sec as f64) * 1e6) as crate::prims::unix::SusecondsT,
        }
    };
    let times = [tv(at), tv(mt)];
    let times = if at == 0.0 && mt == 0.0 { std::ptr::null() } else { times.as_ptr() };
    // SAFETY: p is NUL-terminated; times is null or two timevals.
    blocking(dom, "utimes", Some(path), || check(unsafe { libc::utimes(p.as_ptr(), times) }))?;
    Ok(Value::UNIT)
}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

fn unlink(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "unlink", |p| unsafe { libc::unlink(p) })
}

/// Blames the source name.
fn rename(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path1, path2] = take(args)?;
    let p1 = c_path(dom, path1, "rename")?;
    let p2 = c_path(dom, path2, "rename")?;
    // SAFETY: both names are NUL-terminated.
    blocking(dom, "rename", Some(path1), || {
        // SAFETY: both names are NUL-terminated.
        check(unsafe { libc::rename(p1.as_ptr(), p2.as_ptr()) })
    })?;
    Ok(Value::UNIT)
}

/// `link ?follow src dst`: without `follow`, plain `link` (whose handling of a symbolic
/// `src` is the system's); with it, `linkat` following the link or not. Blames `dst`.
fn link(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [follow, path1, path2] = take(args)?;
    let p1 = c_path(dom, path1, "link")?;
    let p2 = c_path(dom, path2, "link")?;
    // `None` is an immediate; `Some b` a block holding the bool.
    let flags = if follow.is_block() {
        // SAFETY: `Some b`: a block of one field.
        Some(if unsafe { follow.field(0) }.int() != 0 { libc::AT_SYMLINK_FOLLOW } else { 0 })
    } else {
        None
    };
    blocking(dom, "link", Some(path2), || {
        // SAFETY: both names are NUL-terminated.
        check(unsafe {
            match flags {
                None => libc::link(p1.as_ptr(), p2.as_ptr()),
                Some(f) => {
                    libc::linkat(libc::AT_FDCWD, p1.as_ptr(), libc::AT_FDCWD, p2.as_ptr(), f)
                }
            }
        })
    })?;
    Ok(Value::UNIT)
}

/// `symlink ?to_dir target name` (`to_dir` matters only on Windows). Blames `name`.
fn symlink(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [_to_dir, path1, path2] = take(args)?;
    let p1 = c_path(dom, path1, "symlink")?;
    let p2 = c_path(dom, path2, "symlink")?;
    // SAFETY: both names are NUL-terminated.
    blocking(dom, "symlink", Some(path2), || {
        // SAFETY: both names are NUL-terminated.
        check(unsafe { libc::symlink(p1.as_ptr(), p2.as_ptr()) })
    })?;
    Ok(Value::UNIT)
}

fn has_symlink(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::TRUE)
}

/// The target of a symbolic link, cut at `PATH_MAX - 1` bytes as in stock.
fn readlink(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let p = c_path(dom, path, "readlink")?;
    let target = blocking(dom, "readlink", Some(path), || {
        let mut buf = vec![0u8; PATH_MAX];
        // SAFETY: p is NUL-terminated; buf has room for PATH_MAX - 1 bytes.
        let len = unsafe { libc::readlink(p.as_ptr(), buf.as_mut_ptr().cast(), PATH_MAX - 1) };
        if len == -1 {
            return Err(last_errno());
        }
        buf.truncate(len as usize);
        Ok(buf)
    })?;
    Ok(dom.alloc_bytes_from(&target))
}

/// No blocking section, as in stock.
fn realpath(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let p = c_path(dom, path, "realpath")?;
    // SAFETY: p is NUL-terminated; with a null buffer, realpath mallocs its result.
    let r = unsafe { libc::realpath(p.as_ptr(), std::ptr::null_mut()) };
    if r.is_null() {
        return Err(unix_error(dom, last_errno(), "realpath", Some(path)));
    }
    // SAFETY: r is a NUL-terminated string from malloc, freed once after the copy.
    let resolved = unsafe {
        let bytes = CStr::from_ptr(r).to_bytes().to_vec();
        libc::free(r.cast());
        bytes
    };
    Ok(dom.alloc_bytes_from(&resolved))
}

fn mkdir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, perm] = take(args)?;
    let perm = int_arg(perm) as libc::mode_t;
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "mkdir", |p| unsafe { libc::mkdir(p, perm) })
}

fn rmdir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "rmdir", |p| unsafe { libc::rmdir(p) })
}

fn mkfifo(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, perm] = take(args)?;
    let perm = int_arg(perm) as libc::mode_t;
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "mkfifo", |p| unsafe { libc::mkfifo(p, perm) })
}

fn chdir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "chdir", |p| unsafe { libc::chdir(p) })
}

fn chroot(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    // SAFETY: the name is NUL-terminated.
    on_path(dom, path, "chroot", |p| unsafe { libc::chroot(p) })
}

/// The working directory, in a `PATH_MAX` buffer as in stock (longer: `ERANGE`).
fn getcwd(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let mut buf = vec![0u8; PATH_MAX];
    // SAFETY: buf is writable for PATH_MAX bytes.
    let r = unsafe { libc::getcwd(buf.as_mut_ptr().cast(), PATH_MAX) };
    if r.is_null() {
        return Err(unix_error(dom, last_errno(), "getcwd", None));
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(PATH_MAX);
    Ok(dom.alloc_bytes_from(&buf[..len]))
}

// ---------------------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------------------

/// An open `DIR` stream, `None` once closed. Its mutex serialises the stream's uses
/// (readdir is not safe on one stream from two threads) and a use against its closing.
struct Stream(Mutex<Option<DirPtr>>);

struct DirPtr(*mut libc::DIR);

// SAFETY: a DIR stream is not tied to the thread that opened it; every use goes through
// the `Stream` mutex, so no two threads use it at once.
unsafe impl Send for DirPtr {}

/// The open streams by key, and the next key (keys are never reused, so a stale handle
/// never reaches a newer stream).
struct DirTable {
    next: isize,
    open: BTreeMap<isize, Arc<Stream>>,
}

static DIRS: Mutex<DirTable> = Mutex::new(DirTable { next: 1, open: BTreeMap::new() });

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The key held by a `dir_handle` (the immediate in its one field), if it is one.
fn dir_key(handle: Value) -> Option<isize> {
    // SAFETY: tag and size are read from a block; the field only from a one-word abstract
    // block, which is what `opendir` makes.
    unsafe {
        if handle.is_block() && handle.tag() == ABSTRACT_TAG && handle.wosize() == 1 {
            let k = handle.field(0);
            k.is_int().then(|| k.int())
        } else {
            None
        }
    }
}

/// The open stream of `handle`, or `EBADF` blaming `cmd` (closed or not a handle).
fn stream_of(dom: &mut Domain, handle: Value, cmd: &str) -> Result<Arc<Stream>, Exn> {
    let found = dir_key(handle).and_then(|k| lock(&DIRS).open.get(&k).cloned());
    found.ok_or_else(|| unix_error(dom, libc::EBADF, cmd, None))
}

fn opendir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let p = c_path(dom, path, "opendir")?;
    let dir = blocking(dom, "opendir", Some(path), || {
        // SAFETY: p is NUL-terminated.
        let d = unsafe { libc::opendir(p.as_ptr()) };
        if d.is_null() {
            Err(last_errno())
        } else {
            Ok(DirPtr(d))
        }
    })?;
    let key = {
        let mut table = lock(&DIRS);
        let key = table.next;
        table.next += 1;
        table.open.insert(key, Arc::new(Stream(Mutex::new(Some(dir)))));
        key
    };
    let handle = dom.alloc_block(ABSTRACT_TAG, 1);
    // SAFETY: a fresh abstract block of one word; an immediate needs no barrier.
    unsafe { handle.set_field_raw(0, Value::of_int(key)) };
    Ok(handle)
}

/// The next entry's name; `End_of_file` after the last.
fn readdir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [handle] = take(args)?;
    let stream = stream_of(dom, handle, "readdir")?;
    let name = dom.blocking_section(|| {
        let guard = lock(&stream.0);
        // Closed meanwhile by another thread: no entry, as a stream at its end.
        let d = guard.as_ref()?;
        // SAFETY: d is open (the guard keeps it so); the entry is copied before the
        // stream is used again.
        unsafe {
            let e = libc::readdir(d.0);
            if e.is_null() {
                None
            } else {
                Some(CStr::from_ptr((*e).d_name.as_ptr()).to_bytes().to_vec())
            }
        }
    });
    match name {
        Some(n) => Ok(dom.alloc_bytes_from(&n)),
        None => Err(Exn::end_of_file()),
    }
}

/// No blocking section in stock; here the wait for the stream's lock runs in one, since
/// another thread may hold it through a slow `readdir`.
fn rewinddir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [handle] = take(args)?;
    let stream = stream_of(dom, handle, "rewinddir")?;
    dom.blocking_section(|| {
        if let Some(d) = lock(&stream.0).as_ref() {
            // SAFETY: d is open while the guard is held.
            unsafe { libc::rewinddir(d.0) };
        }
    });
    Ok(Value::UNIT)
}

/// Closes the stream; the handle is then dead (`EBADF` on any later use, a second
/// `closedir` included, as in stock).
fn closedir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [handle] = take(args)?;
    let removed = dir_key(handle).and_then(|k| lock(&DIRS).open.remove(&k));
    let Some(stream) = removed else {
        return Err(unix_error(dom, libc::EBADF, "closedir", None));
    };
    dom.blocking_section(|| {
        if let Some(d) = lock(&stream.0).take() {
            // SAFETY: d was open and is closed once: it was taken out of its stream.
            // Errors are ignored, as in stock.
            unsafe { libc::closedir(d.0) };
        }
    });
    Ok(Value::UNIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_their_integer_part() {
        assert_eq!(timestamp(10, 500_000_000), 10.5);
        assert_eq!(timestamp(10, 999_999_999).floor(), 10.0);
        assert_eq!(timestamp(-2, 999_999_999).floor(), -2.0);
        let big = 1 << 52;
        assert_eq!(timestamp(big, 999_999_999).floor(), big as f64);
    }
}
