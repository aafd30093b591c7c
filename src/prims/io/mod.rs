//! The channel primitives of `io.c`: buffered input and output on file descriptors.
//!
//! `channel` holds the buffer arithmetic of one channel, `registry` the process-wide set of
//! channels and the `_chan` custom blocks; this file decodes the OCaml arguments, locks the
//! channel for the duration of one primitive and turns failures into the stock exceptions.
//! Nothing is flushed when the process exits: `Stdlib.do_at_exit` does that from OCaml.
//!
//! Blocking: every system call on a channel runs in a blocking section (see `channel`), so
//! while one domain waits for input, the others run and collect. They may then move or free
//! OCaml values, so a primitive keeps its values in the domain's local roots for the whole
//! operation (`with_chan`), reads them back after each call that may block, and copies between
//! OCaml memory and the channel's buffer only with the heap lock held.

pub mod channel;
pub mod registry;

use self::channel::{Blocking, IoErr, TEXT_MODE, UNBUFFERED};
use self::registry::Locked;
use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, STRING_TAG};
use crate::prims::bigarray;
use crate::prims::ints::{alloc_int64, int64_val};
use std::sync::atomic::{AtomicBool, Ordering};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_channel_descriptor", channel_descriptor),
    ("caml_ml_channel_size", channel_size),
    ("caml_ml_channel_size_64", channel_size_64),
    ("caml_ml_close_channel", close_channel),
    ("caml_ml_flush", flush),
    ("caml_ml_input", input),
    ("caml_ml_input_bigarray", input_bigarray),
    ("caml_ml_input_char", input_char),
    ("caml_ml_input_int", input_int),
    ("caml_ml_input_scan_line", input_scan_line),
    ("caml_ml_is_binary_mode", is_binary_mode),
    ("caml_ml_is_buffered", is_buffered),
    ("caml_ml_open_descriptor_in", open_descriptor_in),
    ("caml_ml_open_descriptor_in_with_flags", open_descriptor_in_with_flags),
    ("caml_ml_open_descriptor_out", open_descriptor_out),
    ("caml_ml_open_descriptor_out_with_flags", open_descriptor_out_with_flags),
    ("caml_ml_out_channels_list", out_channels_list),
    ("caml_ml_output", output),
    ("caml_ml_output_bigarray", output_bigarray),
    ("caml_ml_output_bytes", output),
    ("caml_ml_output_char", output_char),
    ("caml_ml_output_int", output_int),
    ("caml_ml_pos_in", pos_in),
    ("caml_ml_pos_in_64", pos_in_64),
    ("caml_ml_pos_out", pos_out),
    ("caml_ml_pos_out_64", pos_out_64),
    ("caml_ml_seek_in", seek_in),
    ("caml_ml_seek_in_64", seek_in_64),
    ("caml_ml_seek_out", seek_out),
    ("caml_ml_seek_out_64", seek_out_64),
    ("caml_ml_set_binary_mode", set_binary_mode),
    ("caml_ml_set_buffered", set_buffered),
    ("caml_ml_set_channel_name", set_channel_name),
    ("caml_terminfo_rows", terminfo_rows),
];

/// Process setup for channels; idempotent, so every domain may call it. SIGPIPE keeps the
/// disposition the process inherited, as under ocamlrun (the `warden` binary starts without
/// the Rust runtime's start-up, which would ignore it: see src/main.rs), so a program writing
/// to a closed pipe dies of the signal unless its parent ignored it.
pub fn init(dom: &mut Domain) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| set_runtime_warnings(dom.config.runtime_warnings != 0));
}

/// Flushes the buffered output of the open channels on stdout and stderr, ignoring errors
/// (before a fatal error message).
pub fn flush_std_channels(dom: &mut Domain) {
    registry::for_each_output_on(dom, &[1, 2], |c, dom| {
        let _ = c.flush(dom);
    });
}

/// A domain runs the system calls of channels in blocking sections.
impl Blocking for Domain {
    fn blocking<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.blocking_section(f)
    }
}

/// Writes `msg` to file descriptor 2 directly, bypassing channels (as C's `stderr` does).
pub fn write_stderr(msg: &[u8]) {
    let mut rest = msg;
    while !rest.is_empty() {
        // SAFETY: rest is a valid byte slice.
        let r = unsafe { libc::write(2, rest.as_ptr().cast(), rest.len()) };
        if r > 0 {
            rest = &rest[r as usize..];
        } else if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        } else {
            return;
        }
    }
}

// Runtime warnings (`OCAMLRUNPARAM=W`, `Sys.enable_runtime_warnings`). The channel finaliser
// runs inside the collector without a domain, so it reads this process-wide copy of the flag;
// `caml_ml_enable_runtime_warnings` must keep it current through `set_runtime_warnings`.

/// Relaxed: an independent flag; a late view only delays a warning.
static RUNTIME_WARNINGS: AtomicBool = AtomicBool::new(false);
static WARNINGS_HINT_SHOWN: AtomicBool = AtomicBool::new(false);

/// Turns runtime warnings on or off (`caml_ml_enable_runtime_warnings`).
pub fn set_runtime_warnings(on: bool) {
    RUNTIME_WARNINGS.store(on, Ordering::Relaxed);
}

/// Whether runtime warnings are on (`caml_ml_runtime_warnings_enabled`).
pub fn runtime_warnings_enabled() -> bool {
    RUNTIME_WARNINGS.load(Ordering::Relaxed)
}

/// Whether to print a runtime warning now; the first time, also says how to silence them.
pub fn runtime_warnings_active() -> bool {
    if !runtime_warnings_enabled() {
        return false;
    }
    // Relaxed: only decides which caller prints the hint, once.
    if !WARNINGS_HINT_SHOWN.swap(true, Ordering::Relaxed) {
        write_stderr(b"[ocaml] (use Sys.enable_runtime_warnings to control these warnings)\n");
    }
    true
}

/// The descriptor of channel `v` (-1 once closed); never waits for the channel.
pub fn channel_fd(v: Value) -> Result<i32, Exn> {
    registry::descriptor(v)
}

// Argument decoding and errors.

fn take<const N: usize>(args: &[Value]) -> Result<[Value; N], Exn> {
    args.get(..N)
        .and_then(|s| <[Value; N]>::try_from(s).ok())
        .ok_or_else(|| Exn::fatal("channel primitive called with too few arguments"))
}

/// The exception for a failed channel operation, as the stock runtime raises it.
pub fn io_exn(e: IoErr) -> Exn {
    match e {
        IoErr::Io(n) if n == libc::EAGAIN || n == libc::EWOULDBLOCK => Exn::sys_blocked_io(),
        IoErr::Io(n) | IoErr::Sys(n) => {
            Exn::sys_error_os(None, &std::io::Error::from_raw_os_error(n))
        }
        IoErr::Eof => Exn::end_of_file(),
        IoErr::Fail(msg) => Exn::failure(msg),
    }
}

/// The OCaml values of a channel operation (the channel first), rooted in the domain's local
/// roots while it runs. Read them with `get` after every call that may block: meanwhile other
/// domains may have collected and moved them.
#[derive(Clone, Copy)]
pub struct Rooted {
    base: usize,
}

impl Rooted {
    pub fn get(self, dom: &Domain, i: usize) -> Value {
        dom.local_roots[self.base + i]
    }
}

/// Runs `op` on the locked channel of `vals[0]` with `vals` (the primitive's arguments) rooted;
/// `op` gets the domain, to run system calls in blocking sections and to read the values back
/// (`Rooted::get`). When a system call is interrupted, the channel is unlocked, the pending
/// OCaml signal handlers run (they may raise, or collect and move the values), and `op` runs
/// again, as the stock runtime's `check_pending` does; what it must not redo, it counts in
/// state it captures.
pub fn with_chan<R>(
    dom: &mut Domain,
    vals: &[Value],
    mut op: impl FnMut(&mut Locked, &mut Domain, Rooted) -> Result<R, IoErr>,
) -> Result<R, Exn> {
    let roots = Rooted { base: dom.local_roots.len() };
    dom.local_roots.extend_from_slice(vals);
    let r = loop {
        let chan = roots.get(dom, 0);
        let r = match registry::lock_channel(dom, chan) {
            // The channel is unlocked at the end of this arm, before any signal handler runs.
            Ok(mut chan) => op(&mut chan, dom, roots),
            Err(e) => break Err(e),
        };
        match r {
            Ok(x) => break Ok(x),
            Err(IoErr::Io(libc::EINTR)) => {
                if let Err(e) = crate::domain::pending::run_pending_signals(dom) {
                    break Err(e);
                }
            }
            Err(e) => break Err(io_exn(e)),
        }
    };
    dom.local_roots.truncate(roots.base);
    r
}

/// Checks that `[pos, pos+len)` lies inside the bytes `buf`; returns them as usize.
fn bytes_range(buf: Value, pos: Value, len: Value) -> Result<(usize, usize), Exn> {
    let (pos, len) = (pos.int(), len.int());
    // SAFETY: tag and length are read only after checking that buf is a block.
    let size = if buf.is_block() && unsafe { buf.tag() } == STRING_TAG {
        // SAFETY: buf is a String_tag block (checked above).
        unsafe { buf.string_len() }
    } else {
        0
    };
    if pos < 0 || len < 0 || pos as usize > size || len as usize > size - pos as usize {
        return Err(Exn::invalid_arg("index out of bounds"));
    }
    Ok((pos as usize, len as usize))
}

/// Checks that `[pos, pos+len)` lies inside the data of bigarray `ba`; returns them as usize.
fn bigarray_range(ba: Value, pos: Value, len: Value) -> Result<(usize, usize), Exn> {
    let size =
        bigarray::with_data(ba, |d| d.len()).ok_or_else(|| Exn::invalid_arg("not a bigarray"))?;
    let (pos, len) = (pos.int(), len.int());
    if pos < 0 || len < 0 || pos as usize > size || len as usize > size - pos as usize {
        return Err(Exn::invalid_arg("index out of bounds"));
    }
    Ok((pos as usize, len as usize))
}

/// Runs `f` on the bytes `range` of bigarray `ba` (checked before by `bigarray_range`, with a
/// value that was the same block; EFAULT if that no longer holds).
fn with_bigarray_bytes<R>(
    ba: Value,
    range: std::ops::Range<usize>,
    f: impl FnOnce(&mut [u8]) -> R,
) -> Result<R, IoErr> {
    bigarray::with_data(ba, |d| d.get_mut(range).map(f)).flatten().ok_or(IoErr::Io(libc::EFAULT))
}

/// An OCaml int from a file position, or EOVERFLOW when it does not fit.
fn offset_int(pos: i64) -> PrimResult {
    if pos > (isize::MAX >> 1) as i64 {
        return Err(io_exn(IoErr::Sys(libc::EOVERFLOW)));
    }
    Ok(Value::of_int(pos as isize))
}

// Opening and the channel list.

fn open_descriptor_in(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    Ok(registry::open(dom, fd.int() as i32, false, 0))
}

fn open_descriptor_in_with_flags(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, flags] = take(args)?;
    Ok(registry::open(dom, fd.int() as i32, false, flags.int() as i32))
}

fn open_descriptor_out(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    Ok(registry::open(dom, fd.int() as i32, true, 0))
}

fn open_descriptor_out_with_flags(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, flags] = take(args)?;
    Ok(registry::open(dom, fd.int() as i32, true, flags.int() as i32))
}

fn out_channels_list(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let chans = registry::out_channels(dom);
    Ok(dom.alloc_list(&chans))
}

fn set_channel_name(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, name] = take(args)?;
    // SAFETY: the tag is read only from a block.
    if !name.is_block() || unsafe { name.tag() } != STRING_TAG {
        return Err(Exn::invalid_arg("set_channel_name"));
    }
    // SAFETY: name is a string block (OCaml's types), read before any allocation.
    let bytes = unsafe { name.bytes() };
    let stored = if bytes.is_empty() {
        None
    } else {
        // The name is kept as a C string: it stops at the first NUL.
        Some(bytes.iter().take_while(|&&b| b != 0).copied().collect())
    };
    registry::lock_channel(dom, ch)?.name = stored;
    Ok(Value::UNIT)
}

fn channel_descriptor(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    match channel_fd(ch)? {
        -1 => Err(io_exn(IoErr::Sys(libc::EBADF))),
        fd => Ok(Value::of_int(fd as isize)),
    }
}

fn close_channel(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    // A failing close(2) is not retried (its error is `Sys`, not an interrupted `Io`): the
    // descriptor is gone either way.
    with_chan(dom, &[ch], |c, dom, _| c.close(dom))?;
    Ok(Value::UNIT)
}

fn channel_size(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    offset_int(with_chan(dom, &[ch], |c, dom, _| c.size(dom))?)
}

fn channel_size_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let size = with_chan(dom, &[ch], |c, dom, _| c.size(dom))?;
    Ok(alloc_int64(dom, size))
}

// Modes.

fn set_binary_mode(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    // Unix has no text mode: nothing to do, not even for a closed channel.
    take::<2>(args)?;
    Ok(Value::UNIT)
}

fn is_binary_mode(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let flags = registry::lock_channel(dom, ch)?.flags;
    Ok(Value::of_bool(flags & TEXT_MODE == 0))
}

fn set_buffered(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, mode] = take(args)?;
    with_chan(dom, &[ch], |c, dom, _| {
        if mode.int() != 0 {
            c.flags &= !UNBUFFERED;
            Ok(())
        } else {
            c.flags |= UNBUFFERED;
            if c.fd != -1 {
                c.flush(dom)?;
            }
            Ok(())
        }
    })?;
    Ok(Value::UNIT)
}

fn is_buffered(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let flags = registry::lock_channel(dom, ch)?.flags;
    Ok(Value::of_bool(flags & UNBUFFERED == 0))
}

fn terminfo_rows(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let fd = channel_fd(ch)?;
    // SAFETY: winsize is plain data; ioctl writes at most one winsize.
    let rows = unsafe {
        let mut w: libc::winsize = std::mem::zeroed();
        if libc::ioctl(fd, libc::TIOCGWINSZ, &mut w) == 0 {
            w.ws_row as isize
        } else {
            -1
        }
    };
    Ok(Value::of_int(rows))
}

// Output.

fn flush(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    // A closed channel is silently accepted: libraries flush at exit channels they closed.
    with_chan(dom, &[ch], |c, dom, _| if c.fd != -1 { c.flush(dom) } else { Ok(()) })?;
    Ok(Value::UNIT)
}

fn output_char(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, c] = take(args)?;
    // The common case, kept short: room in the buffer of a buffered channel.
    if registry::lock_channel(dom, ch)?.put_buffered(c.int() as u8) {
        return Ok(Value::UNIT);
    }
    let mut put = false;
    with_chan(dom, &[ch], |chan, dom, _| {
        if !put {
            chan.putch(c.int() as u8, dom)?;
            put = true;
        }
        chan.flush_if_unbuffered(dom)
    })?;
    Ok(Value::UNIT)
}

fn output_int(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, w] = take(args)?;
    let mut done = 0;
    with_chan(dom, &[ch], |chan, dom, _| {
        chan.putword(w.int() as u32, &mut done, dom)?;
        chan.flush_if_unbuffered(dom)
    })?;
    Ok(Value::UNIT)
}

/// `caml_ml_output` and `caml_ml_output_bytes` (strings and bytes share a representation).
fn output(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, buf, pos, len] = take(args)?;
    let (mut pos, mut len) = if len.int() > 0 { bytes_range(buf, pos, len)? } else { (0, 0) };
    with_chan(dom, &[ch, buf], |chan, dom, v| {
        while len > 0 {
            let s = v.get(dom, 1);
            let (n, full) = chan.put_from(len, |dst| {
                // SAFETY: s is the string block holding [pos, pos+len) (checked above, and its
                // length cannot change), just read back from the roots; nothing runs while the
                // slice is used, and dst.len() <= len.
                dst.copy_from_slice(unsafe { &s.bytes()[pos..pos + dst.len()] })
            });
            pos += n;
            len -= n;
            if full {
                chan.flush_partial(dom)?;
            }
        }
        chan.flush_if_unbuffered(dom)
    })?;
    Ok(Value::UNIT)
}

fn output_bigarray(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, ba, pos, len] = take(args)?;
    let (pos, len) = bigarray_range(ba, pos, len)?;
    let mut done = 0;
    // As in stock, an unbuffered channel is not flushed here.
    with_chan(dom, &[ch, ba], |chan, dom, v| {
        while done < len {
            let (n, full) = with_bigarray_bytes(v.get(dom, 1), pos + done..pos + len, |src| {
                chan.put_from(src.len(), |dst| dst.copy_from_slice(&src[..dst.len()]))
            })?;
            done += n;
            if full {
                chan.flush_partial(dom)?;
            }
        }
        Ok(())
    })?;
    Ok(Value::UNIT)
}

fn seek_out(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    with_chan(dom, &[ch], |c, dom, _| c.seek_out(pos.int() as i64, dom))?;
    Ok(Value::UNIT)
}

fn seek_out_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    let dest = int64_val(pos);
    with_chan(dom, &[ch], |c, dom, _| c.seek_out(dest, dom))?;
    Ok(Value::UNIT)
}

fn pos_out(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    offset_int(with_chan(dom, &[ch], |c, _, _| Ok(c.pos_out()))?)
}

fn pos_out_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let pos = with_chan(dom, &[ch], |c, _, _| Ok(c.pos_out()))?;
    Ok(alloc_int64(dom, pos))
}

// Input.

fn input_char(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let c = with_chan(dom, &[ch], |c, dom, _| c.getch(dom))?;
    Ok(Value::of_int(c as isize))
}

fn input_int(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let mut acc = (0, 0);
    let w = with_chan(dom, &[ch], |c, dom, _| c.getword(&mut acc, dom))?;
    Ok(Value::of_int(w as i32 as isize))
}

/// `caml_ml_input`: the bytes come from the channel's buffer (filled, when empty, by a read in
/// a blocking section) and are copied into `buf` afterwards, with the heap lock held.
fn input(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, buf, pos, len] = take(args)?;
    let (pos, len) = bytes_range(buf, pos, len)?;
    let n = with_chan(dom, &[ch, buf], |c, dom, v| {
        let src = c.get_some(len, dom)?;
        let buf = v.get(dom, 1);
        // SAFETY: buf is the string block holding [pos, pos+len) (checked above, and its length
        // cannot change), read back from the roots after the read; src.len() <= len, and
        // nothing runs while the slice is used.
        unsafe { buf.bytes_mut()[pos..pos + src.len()].copy_from_slice(src) };
        Ok(src.len())
    })?;
    Ok(Value::of_int(n as isize))
}

fn input_bigarray(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, ba, pos, len] = take(args)?;
    let (pos, len) = bigarray_range(ba, pos, len)?;
    let n = with_chan(dom, &[ch, ba], |c, dom, v| {
        let src = c.get_some(len, dom)?;
        with_bigarray_bytes(v.get(dom, 1), pos..pos + src.len(), |dst| dst.copy_from_slice(src))?;
        Ok(src.len())
    })?;
    Ok(Value::of_int(n as isize))
}

fn input_scan_line(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let n = with_chan(dom, &[ch], |c, dom, _| c.scan_line(dom))?;
    Ok(Value::of_int(n))
}

fn seek_in(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    with_chan(dom, &[ch], |c, dom, _| c.seek_in(pos.int() as i64, dom))?;
    Ok(Value::UNIT)
}

fn seek_in_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    let dest = int64_val(pos);
    with_chan(dom, &[ch], |c, dom, _| c.seek_in(dest, dom))?;
    Ok(Value::UNIT)
}

fn pos_in(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    offset_int(with_chan(dom, &[ch], |c, _, _| Ok(c.pos_in()))?)
}

fn pos_in_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let pos = with_chan(dom, &[ch], |c, _, _| Ok(c.pos_in()))?;
    Ok(alloc_int64(dom, pos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::sync::{mpsc, Arc};
    use std::time::Duration;

    fn pipe() -> (i32, i32) {
        let mut fds = [0; 2];
        // SAFETY: fds has room for two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        (fds[0], fds[1])
    }

    /// Domain B blocks reading a pipe, holding the channel; the main domain then asks for the
    /// same channel. It must wait without the heap lock: B needs that lock to finish its
    /// read, so waiting with it would deadlock (as it did when channels were locked plainly).
    #[test]
    fn waiting_for_a_channel_busy_in_a_blocking_read_does_not_deadlock() {
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let config = Arc::new(Config::default());
            let mut main = Domain::new(config.clone());
            let (r, w) = pipe();
            let chan = registry::open(&mut main, r, false, 0);
            let shared = main.shared.clone();
            let (b_tx, b_rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut b = Domain::with_shared(config, shared, 1, 1);
                b.shared.enter();
                b.lock_heap();
                let c = input_char(&mut b, &[chan]).map(|v| v.int());
                b.unlock_heap();
                b.shared.leave();
                b_tx.send(c.ok()).unwrap();
            });
            // Let B take the heap lock and block in its read, holding the channel.
            main.blocking_section(|| std::thread::sleep(Duration::from_millis(100)));
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(200));
                // SAFETY: writing two bytes from a static buffer to the pipe's write end.
                assert_eq!(unsafe { libc::write(w, b"ab".as_ptr().cast(), 2) }, 2);
                // SAFETY: the write end is this thread's to close.
                unsafe { libc::close(w) };
            });
            main.lock_heap();
            let mine = input_char(&mut main, &[chan]).map(|v| v.int()).ok();
            close_channel(&mut main, &[chan]).unwrap();
            main.unlock_heap();
            done_tx.send((b_rx.recv().unwrap(), mine)).unwrap();
        });
        let got = done_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("deadlock: a domain waited for a channel holding the heap lock");
        assert_eq!(got, (Some(b'a' as isize), Some(b'b' as isize)));
    }
}
