//! `unix` primitives on file descriptors: open, close, read, write (strings and
//! bigarrays), lseek, pipes, dup, close-on-exec and non-blocking flags, channels on
//! descriptors, `select`, `lockf`, terminals (`tc*`, in [`terminal`]), `isatty` and mapped
//! files (in [`mapped`]).
//!
//! Every call that may wait runs in a blocking section; the OCaml values a primitive needs
//! afterwards (a buffer to fill, a name to report) stay in the domain's local roots
//! meanwhile and are read back once the section ends. `errno` is read inside the section,
//! right after the call that set it. Descriptors are opened close-on-exec only when asked
//! (`?cloexec:true`, `O_CLOEXEC`): the stock library's default is off.

mod mapped;
mod terminal;

use super::{
    blocking_keep, c_path, cloexec_p, fd_arg, list_items, take, unix_error, CLOEXEC_DEFAULT,
};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, STRING_TAG};
use crate::prims::ints::{alloc_int64, int64_val};
use crate::prims::io::registry;
use crate::prims::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_unix_open", open),
    ("caml_unix_close", close),
    ("caml_unix_fsync", fsync),
    ("caml_unix_read", read),
    ("caml_unix_read_bigarray", read_bigarray),
    ("caml_unix_write", write),
    ("caml_unix_write_bigarray", write_bigarray),
    ("caml_unix_single_write", single_write),
    ("caml_unix_lseek", lseek),
    ("caml_unix_lseek_64", lseek_64),
    ("caml_unix_pipe", pipe),
    ("caml_unix_dup", dup),
    ("caml_unix_dup2", dup2),
    ("caml_unix_set_nonblock", set_nonblock),
    ("caml_unix_clear_nonblock", clear_nonblock),
    ("caml_unix_set_close_on_exec", set_close_on_exec),
    ("caml_unix_clear_close_on_exec", clear_close_on_exec),
    ("caml_unix_inchannel_of_filedescr", inchannel_of_filedescr),
    ("caml_unix_outchannel_of_filedescr", outchannel_of_filedescr),
    ("caml_unix_select", select),
    ("caml_unix_lockf", lockf),
    ("caml_unix_isatty", isatty),
    ("caml_unix_tcgetattr", terminal::tcgetattr),
    ("caml_unix_tcsetattr", terminal::tcsetattr),
    ("caml_unix_tcsendbreak", terminal::tcsendbreak),
    ("caml_unix_tcdrain", terminal::tcdrain),
    ("caml_unix_tcflush", terminal::tcflush),
    ("caml_unix_tcflow", terminal::tcflow),
    ("caml_unix_map_file", mapped::map_file),
    ("caml_unix_map_file_bytecode", mapped::map_file),
];

/// The most bytes `read`, `write` and `single_write` move per system call (the stock
/// `UNIX_BUFFER_SIZE`: they go through a buffer of this size).
const BUFFER_SIZE: usize = 65536;

/// The result of a system call returning -1 on failure: the value, or `errno`.
fn check<T: PartialEq + From<i8>>(r: T) -> Result<T, i32> {
    if r == T::from(-1) {
        Err(super::last_errno())
    } else {
        Ok(r)
    }
}

/// Sets or clears `FD_CLOEXEC` on `fd` (the stock `caml_unix_set_cloexec` and
/// `caml_unix_clear_cloexec`); the error names `cmd`.
fn set_cloexec(dom: &mut Domain, fd: i32, on: bool, cmd: &str) -> Result<(), Exn> {
    // SAFETY: fcntl on an int descriptor with int arguments has no memory effects.
    let r = check(unsafe { libc::fcntl(fd, libc::F_GETFD, 0) }).and_then(|flags| {
        let flags = if on { flags | libc::FD_CLOEXEC } else { flags & !libc::FD_CLOEXEC };
        // SAFETY: as above.
        check(unsafe { libc::fcntl(fd, libc::F_SETFD, flags) })
    });
    r.map(drop).map_err(|e| unix_error(dom, e, cmd, None))
}

/// Adds or removes `O_NONBLOCK` in the status flags of `fd`.
fn set_status_flag(dom: &mut Domain, fd: i32, on: bool, cmd: &str) -> PrimResult {
    // SAFETY: fcntl on an int descriptor with int arguments has no memory effects.
    let r = check(unsafe { libc::fcntl(fd, libc::F_GETFL, 0) }).and_then(|flags| {
        let flags = if on { flags | libc::O_NONBLOCK } else { flags & !libc::O_NONBLOCK };
        // SAFETY: as above.
        check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags) })
    });
    r.map(|_| Value::UNIT).map_err(|e| unix_error(dom, e, cmd, None))
}

/// Checks that `[ofs, ofs + len)` lies within `size` bytes; returns them as usize.
fn range(ofs: Value, len: Value, size: usize, what: &str) -> Result<(usize, usize), Exn> {
    let (ofs, len) = (ofs.int(), len.int());
    if ofs < 0 || len < 0 || ofs as usize > size || len as usize > size - ofs as usize {
        return Err(Exn::invalid_arg(what));
    }
    Ok((ofs as usize, len as usize))
}

/// The length of a `bytes` value (0 for anything else, which then fails the range check).
fn bytes_len(v: Value) -> usize {
    // SAFETY: the tag is read from a block; the length only of a string block.
    unsafe {
        if v.is_block() && v.tag() == STRING_TAG {
            v.string_len()
        } else {
            0
        }
    }
}

// Opening and closing.

/// `open_flag` constructors in declaration order, as `open(2)` flags; `O_SHARE_DELETE`
/// (Windows only), `O_CLOEXEC` and `O_KEEPEXEC` (see `open`) add none.
const OPEN_FLAGS: [i32; 15] = [
    libc::O_RDONLY,
    libc::O_WRONLY,
    libc::O_RDWR,
    libc::O_NONBLOCK,
    libc::O_APPEND,
    libc::O_CREAT,
    libc::O_TRUNC,
    libc::O_EXCL,
    libc::O_NOCTTY,
    libc::O_DSYNC,
    libc::O_SYNC,
    libc::O_RSYNC,
    0,
    0,
    0,
];
const O_CLOEXEC_INDEX: isize = 13;
const O_KEEPEXEC_INDEX: isize = 14;

fn open(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, flags, perm] = take(args)?;
    let cpath = c_path(dom, path, "open")?;
    let (mut oflags, mut cloexec, mut keepexec) = (0, false, false);
    for f in list_items(flags) {
        let i = f.int();
        oflags |= usize::try_from(i).ok().and_then(|i| OPEN_FLAGS.get(i)).copied().unwrap_or(0);
        cloexec |= i == O_CLOEXEC_INDEX;
        keepexec |= i == O_KEEPEXEC_INDEX;
    }
    // O_CLOEXEC wins over O_KEEPEXEC; with neither, the default applies.
    if cloexec || (!keepexec && CLOEXEC_DEFAULT) {
        oflags |= libc::O_CLOEXEC;
    }
    let perm = perm.int() as libc::c_uint;
    // Opening a FIFO waits for its other end.
    // SAFETY: `cpath` is a NUL-terminated string alive during the call.
    let (r, path) =
        blocking_keep(dom, path, || check(unsafe { libc::open(cpath.as_ptr(), oflags, perm) }));
    match r {
        Ok(fd) => Ok(Value::of_int(fd as isize)),
        Err(e) => Err(unix_error(dom, e, "open", Some(path))),
    }
}

fn close(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    let fd = fd_arg(fd);
    // SAFETY: closing a descriptor has no memory effects on this process's Rust state.
    let r = dom.blocking_section(|| check(unsafe { libc::close(fd) }));
    r.map(|_| Value::UNIT).map_err(|e| unix_error(dom, e, "close", None))
}

fn fsync(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    let fd = fd_arg(fd);
    // SAFETY: fsync has no memory effects.
    let r = dom.blocking_section(|| check(unsafe { libc::fsync(fd) }));
    r.map(|_| Value::UNIT).map_err(|e| unix_error(dom, e, "fsync", None))
}

// Reading and writing.

/// `read(2)` into Rust memory.
fn sys_read(fd: i32, dst: &mut [u8]) -> Result<usize, i32> {
    // SAFETY: `dst` is writable for its length.
    check(unsafe { libc::read(fd, dst.as_mut_ptr().cast(), dst.len()) }).map(|n| n as usize)
}

/// `write(2)` from Rust memory.
fn sys_write(fd: i32, src: &[u8]) -> Result<usize, i32> {
    // SAFETY: `src` is readable for its length.
    check(unsafe { libc::write(fd, src.as_ptr().cast(), src.len()) }).map(|n| n as usize)
}

fn is_would_block(e: i32) -> bool {
    e == libc::EAGAIN || e == libc::EWOULDBLOCK
}

fn read(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, buf, ofs, len] = take(args)?;
    let (ofs, len) = range(ofs, len, bytes_len(buf), "Unix.read")?;
    let fd = fd_arg(fd);
    let mut tmp = vec![0u8; len.min(BUFFER_SIZE)];
    let (r, buf) = blocking_keep(dom, buf, || sys_read(fd, &mut tmp));
    let n = r.map_err(|e| unix_error(dom, e, "read", None))?;
    // SAFETY: `buf` is the bytes checked above (rooted, so still that block), and
    // `ofs + n <= ofs + len` lies within it.
    unsafe { buf.bytes_mut()[ofs..ofs + n].copy_from_slice(&tmp[..n]) };
    Ok(Value::of_int(n as isize))
}

/// Copies `len` bytes of `buf` from `ofs` to a buffer and writes them to `fd` at most once
/// per `BUFFER_SIZE` bytes: until all are written (`single` false) or after one call.
/// Returns the bytes written; `Err` only when nothing could be written, or on an error
/// other than `EAGAIN`.
fn write_string(
    dom: &mut Domain,
    fd: i32,
    mut buf: Value,
    ofs: usize,
    len: usize,
    single: bool,
) -> Result<usize, i32> {
    let mut written = 0;
    while written < len {
        let n = (len - written).min(BUFFER_SIZE);
        let start = ofs + written;
        // SAFETY: `buf` is a bytes value (rooted across the write) holding `ofs + len` bytes.
        let chunk = unsafe { buf.bytes()[start..start + n].to_vec() };
        let (r, b) = blocking_keep(dom, buf, || sys_write(fd, &chunk));
        buf = b;
        match r {
            Ok(k) => written += k,
            Err(e) if !single && is_would_block(e) && written > 0 => break,
            Err(e) => return Err(e),
        }
        if single {
            break;
        }
    }
    Ok(written)
}

fn write(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, buf, ofs, len] = take(args)?;
    let (ofs, len) = range(ofs, len, bytes_len(buf), "Unix.write")?;
    match write_string(dom, fd_arg(fd), buf, ofs, len, false) {
        Ok(n) => Ok(Value::of_int(n as isize)),
        Err(e) => Err(unix_error(dom, e, "write", None)),
    }
}

fn single_write(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, buf, ofs, len] = take(args)?;
    let (ofs, len) = range(ofs, len, bytes_len(buf), "Unix.single_write")?;
    match write_string(dom, fd_arg(fd), buf, ofs, len, true) {
        Ok(n) => Ok(Value::of_int(n as isize)),
        Err(e) => Err(unix_error(dom, e, "single_write", None)),
    }
}

/// The storage of bigarray `ba` from byte `ofs` for `len` bytes, as a raw pointer (the
/// stock library addresses bigarrays by bytes here, whatever their kind).
fn bigarray_window(ba: Value, ofs: Value, len: Value, what: &str) -> Result<(*mut u8, usize), Exn> {
    let (data, size) = crate::prims::bigarray::with_data(ba, |d| (d.as_mut_ptr(), d.len()))
        .ok_or_else(|| Exn::invalid_arg(what))?;
    let (ofs, len) = range(ofs, len, size, what)?;
    // `range` keeps `ofs + len` within the storage's `size` bytes.
    Ok((data.wrapping_add(ofs), len))
}

fn read_bigarray(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, ba, ofs, len] = take(args)?;
    let (p, len) = bigarray_window(ba, ofs, len, "Unix.read_bigarray")?;
    let fd = fd_arg(fd);
    // The array stays rooted, so its storage (outside the heap) stays where it is.
    // SAFETY: `p` is writable for `len` bytes of the array's storage.
    let (r, _) = blocking_keep(dom, ba, || check(unsafe { libc::read(fd, p.cast(), len) }));
    match r {
        Ok(n) => Ok(Value::of_int(n)),
        Err(e) => Err(unix_error(dom, e, "read_bigarray", None)),
    }
}

fn write_bigarray(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, ba, ofs, len, single] = take(args)?;
    let (p, len) = bigarray_window(ba, ofs, len, "Unix.write_bigarray")?;
    let (fd, single) = (fd_arg(fd), single.int() != 0);
    // One blocking section for the whole loop, as the stock library.
    let (r, _) = blocking_keep(dom, ba, || {
        let mut written = 0;
        while written < len {
            // SAFETY: `p` is readable for `len` bytes of the (rooted) array's storage.
            let src = unsafe { std::slice::from_raw_parts(p.add(written), len - written) };
            match sys_write(fd, src) {
                Ok(k) => written += k,
                Err(e) if is_would_block(e) && written > 0 => break,
                Err(e) => return Err(e),
            }
            if single {
                break;
            }
        }
        Ok(written)
    });
    match r {
        Ok(n) => Ok(Value::of_int(n as isize)),
        Err(e) => Err(unix_error(dom, e, "write_bigarray", None)),
    }
}

// Seeking.

/// `seek_command` constructors as `lseek` whences.
fn whence(cmd: Value) -> i32 {
    match cmd.int() {
        0 => libc::SEEK_SET,
        1 => libc::SEEK_CUR,
        _ => libc::SEEK_END,
    }
}

fn sys_lseek(dom: &mut Domain, fd: Value, ofs: i64, cmd: Value) -> Result<i64, Exn> {
    let (fd, whence) = (fd_arg(fd), whence(cmd));
    // SAFETY: lseek has no memory effects.
    let r = dom.blocking_section(|| check(unsafe { libc::lseek(fd, ofs as libc::off_t, whence) }));
    r.map_err(|e| unix_error(dom, e, "lseek", None))
}

fn lseek(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, ofs, cmd] = take(args)?;
    let pos = sys_lseek(dom, fd, ofs.int() as i64, cmd)?;
    if pos > (isize::MAX >> 1) as i64 {
        return Err(unix_error(dom, libc::EOVERFLOW, "lseek", None));
    }
    Ok(Value::of_int(pos as isize))
}

fn lseek_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, ofs, cmd] = take(args)?;
    let pos = sys_lseek(dom, fd, int64_val(ofs), cmd)?;
    Ok(alloc_int64(dom, pos))
}

// Pipes and descriptor flags.

fn pipe(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [cloexec, _unit] = take(args)?;
    let mut fds = [0 as libc::c_int; 2];
    let flags = if cloexec_p(cloexec) { libc::O_CLOEXEC } else { 0 };
    // SAFETY: `fds` has room for the two descriptors.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), flags) })
        .map_err(|e| unix_error(dom, e, "pipe", None))?;
    Ok(dom.alloc_tuple(0, &[Value::of_int(fds[0] as isize), Value::of_int(fds[1] as isize)]))
}

fn dup(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [cloexec, fd] = take(args)?;
    let cmd = if cloexec_p(cloexec) { libc::F_DUPFD_CLOEXEC } else { libc::F_DUPFD };
    // SAFETY: fcntl with int arguments has no memory effects.
    match check(unsafe { libc::fcntl(fd_arg(fd), cmd, 0) }) {
        Ok(fd) => Ok(Value::of_int(fd as isize)),
        Err(e) => Err(unix_error(dom, e, "dup", None)),
    }
}

fn dup2(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [cloexec, fd1, fd2] = take(args)?;
    let (fd1, fd2) = (fd_arg(fd1), fd_arg(fd2));
    if fd1 == fd2 {
        // dup3 refuses this and dup2 does nothing: only an explicit flag is applied.
        if cloexec.is_block() {
            set_cloexec(dom, fd2, cloexec_p(cloexec), "dup2")?;
        }
    } else {
        let flags = if cloexec_p(cloexec) { libc::O_CLOEXEC } else { 0 };
        // SAFETY: dup3 has no memory effects.
        check(unsafe { libc::dup3(fd1, fd2, flags) })
            .map_err(|e| unix_error(dom, e, "dup2", None))?;
    }
    Ok(Value::UNIT)
}

fn set_nonblock(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    set_status_flag(dom, fd_arg(fd), true, "set_nonblock")
}

fn clear_nonblock(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    set_status_flag(dom, fd_arg(fd), false, "clear_nonblock")
}

fn set_close_on_exec(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    set_cloexec(dom, fd_arg(fd), true, "set_close_on_exec")?;
    Ok(Value::UNIT)
}

fn clear_close_on_exec(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    // The stock library names "set_close_on_exec" in this error too.
    set_cloexec(dom, fd_arg(fd), false, "set_close_on_exec")?;
    Ok(Value::UNIT)
}

fn isatty(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    // SAFETY: isatty has no memory effects.
    Ok(Value::of_bool(unsafe { libc::isatty(fd_arg(fd)) } == 1))
}

// Channels on descriptors.

/// 0 if `fd` behaves as a stream, fit for buffered channels (a regular file, a character
/// device, a pipe, a stream socket); otherwise an `errno` value (`EINVAL` for block devices,
/// directories, datagram sockets ...).
fn stream_semantics(fd: i32) -> i32 {
    // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is writable.
    if unsafe { libc::fstat(fd, &mut st) } == -1 {
        return super::last_errno();
    }
    match st.st_mode & libc::S_IFMT {
        libc::S_IFREG | libc::S_IFCHR | libc::S_IFIFO => 0,
        libc::S_IFSOCK => {
            let mut ty: libc::c_int = 0;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: `ty` and `len` are writable and `len` is the size of `ty`.
            let r = unsafe {
                libc::getsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_TYPE,
                    (&mut ty as *mut libc::c_int).cast(),
                    &mut len,
                )
            };
            if r == -1 {
                super::last_errno()
            } else if ty == libc::SOCK_STREAM {
                0
            } else {
                libc::EINVAL
            }
        }
        _ => libc::EINVAL,
    }
}

fn channel_of_descr(dom: &mut Domain, fd: Value, output: bool, cmd: &str) -> PrimResult {
    let fd = fd_arg(fd);
    let err = dom.blocking_section(|| stream_semantics(fd));
    if err != 0 {
        return Err(unix_error(dom, err, cmd, None));
    }
    Ok(registry::open(dom, fd, output, 0))
}

fn inchannel_of_filedescr(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    channel_of_descr(dom, fd, false, "in_channel_of_descr")
}

fn outchannel_of_filedescr(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    channel_of_descr(dom, fd, true, "out_channel_of_descr")
}

// select and lockf.

/// The descriptors of a `file_descr list` and their set; `None` if one is outside
/// `[0, FD_SETSIZE)`. `maxfd` grows to the largest.
fn fd_set_of(list: Value, maxfd: &mut i32) -> Option<(Vec<i32>, libc::fd_set)> {
    // SAFETY: an all-zero fd_set is a valid (empty) set; FD_ZERO makes it so anyway.
    let mut set: libc::fd_set = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid fd_set.
    unsafe { libc::FD_ZERO(&mut set) };
    let mut fds = Vec::new();
    for v in list_items(list) {
        let fd = v.int();
        if fd < 0 || fd >= libc::FD_SETSIZE as isize {
            return None;
        }
        // SAFETY: `fd` is within the set's range.
        unsafe { libc::FD_SET(fd as i32, &mut set) };
        *maxfd = (*maxfd).max(fd as i32);
        fds.push(fd as i32);
    }
    Some((fds, set))
}

/// The descriptors of `fds` that are in `set`, as a list in reverse order (the stock
/// library builds it by consing while walking the argument).
fn ready_list(dom: &mut Domain, fds: &[i32], set: &libc::fd_set) -> Value {
    let mut l = Value::EMPTY_LIST;
    for &fd in fds {
        // SAFETY: `fd` is within the set's range (checked by `fd_set_of`).
        if unsafe { libc::FD_ISSET(fd, set) } {
            l = dom.alloc_tuple(0, &[Value::of_int(fd as isize), l]);
        }
    }
    l
}

/// C's `(int) x` as x86-64 computes it: out of range (or NaN) gives `INT_MIN`, so a huge
/// timeout turns negative and `select` fails with EINVAL, as in the stock library.
fn c_int_of_double(x: f64) -> i32 {
    if x > -2147483649.0 && x < 2147483648.0 {
        x as i32
    } else {
        i32::MIN
    }
}

fn select(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [readfds, writefds, exceptfds, timeout] = take(args)?;
    let mut maxfd = -1;
    let sets = (
        fd_set_of(readfds, &mut maxfd),
        fd_set_of(writefds, &mut maxfd),
        fd_set_of(exceptfds, &mut maxfd),
    );
    let (Some((rfds, mut rset)), Some((wfds, mut wset)), Some((efds, mut eset))) = sets else {
        return Err(unix_error(dom, libc::EINVAL, "select", None));
    };
    // SAFETY: the timeout is a boxed float.
    let tm = unsafe { timeout.double() };
    let mut tv = libc::timeval { tv_sec: 0, tv_usec: 0 };
    let tvp: *mut libc::timeval = if tm < 0.0 {
        std::ptr::null_mut()
    } else {
        let sec = c_int_of_double(tm);
        tv.tv_sec = sec as crate::prims::unix::TimeT;
        tv.tv_usec = c_int_of_double(1e6 * (tm - sec as f64)) as crate::prims::unix::SusecondsT;
        &mut tv
    };
    // SAFETY: the sets and the timeout are valid and writable for the call.
    let r = dom.blocking_section(|| {
        // SAFETY: the sets and the timeout are valid and writable for the call.
        check(unsafe { libc::select(maxfd + 1, &mut rset, &mut wset, &mut eset, tvp) })
    });
    r.map_err(|e| unix_error(dom, e, "select", None))?;
    let r = ready_list(dom, &rfds, &rset);
    let w = ready_list(dom, &wfds, &wset);
    let e = ready_list(dom, &efds, &eset);
    Ok(dom.alloc_tuple(0, &[r, w, e]))
}

fn lockf(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, cmd, span] = take(args)?;
    let (fd, size) = (fd_arg(fd), span.int() as libc::off_t);
    // SAFETY: an all-zero `flock` is a valid value of this plain C struct.
    let mut l: libc::flock = unsafe { std::mem::zeroed() };
    // The region runs from the current position, backwards for a negative span.
    l.l_whence = libc::SEEK_CUR as libc::c_short;
    (l.l_start, l.l_len) = if size < 0 { (size, -size) } else { (0, size) };
    let fcntl = |op: i32, l: &mut libc::flock| {
        // SAFETY: `l` is a valid, writable flock.
        check(unsafe { libc::fcntl(fd, op, l as *mut libc::flock) })
    };
    let r = match cmd.int() {
        // F_ULOCK
        0 => {
            l.l_type = libc::F_UNLCK as libc::c_short;
            fcntl(libc::F_SETLK, &mut l)
        }
        // F_LOCK and F_RLOCK wait for the lock.
        1 | 4 => {
            let ty = if cmd.int() == 1 { libc::F_WRLCK } else { libc::F_RDLCK };
            l.l_type = ty as libc::c_short;
            dom.blocking_section(|| fcntl(libc::F_SETLKW, &mut l))
        }
        // F_TLOCK and F_TRLOCK
        2 | 5 => {
            let ty = if cmd.int() == 2 { libc::F_WRLCK } else { libc::F_RDLCK };
            l.l_type = ty as libc::c_short;
            fcntl(libc::F_SETLK, &mut l)
        }
        // F_TEST: EACCES when another process holds a lock on the region.
        3 => {
            l.l_type = libc::F_WRLCK as libc::c_short;
            match fcntl(libc::F_GETLK, &mut l) {
                Ok(_) if l.l_type != libc::F_UNLCK as libc::c_short => Err(libc::EACCES),
                r => r,
            }
        }
        _ => Err(libc::EINVAL),
    };
    r.map(|_| Value::UNIT).map_err(|e| unix_error(dom, e, "lockf", None))
}
