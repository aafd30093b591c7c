//! The channel primitives of `io.c`: buffered input and output on file descriptors.
//!
//! `channel` holds the buffer arithmetic of one channel, `registry` the process-wide set of
//! channels and the `_chan` custom blocks; this file decodes the OCaml arguments, locks the
//! channel for the duration of one primitive and turns failures into the stock exceptions.
//! Nothing is flushed when the process exits: `Stdlib.do_at_exit` does that from OCaml.

pub mod channel;
pub mod registry;

use self::channel::{Channel, IoErr, TEXT_MODE, UNBUFFERED};
use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, STRING_TAG};
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

/// Process setup for channels; idempotent, so every domain may call it.
pub fn init(dom: &mut Domain) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        set_runtime_warnings(dom.config.runtime_warnings != 0);
        // The Rust runtime starts with SIGPIPE ignored; ocamlrun leaves it at its default, so
        // a program writing to a closed pipe dies of the signal (and so do its children).
        // SAFETY: installing the default disposition has no memory effects.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    });
}

/// Flushes the buffered output of the open channels on stdout and stderr, ignoring errors
/// (before a fatal error message).
pub fn flush_std_channels(_dom: &mut Domain) {
    registry::for_each_output_on(&[1, 2], |c| {
        let _ = c.flush();
    });
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

/// Reads from channel `chan` until `buf` is full or the input ends; returns the bytes read
/// (`caml_really_getblock`). Signal handlers run when a read is interrupted.
pub fn really_getblock(dom: &mut Domain, chan: Value, buf: &mut [u8]) -> Result<usize, Exn> {
    let mut done = 0;
    with_chan(dom, &[chan], |c, _| {
        while done < buf.len() {
            match c.getblock(&mut buf[done..])? {
                0 => break,
                n => done += n,
            }
        }
        Ok(())
    })?;
    Ok(done)
}

/// Writes `parts` one after the other to channel `chan`, then flushes it if it is unbuffered
/// (`caml_really_putblock`, `caml_flush_if_unbuffered`). Signal handlers run when a write is
/// interrupted.
pub fn really_putblocks(dom: &mut Domain, chan: Value, parts: &[&[u8]]) -> Result<(), Exn> {
    let (mut part, mut done) = (0, 0);
    with_chan(dom, &[chan], |c, _| {
        while let Some(p) = parts.get(part) {
            while done < p.len() {
                done += c.putblock(&p[done..])?;
            }
            part += 1;
            done = 0;
        }
        c.flush_if_unbuffered()
    })
}

/// Whether channel `chan` is in binary mode.
pub fn is_binary(chan: Value) -> Result<bool, Exn> {
    Ok(registry::lock_channel(chan)?.is_binary())
}

/// The descriptor of channel `v` (-1 once closed).
pub fn channel_fd(v: Value) -> Result<i32, Exn> {
    Ok(registry::lock_channel(v)?.fd)
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
        IoErr::Io(n) | IoErr::Sys(n) => Exn::sys_error_os(None, &std::io::Error::from_raw_os_error(n)),
        IoErr::Eof => Exn::end_of_file(),
        IoErr::Fail(msg) => Exn::failure(msg),
    }
}

/// Runs `op` on the locked channel of `vals[0]`, passing the current `vals` (the primitive's
/// arguments). When a system call is interrupted, the channel is unlocked, the pending OCaml
/// signal handlers run with `vals` rooted (they may raise, or collect and move the values), and
/// `op` runs again with the values reloaded, as the stock runtime's `check_pending` does.
fn with_chan<R>(
    dom: &mut Domain,
    vals: &[Value],
    mut op: impl FnMut(&mut Channel, &[Value]) -> Result<R, IoErr>,
) -> Result<R, Exn> {
    let n = vals.len().min(4);
    let mut cur = [Value::UNIT; 4];
    cur[..n].copy_from_slice(&vals[..n]);
    loop {
        let r = {
            let mut chan = registry::lock_channel(cur[0])?;
            op(&mut chan, &cur[..n])
        };
        match r {
            Ok(x) => return Ok(x),
            Err(IoErr::Io(libc::EINTR)) => {
                let base = dom.local_roots.len();
                dom.local_roots.extend_from_slice(&cur[..n]);
                let res = crate::prims::misc::run_pending_signals(dom);
                cur[..n].copy_from_slice(&dom.local_roots[base..base + n]);
                dom.local_roots.truncate(base);
                res?;
            }
            Err(e) => return Err(io_exn(e)),
        }
    }
}

/// Checks that `[pos, pos+len)` lies inside the bytes `buf`; returns them as usize.
fn bytes_range(buf: Value, pos: Value, len: Value) -> Result<(usize, usize), Exn> {
    let (pos, len) = (pos.int(), len.int());
    // SAFETY: tag and length are read only after checking that buf is a block.
    let size =
        if buf.is_block() && unsafe { buf.tag() } == STRING_TAG { unsafe { buf.string_len() } } else { 0 };
    if pos < 0 || len < 0 || pos as usize > size || len as usize > size - pos as usize {
        return Err(Exn::invalid_arg("index out of bounds"));
    }
    Ok((pos as usize, len as usize))
}

/// The range `[pos, pos+len)` of a bigarray's data, checked. The slice is valid only during
/// the calling primitive (see `bigarray::data_slice`).
fn bigarray_range(ba: Value, pos: Value, len: Value) -> Result<&'static mut [u8], Exn> {
    let data = crate::prims::bigarray::data_slice(ba).ok_or_else(|| Exn::invalid_arg("not a bigarray"))?;
    let (pos, len) = (pos.int(), len.int());
    if pos < 0 || len < 0 || pos as usize > data.len() || len as usize > data.len() - pos as usize {
        return Err(Exn::invalid_arg("index out of bounds"));
    }
    Ok(&mut data[pos as usize..(pos + len) as usize])
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

fn set_channel_name(_dom: &mut Domain, args: &[Value]) -> PrimResult {
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
    registry::lock_channel(ch)?.name = stored;
    Ok(Value::UNIT)
}

fn channel_descriptor(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    match channel_fd(ch)? {
        -1 => Err(io_exn(IoErr::Sys(libc::EBADF))),
        fd => Ok(Value::of_int(fd as isize)),
    }
}

fn close_channel(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    // A failing close(2) is not retried: the descriptor is gone either way.
    registry::lock_channel(ch)?.close().map_err(io_exn)?;
    Ok(Value::UNIT)
}

fn channel_size(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    offset_int(with_chan(dom, &[ch], |c, _| c.size())?)
}

fn channel_size_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let size = with_chan(dom, &[ch], |c, _| c.size())?;
    Ok(alloc_int64(dom, size))
}

// Modes.

fn set_binary_mode(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    // Unix has no text mode: nothing to do, not even for a closed channel.
    take::<2>(args)?;
    Ok(Value::UNIT)
}

fn is_binary_mode(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let flags = registry::lock_channel(ch)?.flags;
    Ok(Value::of_bool(flags & TEXT_MODE == 0))
}

fn set_buffered(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, mode] = take(args)?;
    with_chan(dom, &[ch], |c, _| {
        if mode.int() != 0 {
            c.flags &= !UNBUFFERED;
            Ok(())
        } else {
            c.flags |= UNBUFFERED;
            if c.fd != -1 {
                c.flush()?;
            }
            Ok(())
        }
    })?;
    Ok(Value::UNIT)
}

fn is_buffered(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let flags = registry::lock_channel(ch)?.flags;
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
    with_chan(dom, &[ch], |c, _| if c.fd != -1 { c.flush() } else { Ok(()) })?;
    Ok(Value::UNIT)
}

fn output_char(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, c] = take(args)?;
    // The common case, kept short: room in the buffer of a buffered channel.
    if registry::lock_channel(ch)?.put_buffered(c.int() as u8) {
        return Ok(Value::UNIT);
    }
    let mut put = false;
    with_chan(dom, &[ch], |chan, _| {
        if !put {
            chan.putch(c.int() as u8)?;
            put = true;
        }
        chan.flush_if_unbuffered()
    })?;
    Ok(Value::UNIT)
}

fn output_int(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, w] = take(args)?;
    let mut done = 0;
    with_chan(dom, &[ch], |chan, _| {
        chan.putword(w.int() as u32, &mut done)?;
        chan.flush_if_unbuffered()
    })?;
    Ok(Value::UNIT)
}

/// `caml_ml_output` and `caml_ml_output_bytes` (strings and bytes share a representation).
fn output(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, buf, pos, len] = take(args)?;
    let (mut pos, mut len) = if len.int() > 0 { bytes_range(buf, pos, len)? } else { (0, 0) };
    with_chan(dom, &[ch, buf], |chan, v| {
        while len > 0 {
            // SAFETY: v[1] is the live string block holding [pos, pos+len) (checked above, and
            // its length cannot change); no allocation happens while the slice is used.
            let src = unsafe { &v[1].bytes()[pos..pos + len] };
            let n = chan.putblock(src)?;
            pos += n;
            len -= n;
        }
        chan.flush_if_unbuffered()
    })?;
    Ok(Value::UNIT)
}

fn output_bigarray(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, ba, pos, len] = take(args)?;
    bigarray_range(ba, pos, len)?;
    let mut done = 0;
    // As in stock, an unbuffered channel is not flushed here.
    with_chan(dom, &[ch, ba], |chan, v| {
        let data = bigarray_range(v[1], pos, len).map_err(|_| IoErr::Io(libc::EFAULT))?;
        while done < data.len() {
            done += chan.putblock(&data[done..])?;
        }
        Ok(())
    })?;
    Ok(Value::UNIT)
}

fn seek_out(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    with_chan(dom, &[ch], |c, _| c.seek_out(pos.int() as i64))?;
    Ok(Value::UNIT)
}

fn seek_out_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    let dest = int64_val(pos);
    with_chan(dom, &[ch], |c, _| c.seek_out(dest))?;
    Ok(Value::UNIT)
}

fn pos_out(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    offset_int(with_chan(dom, &[ch], |c, _| Ok(c.pos_out()))?)
}

fn pos_out_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let pos = with_chan(dom, &[ch], |c, _| Ok(c.pos_out()))?;
    Ok(alloc_int64(dom, pos))
}

// Input.

fn input_char(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let c = with_chan(dom, &[ch], |c, _| c.getch())?;
    Ok(Value::of_int(c as isize))
}

fn input_int(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let mut acc = (0, 0);
    let w = with_chan(dom, &[ch], |c, _| c.getword(&mut acc))?;
    Ok(Value::of_int(w as i32 as isize))
}

fn input(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, buf, pos, len] = take(args)?;
    let (pos, len) = bytes_range(buf, pos, len)?;
    let n = with_chan(dom, &[ch, buf], |c, v| {
        // SAFETY: v[1] is the live string block holding [pos, pos+len) (checked above); no
        // allocation happens while the slice is used.
        let dst = unsafe { &mut v[1].bytes_mut()[pos..pos + len] };
        c.getblock(dst)
    })?;
    Ok(Value::of_int(n as isize))
}

fn input_bigarray(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, ba, pos, len] = take(args)?;
    bigarray_range(ba, pos, len)?;
    let n = with_chan(dom, &[ch, ba], |c, v| {
        let data = bigarray_range(v[1], pos, len).map_err(|_| IoErr::Io(libc::EFAULT))?;
        c.getblock(data)
    })?;
    Ok(Value::of_int(n as isize))
}

fn input_scan_line(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let n = with_chan(dom, &[ch], |c, _| c.scan_line())?;
    Ok(Value::of_int(n))
}

fn seek_in(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    with_chan(dom, &[ch], |c, _| c.seek_in(pos.int() as i64))?;
    Ok(Value::UNIT)
}

fn seek_in_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch, pos] = take(args)?;
    let dest = int64_val(pos);
    with_chan(dom, &[ch], |c, _| c.seek_in(dest))?;
    Ok(Value::UNIT)
}

fn pos_in(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    offset_int(with_chan(dom, &[ch], |c, _| Ok(c.pos_in()))?)
}

fn pos_in_64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [ch] = take(args)?;
    let pos = with_chan(dom, &[ch], |c, _| Ok(c.pos_in()))?;
    Ok(alloc_int64(dom, pos))
}
