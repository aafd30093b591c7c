//! One buffered channel: a file descriptor, its 64 KiB buffer and the cursor arithmetic of the
//! stock runtime's `struct channel`, kept exactly so that positions, sizes and the behaviour of
//! closed channels match `ocamlrun` (including the odd corners, such as `pos_out` on a closed
//! channel).
//!
//! Layout: `buf.len()` is the physical end. For an output channel `max` is `None`, `offset` is
//! the file position of `buf[0]` and `buf[..curr]` is pending output. For an input channel
//! `max` is `Some(m)`, `buf[curr..m]` is unread input and `offset` is the file position of
//! `buf[m]`. A closed channel has `fd == -1` and a one-byte buffer: full (`curr == max == 1`)
//! for output, empty (`curr == max == 0`) for input, so that every transfer reaches the
//! descriptor and fails with `EBADF`, as in the stock runtime.
//!
//! An interrupted system call returns `IoErr::Io(EINTR)` with the channel left as if the
//! operation had not started, except for the progress counters that multi-step operations take
//! from their caller, so the caller can run signal handlers and retry.

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

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// `read(2)` of at most `dst.len()` bytes (capped like the stock `int` count).
fn read_fd(fd: i32, dst: &mut [u8]) -> Result<usize, i32> {
    let n = dst.len().min(i32::MAX as usize);
    // SAFETY: dst is valid for writes of n bytes.
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

pub struct Channel {
    pub fd: i32,
    pub offset: i64,
    pub buf: Vec<u8>,
    pub curr: usize,
    pub max: Option<usize>,
    pub flags: i32,
    /// The file name given by `Stdlib.open_*` (only for the leak warning).
    pub name: Option<Vec<u8>>,
}

impl Channel {
    /// A channel on `fd`; `offset` is the descriptor's current position (-1 when it has none).
    pub fn open(fd: i32, output: bool, flags: i32) -> Channel {
        let offset = lseek(fd, 0, libc::SEEK_CUR).unwrap_or(-1);
        Channel {
            fd,
            offset,
            buf: vec![0; IO_BUFFER_SIZE],
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
    pub fn close(&mut self) -> Result<(), IoErr> {
        if self.fd == -1 {
            return Ok(());
        }
        let fd = self.fd;
        self.fd = -1;
        self.buf = vec![0; 1];
        let full = if self.max.is_none() { 1 } else { 0 };
        self.curr = full;
        self.max = Some(full);
        // SAFETY: closing a descriptor this channel owned.
        if unsafe { libc::close(fd) } == -1 {
            return Err(IoErr::Sys(errno()));
        }
        Ok(())
    }

    /// The size of the underlying file, leaving the descriptor's position unchanged.
    pub fn size(&self) -> Result<i64, IoErr> {
        let here = if self.flags & TEXT_MODE != 0 { -1 } else { self.offset };
        let here = if here == -1 { lseek(self.fd, 0, libc::SEEK_CUR).map_err(IoErr::Sys)? } else { here };
        let end = lseek(self.fd, 0, libc::SEEK_END).map_err(IoErr::Sys)?;
        match lseek(self.fd, here, libc::SEEK_SET) {
            Ok(r) if r == here => Ok(end),
            Ok(_) => Err(IoErr::Sys(libc::EINVAL)),
            Err(e) => Err(IoErr::Sys(e)),
        }
    }

    // Output.

    /// Writes some of the buffer; true when it is empty afterwards.
    pub fn flush_partial(&mut self) -> Result<bool, IoErr> {
        let towrite = self.curr.min(self.buf.len());
        if towrite > 0 {
            let written = match write_fd(self.fd, &self.buf[..towrite]) {
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

    pub fn flush(&mut self) -> Result<(), IoErr> {
        while !self.flush_partial()? {}
        Ok(())
    }

    pub fn flush_if_unbuffered(&mut self) -> Result<(), IoErr> {
        if self.flags & UNBUFFERED != 0 {
            self.flush()?;
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
        match self.buf.get_mut(self.curr) {
            Some(slot) => {
                *slot = c;
                self.curr += 1;
                true
            }
            None => false,
        }
    }

    pub fn putch(&mut self, c: u8) -> Result<(), IoErr> {
        if self.curr >= self.buf.len() {
            self.flush_partial()?;
        }
        match self.buf.get_mut(self.curr) {
            Some(slot) => {
                *slot = c;
                self.curr += 1;
                Ok(())
            }
            None => Err(IoErr::Io(libc::EBADF)),
        }
    }

    /// Writes `w` big-endian; `done` counts the bytes already written (kept across retries).
    pub fn putword(&mut self, w: u32, done: &mut usize) -> Result<(), IoErr> {
        if !self.is_binary() {
            return Err(IoErr::Fail("output_binary_int: not a binary channel"));
        }
        let bytes = w.to_be_bytes();
        while *done < 4 {
            self.putch(bytes[*done])?;
            *done += 1;
        }
        Ok(())
    }

    /// Copies a prefix of `src` into the buffer, writing the buffer out when it fills; returns
    /// how many bytes were taken.
    pub fn putblock(&mut self, src: &[u8]) -> Result<usize, IoErr> {
        let n = src.len().min(i32::MAX as usize);
        let free = self.buf.len().saturating_sub(self.curr);
        if n < free {
            self.buf[self.curr..self.curr + n].copy_from_slice(&src[..n]);
            self.curr += n;
            Ok(n)
        } else {
            self.buf[self.curr..self.curr + free].copy_from_slice(&src[..free]);
            self.curr += free;
            self.flush_partial()?;
            Ok(free)
        }
    }

    pub fn really_putblock(&mut self, mut src: &[u8]) -> Result<(), IoErr> {
        while !src.is_empty() {
            let n = self.putblock(src)?;
            src = &src[n..];
        }
        Ok(())
    }

    pub fn seek_out(&mut self, dest: i64) -> Result<(), IoErr> {
        self.flush()?;
        match lseek(self.fd, dest, libc::SEEK_SET) {
            Ok(r) if r == dest => {}
            Ok(_) => return Err(IoErr::Sys(libc::EINVAL)),
            Err(e) => return Err(IoErr::Sys(e)),
        }
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

    /// Refills the empty buffer and returns its first byte.
    fn refill(&mut self) -> Result<u8, IoErr> {
        let n = match read_fd(self.fd, &mut self.buf) {
            Ok(n) => n.min(self.buf.len()),
            Err(e) => return Err(IoErr::Io(e)),
        };
        if n == 0 {
            return Err(IoErr::Eof);
        }
        self.offset += n as i64;
        self.max = Some(n);
        self.curr = 1;
        Ok(self.buf[0])
    }

    pub fn getch(&mut self) -> Result<u8, IoErr> {
        let max = self.input_max()?;
        if self.curr >= max {
            self.refill()
        } else {
            let c = self.buf[self.curr];
            self.curr += 1;
            Ok(c)
        }
    }

    /// Reads a big-endian word; `acc` holds the bytes read so far and their count (kept across
    /// retries).
    pub fn getword(&mut self, acc: &mut (u32, usize)) -> Result<u32, IoErr> {
        if !self.is_binary() {
            return Err(IoErr::Fail("input_binary_int: not a binary channel"));
        }
        while acc.1 < 4 {
            acc.0 = (acc.0 << 8) | self.getch()? as u32;
            acc.1 += 1;
        }
        Ok(acc.0)
    }

    /// Reads at most `dst.len()` bytes: what the buffer holds, else one `read` of the
    /// descriptor. Returns 0 at end of input.
    pub fn getblock(&mut self, dst: &mut [u8]) -> Result<usize, IoErr> {
        let max = self.input_max()?;
        let n = dst.len().min(i32::MAX as usize);
        let avail = max.saturating_sub(self.curr);
        if n <= avail {
            dst[..n].copy_from_slice(&self.buf[self.curr..self.curr + n]);
            self.curr += n;
            Ok(n)
        } else if avail > 0 {
            dst[..avail].copy_from_slice(&self.buf[self.curr..max]);
            self.curr += avail;
            Ok(avail)
        } else {
            let nread = match read_fd(self.fd, &mut self.buf) {
                Ok(r) => r.min(self.buf.len()),
                Err(e) => return Err(IoErr::Io(e)),
            };
            self.offset += nread as i64;
            self.max = Some(nread);
            let n = n.min(nread);
            dst[..n].copy_from_slice(&self.buf[..n]);
            self.curr = n;
            Ok(n)
        }
    }

    pub fn seek_in(&mut self, dest: i64) -> Result<(), IoErr> {
        let max = self.input_max()?;
        if dest >= self.offset - max as i64 && dest <= self.offset && self.flags & TEXT_MODE == 0 {
            self.curr = max - (self.offset - dest) as usize;
            return Ok(());
        }
        match lseek(self.fd, dest, libc::SEEK_SET) {
            Ok(r) if r == dest => {}
            Ok(_) => return Err(IoErr::Sys(libc::EINVAL)),
            Err(e) => return Err(IoErr::Sys(e)),
        }
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
    pub fn scan_line(&mut self) -> Result<isize, IoErr> {
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
                if max >= self.buf.len() {
                    return Ok(-((max - self.curr) as isize));
                }
                let n = match read_fd(self.fd, &mut self.buf[max..]) {
                    Ok(n) => n,
                    Err(e) => return Err(IoErr::Io(e)),
                };
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

    fn pipe() -> (i32, i32) {
        let mut fds = [0; 2];
        // SAFETY: fds has room for two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        (fds[0], fds[1])
    }

    #[test]
    fn closed_channels_fail_with_ebadf() {
        let (r, w) = pipe();
        let mut out = Channel::open(w, true, 0);
        out.close().unwrap();
        assert_eq!(out.putch(b'x'), Err(IoErr::Io(libc::EBADF)));
        assert_eq!(out.pos_out(), out.offset + 1);
        assert_eq!(out.putblock(b""), Err(IoErr::Io(libc::EBADF)));
        let mut inp = Channel::open(r, false, 0);
        inp.close().unwrap();
        assert_eq!(inp.getch(), Err(IoErr::Io(libc::EBADF)));
        let mut empty = [0u8; 0];
        assert_eq!(inp.getblock(&mut empty), Ok(0));
        assert_eq!(inp.close(), Ok(()));
    }

    #[test]
    fn lines_and_words_through_a_pipe() {
        let (r, w) = pipe();
        let mut out = Channel::open(w, true, 0);
        out.really_putblock(b"ab\ncd").unwrap();
        out.putword(0x01020304, &mut 0).unwrap();
        out.flush().unwrap();
        out.close().unwrap();
        let mut inp = Channel::open(r, false, 0);
        assert_eq!(inp.scan_line(), Ok(3));
        let mut line = [0u8; 3];
        assert_eq!(inp.getblock(&mut line), Ok(3));
        assert_eq!(&line, b"ab\n");
        assert_eq!(inp.scan_line(), Ok(-6));
        assert_eq!(inp.getch(), Ok(b'c'));
        assert_eq!(inp.getch(), Ok(b'd'));
        assert_eq!(inp.getword(&mut (0, 0)), Ok(0x01020304));
        assert_eq!(inp.getch(), Err(IoErr::Eof));
        inp.close().unwrap();
    }
}
