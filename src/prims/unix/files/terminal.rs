//! The terminal primitives (`tcgetattr`, `tcsetattr`, `tcsendbreak`, `tcdrain`, `tcflush`,
//! `tcflow`) and the layout of `Unix.terminal_io`: its 38 fields, in declaration order, are
//! described once in [`FIELDS`] and both directions of the conversion follow that table.

use super::super::{fd_arg, take, unix_error};
use super::check;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;

/// Which flag word of a `termios` a field lives in.
#[derive(Clone, Copy)]
enum Word {
    I,
    O,
    C,
    L,
}

/// One field of `terminal_io`.
#[derive(Clone, Copy)]
enum Field {
    /// A bool: whether the bit is set.
    Bool(Word, libc::tcflag_t),
    /// An int: `first + i` for the `i`th of `values` the bits under `mask` equal.
    Enum(Word, isize, libc::tcflag_t, &'static [libc::tcflag_t]),
    /// The output (`false`) or input (`true`) speed, in baud.
    Speed(bool),
    /// A control character (`c_cc` index).
    Char(usize),
}

use Field::*;
use Word::*;

const FIELDS: [Field; 38] = [
    Bool(I, libc::IGNBRK),
    Bool(I, libc::BRKINT),
    Bool(I, libc::IGNPAR),
    Bool(I, libc::PARMRK),
    Bool(I, libc::INPCK),
    Bool(I, libc::ISTRIP),
    Bool(I, libc::INLCR),
    Bool(I, libc::IGNCR),
    Bool(I, libc::ICRNL),
    Bool(I, libc::IXON),
    Bool(I, libc::IXOFF),
    Bool(O, libc::OPOST),
    Speed(false),
    Speed(true),
    Enum(C, 5, libc::CSIZE, &[libc::CS5, libc::CS6, libc::CS7, libc::CS8]),
    Enum(C, 1, libc::CSTOPB, &[0, libc::CSTOPB]),
    Bool(C, libc::CREAD),
    Bool(C, libc::PARENB),
    Bool(C, libc::PARODD),
    Bool(C, libc::HUPCL),
    Bool(C, libc::CLOCAL),
    Bool(L, libc::ISIG),
    Bool(L, libc::ICANON),
    Bool(L, libc::NOFLSH),
    Bool(L, libc::ECHO),
    Bool(L, libc::ECHOE),
    Bool(L, libc::ECHOK),
    Bool(L, libc::ECHONL),
    Char(libc::VINTR),
    Char(libc::VQUIT),
    Char(libc::VERASE),
    Char(libc::VKILL),
    Char(libc::VEOF),
    Char(libc::VEOL),
    Char(libc::VMIN),
    Char(libc::VTIME),
    Char(libc::VSTART),
    Char(libc::VSTOP),
];

/// The speeds `terminal_io` can express: (the `speed_t` constant, baud).
const SPEEDS: [(libc::speed_t, isize); 31] = [
    (libc::B0, 0),
    (libc::B50, 50),
    (libc::B75, 75),
    (libc::B110, 110),
    (libc::B134, 134),
    (libc::B150, 150),
    (libc::B200, 200),
    (libc::B300, 300),
    (libc::B600, 600),
    (libc::B1200, 1200),
    (libc::B1800, 1800),
    (libc::B2400, 2400),
    (libc::B4800, 4800),
    (libc::B9600, 9600),
    (libc::B19200, 19200),
    (libc::B38400, 38400),
    (libc::B57600, 57600),
    (libc::B115200, 115200),
    (libc::B230400, 230400),
    (libc::B460800, 460800),
    (libc::B500000, 500000),
    (libc::B576000, 576000),
    (libc::B921600, 921600),
    (libc::B1000000, 1000000),
    (libc::B1152000, 1152000),
    (libc::B1500000, 1500000),
    (libc::B2000000, 2000000),
    (libc::B2500000, 2500000),
    (libc::B3000000, 3000000),
    (libc::B3500000, 3500000),
    (libc::B4000000, 4000000),
];

fn word(t: &mut libc::termios, w: Word) -> &mut libc::tcflag_t {
    match w {
        I => &mut t.c_iflag,
        O => &mut t.c_oflag,
        C => &mut t.c_cflag,
        L => &mut t.c_lflag,
    }
}

/// `tcgetattr(2)` on `fd`; the error names `cmd`.
fn get(dom: &mut Domain, fd: i32, cmd: &str) -> Result<libc::termios, Exn> {
    // SAFETY: an all-zero termios is a valid value of this plain C struct.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is writable.
    check(unsafe { libc::tcgetattr(fd, &mut t) }).map_err(|e| unix_error(dom, e, cmd, None))?;
    Ok(t)
}

pub fn tcgetattr(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    let mut t = get(dom, fd_arg(fd), "tcgetattr")?;
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|f| match *f {
            Bool(w, bit) => Value::of_bool(*word(&mut t, w) & bit != 0),
            Enum(w, first, mask, values) => {
                let bits = *word(&mut t, w) & mask;
                // Every value of the bits is listed, so the fallback is never taken.
                Value::of_int(first + values.iter().position(|&v| v == bits).unwrap_or(0) as isize)
            }
            Speed(input) => {
                // SAFETY: `t` is a valid termios.
                let s = unsafe {
                    if input {
                        libc::cfgetispeed(&t)
                    } else {
                        libc::cfgetospeed(&t)
                    }
                };
                // A speed the table lacks reads as 9600, as in the stock library.
                Value::of_int(SPEEDS.iter().find(|p| p.0 == s).map_or(9600, |p| p.1))
            }
            Char(i) => Value::of_int(t.c_cc[i] as isize),
        })
        .collect();
    Ok(dom.alloc_tuple(0, &fields))
}

/// `setattr_when` constructors.
const WHEN: [i32; 3] = [libc::TCSANOW, libc::TCSADRAIN, libc::TCSAFLUSH];

pub fn tcsetattr(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, when, arg] = take(args)?;
    let fd = fd_arg(fd);
    // Start from the current settings, so fields `terminal_io` lacks keep their values.
    let mut t = get(dom, fd, "tcsetattr")?;
    for (i, f) in FIELDS.iter().enumerate() {
        // SAFETY: `arg` is a `terminal_io` record of 38 immediate fields.
        let v = unsafe { arg.field(i) };
        match *f {
            Bool(w, bit) => {
                let x = word(&mut t, w);
                *x = if v.int() != 0 { *x | bit } else { *x & !bit };
            }
            Enum(w, first, mask, values) => {
                let Some(&bits) = usize::try_from(v.int() - first).ok().and_then(|k| values.get(k))
                else {
                    return Err(unix_error(dom, libc::EINVAL, "tcsetattr", None));
                };
                let x = word(&mut t, w);
                *x = (*x & !mask) | bits;
            }
            Speed(input) => {
                let Some(&(s, _)) = SPEEDS.iter().find(|p| p.1 == v.int()) else {
                    return Err(unix_error(dom, libc::EINVAL, "tcsetattr", None));
                };
                // SAFETY: `t` is a valid, writable termios.
                let r = unsafe {
                    if input {
                        libc::cfsetispeed(&mut t, s)
                    } else {
                        libc::cfsetospeed(&mut t, s)
                    }
                };
                check(r).map_err(|e| unix_error(dom, e, "tcsetattr", None))?;
            }
            Char(k) => t.c_cc[k] = v.int() as libc::cc_t,
        }
    }
    let when = WHEN.get(when.int() as usize).copied().unwrap_or(libc::TCSANOW);
    // SAFETY: `t` is a valid termios.
    check(unsafe { libc::tcsetattr(fd, when, &t) })
        .map_err(|e| unix_error(dom, e, "tcsetattr", None))?;
    Ok(Value::UNIT)
}

pub fn tcsendbreak(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, delay] = take(args)?;
    // SAFETY: tcsendbreak has no memory effects.
    check(unsafe { libc::tcsendbreak(fd_arg(fd), delay.int() as libc::c_int) })
        .map_err(|e| unix_error(dom, e, "tcsendbreak", None))?;
    Ok(Value::UNIT)
}

pub fn tcdrain(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    let fd = fd_arg(fd);
    // Waits until the output has been transmitted.
    // SAFETY: tcdrain has no memory effects.
    let r = dom.blocking_section(|| check(unsafe { libc::tcdrain(fd) }));
    r.map_err(|e| unix_error(dom, e, "tcdrain", None))?;
    Ok(Value::UNIT)
}

/// `flush_queue` constructors.
const QUEUES: [i32; 3] = [libc::TCIFLUSH, libc::TCOFLUSH, libc::TCIOFLUSH];

pub fn tcflush(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, queue] = take(args)?;
    let queue = QUEUES.get(queue.int() as usize).copied().unwrap_or(libc::TCIOFLUSH);
    // SAFETY: tcflush has no memory effects.
    check(unsafe { libc::tcflush(fd_arg(fd), queue) })
        .map_err(|e| unix_error(dom, e, "tcflush", None))?;
    Ok(Value::UNIT)
}

/// `flow_action` constructors.
const ACTIONS: [i32; 4] = [libc::TCOOFF, libc::TCOON, libc::TCIOFF, libc::TCION];

pub fn tcflow(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd, action] = take(args)?;
    let action = ACTIONS.get(action.int() as usize).copied().unwrap_or(libc::TCOON);
    // SAFETY: tcflow has no memory effects.
    check(unsafe { libc::tcflow(fd_arg(fd), action) })
        .map_err(|e| unix_error(dom, e, "tcflow", None))?;
    Ok(Value::UNIT)
}
