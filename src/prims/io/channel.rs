//! One buffered channel: a file descriptor, its 64 KiB buffer and the cursor arithmetic of the
//! stock runtime's `struct channel`, kept exactly so that positions, sizes and the behaviour of
//! closed channels match `ocamlrun` (including the odd corners, such as `pos_out` on a closed
//! channel).
//!
//! Layout: `end` is the buffer's physical end. For an output channel `max` is `None`, `offset`
//! is the file position of `buf[0]` and `buf[..curr]` is pending output. For an input channel
//! `max` is `Some(m)`, `buf[curr..m]` is unread input and `offset` is the file position of
//! `buf[m]`. A closed channel has `fd == -1` and a one-byte buffer: full (`curr == max == 1`)
//! for output, empty (`curr == max == 0`) for input, so that every transfer reaches the
//! descriptor and fails with `EBADF`, as in the stock runtime.
//!
//! The buffer is reserved whole when the channel opens (`buf`'s capacity is at least `end`)
//! but its bytes are written only as data passes: `buf.len()` is how far it has been
//! initialised, and grows as output is stored or input read. So a channel that is never used
//! (the standard channels of most programs) costs no resident page, and one that carries a
//! few bytes costs one, as the stock runtime's `malloc`ed buffer does. Invariants:
//! `buf.len() <= end <= buf.capacity()`; an output channel's `curr <= buf.len()`; an input
//! channel's `max <= buf.len()`.
//!
//! System calls (read, write, lseek, close) go through a [`Blocking`] runner: a domain runs
//! them in a blocking section, without the heap lock, so that a domain waiting for a pipe
//! or a terminal does not stop the others. They move bytes only between the descriptor and the
//! channel's own buffer, never OCaml memory: callers copy OCaml data in with
//! [`Channel::put_from`] and out of what [`Channel::get_some`] returns, holding the runtime
//! lock, as the stock `caml_ml_input` does.
//!
//! An interrupted system call returns `IoErr::Io(EINTR)` with the channel consistent: as if the
//! operation had not started, except for the bytes already counted in the progress counters
//! that multi-step operations take from their caller, so the caller can run signal handlers
//! and retry.

/// Buffer size of every open channel (`IO_BUFFER_SIZE`).
pub const IO_BUFFER_SIZE: usize = 65536;

/// Text mode (Windows and Cygwin only; carried for `is_binary_mode`).
pub const TEXT_MODE: i32 = 8;
/// Output is flushed after every operation.
pub const UNBUFFERED: i32 = 16;

/// Why a channel operation failed, before it becomes an OCaml exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoErr {
    /// A transfer failed with this errno (`caml_sys_io_error`: EAGAIN means Sys_blocked_io).
    /// `Io(EINTR)`: a signal interrupted a transfer before it moved any data; the caller runs
    /// the OCaml signal handlers and calls the operation again (the channel is consistent).
    Io(i32),
    /// A seek, size or close failed with this errno (`caml_sys_error`).
    Sys(i32),
    /// The input ended.
    Eof,
    /// `Failure` with this message.
    Fail(&'static str),
}

/// Runs the system calls of channel operations, which may block.
pub trait Blocking {
    /// Runs `f`, letting other domains run meanwhile. `f` touches no OCaml value (other
    /// domains may move or free them while it runs), only the channel and Rust memory.
    fn blocking<R>(&mut self, f: impl FnOnce() -> R) -> R;
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// `read(2)` of at most `dst.len()` bytes (capped like the stock `int` count); the first
/// bytes of `dst`, as many as it returns, are then initialised.
fn read_fd(fd: i32, dst: &mut [std::mem::MaybeUninit<u8>]) -> Result<usize, i32> {
    let n = dst.len().min(i32::MAX as usize);
    // SAFETY: dst is valid for writes of n bytes (read writes bytes, never reads them).
    let r = unsafe { libc::read(fd, dst.as_mut_ptr().cast(), n) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as usize)
    }
}

/// `write(2)`; when a non-blocking descriptor refuses a multi-byte write (EAGAIN), try one byte,
/// since a pipe accepts small writes only whole.
fn write_fd(fd: i32, src: &[u8]) -> Result<usize, i32> {
    let mut n = src.len().min(i32::MAX as usize);
    loop {
        // SAFETY: src is valid for reads of n <= src.len() bytes.
        let r = unsafe { libc::write(fd, src.as_ptr().cast(), n) };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = errno();
        if (e == libc::EAGAIN || e == libc::EWOULDBLOCK) && n > 1 {
            n = 1;
            continue;
        }
        return Err(e);
    }
}

/// `lseek(2)`.
fn lseek(fd: i32, off: i64, whence: i32) -> Result<i64, i32> {
    // SAFETY: lseek has no memory effects.
    let r = unsafe { libc::lseek(fd, off as libc::off_t, whence) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as i64)
    }
}

/// `lseek(fd, dest, SEEK_SET)`, which must land exactly on `dest`.
fn seek_set(fd: i32, dest: i64) -> Result<(), IoErr> {
    match lseek(fd, dest, libc::SEEK_SET) {
        Ok(r) if r == dest => Ok(()),
        Ok(_) => Err(IoErr::Sys(libc::EINVAL)),
        Err(e) => Err(IoErr::Sys(e)),
    }
}

pub struct Channel {
    pub fd: i32,
    pub offset: i64,
    /// The initialised part of the buffer (see the module doc).
    pub buf: Vec<u8>,
    /// The buffer's physical end: `IO_BUFFER_SIZE` while open.
    pub end: usize,
    pub curr: usize,
    pub max: Option<usize>,
    pub flags: i32,
    /// The file name given by `Stdlib.open_*` (only for the leak warning).
    pub name: Option<Vec<u8>>,
}

impl Channel {
    /// A channel on `fd`, starting at the descriptor's current position (-1 when it has none).
    pub fn open(fd: i32, output: bool, flags: i32, b: &mut impl Blocking) -> Channel {
        let offset = b.blocking(|| lseek(fd, 0, libc::SEEK_CUR)).unwrap_or(-1);
        Channel {
            fd,
            offset,
            buf: Vec::with_capacity(IO_BUFFER_SIZE),
            end: IO_BUFFER_SIZE,
            curr: 0,
            max: if output { None } else { Some(0) },
            flags,
            name: None,
        }
    }

    /// An open output channel (not closed, not an input channel).
    pub fn is_open_output(&self) -> bool {
        self.max.is_none()
    }

    /// An open output channel whose buffer holds unwritten data.
    pub fn has_pending_output(&self) -> bool {
        self.max.is_none() && self.curr != 0
    }

    pub fn is_binary(&self) -> bool {
        self.flags & TEXT_MODE == 0
    }

    /// Closes the descriptor; the channel stays usable and fails every later transfer.
    pub fn close(&mut self, b: &mut impl Blocking) -> Result<(), IoErr> {
        if self.fd == -1 {
            return Ok(());
        }
        let fd = self.fd;
        self.fd = -1;
        self.buf = vec![0; 1];
        self.end = 1;
        let full = if self.max.is_none() { 1 } else { 0 };
        self.curr = full;
        self.max = Some(full);
        // SAFETY: closing a descriptor this channel owned; errno is read before anything else
        // can change it.
        let r = b.blocking(|| if unsafe { libc::close(fd) } == -1 { Err(errno()) } else { Ok(()) });
        r.map_err(IoErr::Sys)
    }

    /// The size of the underlying file, leaving the descriptor's position unchanged.
    pub fn size(&self, b: &mut impl Blocking) -> Result<i64, IoErr> {
        let fd = self.fd;
        let here = if self.flags & TEXT_MODE != 0 { -1 } else { self.offset };
        b.blocking(|| {
            let here =
                if here == -1 { lseek(fd, 0, libc::SEEK_CUR).map_err(IoErr::Sys)? } else { here };
            let end = lseek(fd, 0, libc::SEEK_END).map_err(IoErr::Sys)?;
            seek_set(fd, here)?;
            Ok(end)
        })
    }

    // Output.

    /// Writes some of the buffer; true when it is empty afterwards.
    pub fn flush_partial(&mut self, b: &mut impl Blocking) -> Result<bool, IoErr> {
        let towrite = self.curr.min(self.buf.len());
        if towrite > 0 {
            let (fd, pending) = (self.fd, &self.buf[..towrite]);
            let written = match b.blocking(|| write_fd(fd, pending)) {
                Ok(w) => w.min(towrite),
                Err(e) => {
                    // A permanent failure: drop the data so that closing or finalising the
                    // channel can still succeed.
                    if matches!(e, libc::EBADF | libc::EPIPE | libc::ECONNRESET) && self.fd != -1 {
                        self.curr = 0;
                    }
                    return Err(IoErr::Io(e));
                }
            };
            self.offset += written as i64;
            self.buf.copy_within(written..towrite, 0);
            self.curr -= written;
        }
        Ok(self.curr == 0)
    }

    pub fn flush(&mut self, b: &mut impl Blocking) -> Result<(), IoErr> {
        while !self.flush_partial(b)? {}
        Ok(())
    }

    pub fn flush_if_unbuffered(&mut self, b: &mut impl Blocking) -> Result<(), IoErr> {
        if self.flags & UNBUFFERED != 0 {
            self.flush(b)?;
        }
        Ok(())
    }

    /// Stores `c` if the buffer has room and the channel is buffered; false otherwise (then
    /// `putch` and `flush_if_unbuffered` do the work).
    #[inline]
    pub fn put_buffered(&mut self, c: u8) -> bool {
        if self.flags & UNBUFFERED != 0 {
            return false;
        }
        self.store(c)
    }

    /// Stores `c` at `curr` if the buffer has room there; false when it is full.
    #[inline]
    fn store(&mut self, c: u8) -> bool {
        let i = self.curr;
        if let Some(slot) = self.buf.get_mut(i) {
            *slot = c;
        } else if i < self.end {
            // Past the initialised part: it grows (within its capacity) to take `c`.
            self.init_to(i);
            self.buf.push(c);
        } else {
            return false;
        }
        self.curr = i + 1;
        true
    }

    /// Makes `buf[..n]` initialised (`n <= end`), zeroing what is new.
    fn init_to(&mut self, n: usize) {
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        }
    }

    pub fn putch(&mut self, c: u8, b: &mut impl Blocking) -> Result<(), IoErr> {
        if self.curr >= self.end {
            self.flush_partial(b)?;
        }
        if self.store(c) {
            Ok(())
        } else {
            Err(IoErr::Io(libc::EBADF))
        }
    }

    /// Writes `w` big-endian; `done` counts the bytes already written (kept across retries).
    pub fn putword(
        &mut self,
        w: u32,
        done: &mut usize,
        b: &mut impl Blocking,
    ) -> Result<(), IoErr> {
        if !self.is_binary() {
            return Err(IoErr::Fail("output_binary_int: not a binary channel"));
        }
        let bytes = w.to_be_bytes();
        while *done < 4 {
            self.putch(bytes[*done], b)?;
            *done += 1;
        }
        Ok(())
    }

    /// Takes a prefix of an `n`-byte output into the buffer, as much as fits: `fill` copies it
    /// into the slice it gets (so the source, OCaml memory included, is read right then, with
    /// the heap lock held). Returns the bytes taken, and whether the request filled the
    /// buffer; then, after counting the bytes taken, the caller calls `flush_partial`
    /// (`caml_putblock`, split around its system call).
    pub fn put_from(&mut self, n: usize, fill: impl FnOnce(&mut [u8])) -> (usize, bool) {
        let n = n.min(i32::MAX as usize);
        let free = self.end.saturating_sub(self.curr);
        let taken = n.min(free);
        self.init_to(self.curr + taken);
        fill(&mut self.buf[self.curr..self.curr + taken]);
        self.curr += taken;
        (taken, n >= free)
    }

    /// Writes `src[*done..]` through the buffer (`caml_really_putblock`); `done` counts the
    /// bytes taken (kept across retries).
    pub fn really_putblock(
        &mut self,
        src: &[u8],
        done: &mut usize,
        b: &mut impl Blocking,
    ) -> Result<(), IoErr> {
        while let Some(rest) = src.get(*done..).filter(|r| !r.is_empty()) {
            let (n, full) =
                self.put_from(rest.len(), |dst| dst.copy_from_slice(&rest[..dst.len()]));
            *done += n;
            if full {
                self.flush_partial(b)?;
            }
        }
        Ok(())
    }

    pub fn seek_out(&mut self, dest: i64, b: &mut impl Blocking) -> Result<(), IoErr> {
        self.flush(b)?;
        let fd = self.fd;
        b.blocking(|| seek_set(fd, dest))?;
        self.offset = dest;
        Ok(())
    }

    pub fn pos_out(&self) -> i64 {
        self.offset + self.curr as i64
    }

    // Input. An open output channel has no input buffer: input on it fails with EBADF (the
    // stock runtime's behaviour there is undefined).

    fn input_max(&mut self) -> Result<usize, IoErr> {
        match self.max {
            Some(m) => {
                // Output on an input channel may have moved `curr` past `max`: no data then.
                let m = m.min(self.buf.len());
                self.curr = self.curr.min(m);
                Ok(m)
            }
            None => Err(IoErr::Io(libc::EBADF)),
        }
    }

    /// One `read` of the descriptor into `buf[from..end]`; the number of bytes read. What the
    /// buffer held past `from` is dropped, and the bytes read become its initialised end.
    fn read_into_buf(&mut self, from: usize, b: &mut impl Blocking) -> Result<usize, IoErr> {
        self.init_to(from);
        self.buf.truncate(from);
        let fd = self.fd;
        let want = self.end.saturating_sub(from);
        // `buf.len() == from` now and the capacity is at least `end`: the spare part starts
        // at `from` and holds `want` bytes.
        let room = &mut self.buf.spare_capacity_mut()[..want];
        let n = b.blocking(|| read_fd(fd, room)).map_err(IoErr::Io)?.min(want);
        // SAFETY: read_fd initialised the first `n` bytes of the spare part, and `from + n`
        // is within the capacity.
        unsafe { self.buf.set_len(from + n) };
        Ok(n)
    }

    /// Refills the empty buffer and returns its first byte.
    fn refill(&mut self, b: &mut impl Blocking) -> Result<u8, IoErr> {
        let n = self.read_into_buf(0, b)?;
        if n == 0 {
            return Err(IoErr::Eof);
        }
        self.offset += n as i64;
        self.max = Some(n);
        self.curr = 1;
        Ok(self.buf[0])
    }

    pub fn getch(&mut self, b: &mut impl Blocking) -> Result<u8, IoErr> {
        let max = self.input_max()?;
        if self.curr >= max {
            self.refill(b)
        } else {
            let c = self.buf[self.curr];
            self.curr += 1;
            Ok(c)
        }
    }

    /// Reads a big-endian word; `acc` holds the bytes read so far and their count (kept across
    /// retries).
    pub fn getword(&mut self, acc: &mut (u32, usize), b: &mut impl Blocking) -> Result<u32, IoErr> {
        if !self.is_binary() {
            return Err(IoErr::Fail("input_binary_int: not a binary channel"));
        }
        while acc.1 < 4 {
            acc.0 = (acc.0 << 8) | self.getch(b)? as u32;
            acc.1 += 1;
        }
        Ok(acc.0)
    }

    /// Takes at most `n` bytes of input: what the buffer holds, else what one `read` of the
    /// descriptor into the buffer brings (nothing at end of input). The bytes count as read;
    /// the caller copies them where they go (`caml_getblock`, split around its system call).
    pub fn get_some(&mut self, n: usize, b: &mut impl Blocking) -> Result<&[u8], IoErr> {
        let max = self.input_max()?;
        let n = n.min(i32::MAX as usize);
        let (start, avail) = (self.curr, max - self.curr);
        if n <= avail {
            self.curr += n;
            Ok(&self.buf[start..start + n])
        } else if avail > 0 {
            self.curr = max;
            Ok(&self.buf[start..max])
        } else {
            let nread = self.read_into_buf(0, b)?;
            self.offset += nread as i64;
            self.max = Some(nread);
            self.curr = n.min(nread);
            Ok(&self.buf[..self.curr])
        }
    }

    /// Reads at most `dst.len()` bytes into `dst` (see `get_some`); 0 at end of input.
    pub fn getblock(&mut self, dst: &mut [u8], b: &mut impl Blocking) -> Result<usize, IoErr> {
        let src = self.get_some(dst.len(), b)?;
        dst[..src.len()].copy_from_slice(src);
        Ok(src.len())
    }

    pub fn seek_in(&mut self, dest: i64, b: &mut impl Blocking) -> Result<(), IoErr> {
        let max = self.input_max()?;
        if dest >= self.offset - max as i64 && dest <= self.offset && self.flags & TEXT_MODE == 0 {
            self.curr = max - (self.offset - dest) as usize;
            return Ok(());
        }
        let fd = self.fd;
        b.blocking(|| seek_set(fd, dest))?;
        self.offset = dest;
        self.curr = 0;
        self.max = Some(0);
        Ok(())
    }

    pub fn pos_in(&self) -> i64 {
        let max = self.max.unwrap_or(self.curr);
        self.offset - max as i64 + self.curr as i64
    }

    /// Looks for a newline in the input, reading more as needed. Returns the length of the
    /// line including the newline, or minus the number of buffered bytes when the input ended
    /// or the buffer is full without one.
    pub fn scan_line(&mut self, b: &mut impl Blocking) -> Result<isize, IoErr> {
        let mut max = self.input_max()?;
        let mut p = self.curr;
        loop {
            if p >= max {
                if self.curr > 0 {
                    // Make room by moving the unread part to the front.
                    let n = self.curr;
                    self.buf.copy_within(n..max, 0);
                    self.curr = 0;
                    max -= n;
                    p -= n;
                    self.max = Some(max);
                }
                if max >= self.end {
                    return Ok(-((max - self.curr) as isize));
                }
                let n = self.read_into_buf(max, b)?;
                if n == 0 {
                    return Ok(-((max - self.curr) as isize));
                }
                self.offset += n as i64;
                max += n;
                self.max = Some(max);
            }
            let c = self.buf[p];
            p += 1;
            if c == b'\n' {
                return Ok((p - self.curr) as isize);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs system calls in place, as a lone thread may.
    struct InPlace;
    impl Blocking for InPlace {
        fn blocking<R>(&mut self, f: impl FnOnce() -> R) -> R {
            f()
        }
    }

    /// Counts the system calls, to check that every one goes through the runner.
    #[derive(Default)]
    struct Counting(usize);
    impl Blocking for Counting {
        fn blocking<R>(&mut self, f: impl FnOnce() -> R) -> R {
            self.0 += 1;
            f()
        }
    }

    fn pipe() -> (i32, i32) {
        let mut fds = [0; 2];
        // SAFETY: fds has room for two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        (fds[0], fds[1])
    }

    #[test]
    fn closed_channels_fail_with_ebadf() {
        let b = &mut InPlace;
        let (r, w) = pipe();
        let mut out = Channel::open(w, true, 0, b);
        out.close(b).unwrap();
        assert_eq!(out.putch(b'x', b), Err(IoErr::Io(libc::EBADF)));
        assert_eq!(out.pos_out(), out.offset + 1);
        assert_eq!(out.really_putblock(b"x", &mut 0, b), Err(IoErr::Io(libc::EBADF)));
        assert_eq!(out.put_from(0, |_| ()), (0, true));
        let mut inp = Channel::open(r, false, 0, b);
        inp.close(b).unwrap();
        assert_eq!(inp.getch(b), Err(IoErr::Io(libc::EBADF)));
        let mut empty = [0u8; 0];
        assert_eq!(inp.getblock(&mut empty, b), Ok(0));
        assert_eq!(inp.close(b), Ok(()));
    }

    #[test]
    fn lines_and_words_through_a_pipe() {
        let b = &mut InPlace;
        let (r, w) = pipe();
        let mut out = Channel::open(w, true, 0, b);
        out.really_putblock(b"ab\ncd", &mut 0, b).unwrap();
        out.putword(0x01020304, &mut 0, b).unwrap();
        out.flush(b).unwrap();
        out.close(b).unwrap();
        let mut inp = Channel::open(r, false, 0, b);
        assert_eq!(inp.scan_line(b), Ok(3));
        let mut line = [0u8; 3];
        assert_eq!(inp.getblock(&mut line, b), Ok(3));
        assert_eq!(&line, b"ab\n");
        assert_eq!(inp.scan_line(b), Ok(-6));
        assert_eq!(inp.getch(b), Ok(b'c'));
        assert_eq!(inp.getch(b), Ok(b'd'));
        assert_eq!(inp.getword(&mut (0, 0), b), Ok(0x01020304));
        assert_eq!(inp.getch(b), Err(IoErr::Eof));
        inp.close(b).unwrap();
    }

    #[test]
    fn a_full_buffer_is_written_when_filled_and_counted_first() {
        let (r, w) = pipe();
        let mut b = Counting::default();
        let mut out = Channel::open(w, true, 0, &mut b);
        let calls = b.0;
        // Exactly one buffer's worth: taken whole, and the buffer must go out now, as the
        // stock `caml_putblock` does when a request fills it.
        let (n, full) = out.put_from(IO_BUFFER_SIZE, |dst| dst.fill(b'a'));
        assert_eq!((n, full), (IO_BUFFER_SIZE, true));
        assert_eq!(b.0, calls, "put_from makes no system call");
        // The pipe holds 64 KiB on Linux; drain it from another thread meanwhile.
        let reader = std::thread::spawn(move || {
            let mut inp = Channel::open(r, false, 0, &mut InPlace);
            let mut total = 0;
            loop {
                match inp.get_some(usize::MAX, &mut InPlace) {
                    Ok([]) => break,
                    Ok(s) => total += s.len(),
                    Err(e) => panic!("{e:?}"),
                }
            }
            inp.close(&mut InPlace).unwrap();
            total
        });
        out.flush(&mut b).unwrap();
        assert!(b.0 > calls, "the write went through the runner");
        out.really_putblock(&[b'b'; 10], &mut 0, &mut b).unwrap();
        // A pipe has no position: the count starts at -1, as in the stock runtime.
        assert_eq!(out.pos_out(), -1 + IO_BUFFER_SIZE as i64 + 10);
        let before_close = b.0;
        out.flush(&mut b).unwrap();
        out.close(&mut b).unwrap();
        assert_eq!(b.0, before_close + 2, "one write and the close");
        assert_eq!(reader.join().unwrap(), IO_BUFFER_SIZE + 10);
    }

    #[test]
    fn the_buffer_is_initialised_only_as_data_passes() {
        let b = &mut InPlace;
        let (r, w) = pipe();
        let mut out = Channel::open(w, true, 0, b);
        assert_eq!((out.buf.len(), out.end), (0, IO_BUFFER_SIZE), "nothing written yet");
        assert!(out.buf.capacity() >= IO_BUFFER_SIZE);
        assert!(out.put_buffered(b'a'));
        out.really_putblock(b"bc\nd", &mut 0, b).unwrap();
        assert_eq!(out.buf, b"abc\nd");
        out.flush(b).unwrap();
        out.really_putblock(b"ef\n", &mut 0, b).unwrap();
        assert_eq!(out.buf.len(), 5, "the initialised part is reused, not grown");
        out.flush(b).unwrap();
        out.close(b).unwrap();
        let mut inp = Channel::open(r, false, 0, b);
        assert_eq!(inp.buf.len(), 0);
        assert_eq!(inp.scan_line(b), Ok(4));
        assert_eq!(inp.buf.len(), 8, "what one read brought, not the whole buffer");
        let mut line = [0u8; 4];
        assert_eq!(inp.getblock(&mut line, b), Ok(4));
        assert_eq!(inp.scan_line(b), Ok(4));
        assert_eq!(inp.getch(b), Ok(b'd'));
        assert_eq!(inp.getch(b), Ok(b'e'));
        assert_eq!(inp.getch(b), Ok(b'f'));
        assert_eq!(inp.getch(b), Ok(b'\n'));
        assert_eq!(inp.getch(b), Err(IoErr::Eof));
        inp.close(b).unwrap();
        // A line without its end: the second read lands after the unread part, at `max`.
        let (r, w) = pipe();
        let mut out = Channel::open(w, true, 0, b);
        out.really_putblock(b"xy", &mut 0, b).unwrap();
        out.flush(b).unwrap();
        out.close(b).unwrap();
        let mut inp = Channel::open(r, false, 0, b);
        assert_eq!(inp.getch(b), Ok(b'x'));
        assert_eq!(inp.scan_line(b), Ok(-1));
        assert_eq!(inp.getch(b), Ok(b'y'));
        assert_eq!(inp.getch(b), Err(IoErr::Eof));
    }

    #[test]
    fn get_some_reads_through_the_runner_only_when_empty() {
        let (r, w) = pipe();
        let mut b = Counting::default();
        let mut out = Channel::open(w, true, 0, &mut b);
        out.really_putblock(b"hello", &mut 0, &mut b).unwrap();
        out.flush(&mut b).unwrap();
        out.close(&mut b).unwrap();
        let mut inp = Channel::open(r, false, 0, &mut b);
        let calls = b.0;
        assert_eq!(inp.get_some(0, &mut b), Ok(&b""[..]));
        assert_eq!(b.0, calls, "an empty request reads nothing");
        assert_eq!(inp.get_some(2, &mut b), Ok(&b"he"[..]));
        assert_eq!(b.0, calls + 1);
        assert_eq!(inp.get_some(10, &mut b), Ok(&b"llo"[..]));
        assert_eq!(b.0, calls + 1, "served from the buffer");
        assert_eq!(inp.get_some(10, &mut b), Ok(&b""[..]));
        assert_eq!(inp.pos_in(), -1 + 5);
        inp.close(&mut b).unwrap();
    }
}
