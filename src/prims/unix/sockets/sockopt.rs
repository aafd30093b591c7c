//! `getsockopt`/`setsockopt`: `unix.ml` passes the option's kind (bool, int, optint,
//! float, error: the `SO` module's witnesses 0 to 4) and the option's constructor index in
//! that kind's type; the tables below give the (level, option) pair of each, in the order
//! of `socket_bool_option`, `socket_int_option` ... Every option exists on Linux.

use crate::domain::Domain;
use crate::exn::PrimResult;
use crate::heap::value::Value;
use crate::prims::unix::{error_of_code, fd_arg, take, uerror, unix_error};
use std::mem::size_of;

const BOOL: usize = 0;
const INT: usize = 1;
const LINGER: usize = 2;
const TIMEVAL: usize = 3;
const UNIX_ERROR: usize = 4;

type Opt = (libc::c_int, libc::c_int);

const BOOL_OPTIONS: &[Opt] = &[
    (libc::SOL_SOCKET, libc::SO_DEBUG),
    (libc::SOL_SOCKET, libc::SO_BROADCAST),
    (libc::SOL_SOCKET, libc::SO_REUSEADDR),
    (libc::SOL_SOCKET, libc::SO_KEEPALIVE),
    (libc::SOL_SOCKET, libc::SO_DONTROUTE),
    (libc::SOL_SOCKET, libc::SO_OOBINLINE),
    (libc::SOL_SOCKET, libc::SO_ACCEPTCONN),
    (libc::IPPROTO_TCP, libc::TCP_NODELAY),
    (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY),
    (libc::SOL_SOCKET, libc::SO_REUSEPORT),
];
const INT_OPTIONS: &[Opt] = &[
    (libc::SOL_SOCKET, libc::SO_SNDBUF),
    (libc::SOL_SOCKET, libc::SO_RCVBUF),
    (libc::SOL_SOCKET, libc::SO_ERROR),
    (libc::SOL_SOCKET, libc::SO_TYPE),
    (libc::SOL_SOCKET, libc::SO_RCVLOWAT),
    (libc::SOL_SOCKET, libc::SO_SNDLOWAT),
];
const LINGER_OPTIONS: &[Opt] = &[(libc::SOL_SOCKET, libc::SO_LINGER)];
const TIMEVAL_OPTIONS: &[Opt] =
    &[(libc::SOL_SOCKET, libc::SO_RCVTIMEO), (libc::SOL_SOCKET, libc::SO_SNDTIMEO)];
const ERROR_OPTIONS: &[Opt] = &[(libc::SOL_SOCKET, libc::SO_ERROR)];

const TABLES: [&[Opt]; 5] =
    [BOOL_OPTIONS, INT_OPTIONS, LINGER_OPTIONS, TIMEVAL_OPTIONS, ERROR_OPTIONS];
const GET_NAMES: [&str; 5] =
    ["getsockopt", "getsockopt_int", "getsockopt_optint", "getsockopt_float", "getsockopt_error"];
const SET_NAMES: [&str; 5] =
    ["setsockopt", "setsockopt_int", "setsockopt_optint", "setsockopt_float", "setsockopt_error"];

/// The kind and the (level, option) pair; an index outside the tables (only reachable
/// through `Obj.magic`) is `EINVAL` for the kind's command.
fn lookup(
    dom: &mut Domain,
    kind: Value,
    opt: Value,
    names: &[&str; 5],
) -> Result<(usize, Opt), crate::exn::Exn> {
    let k = usize::try_from(kind.int()).ok().filter(|&k| k < TABLES.len());
    let Some(k) = k else {
        return Err(unix_error(dom, libc::EINVAL, names[0], None));
    };
    match usize::try_from(opt.int()).ok().and_then(|i| TABLES[k].get(i)) {
        Some(&o) => Ok((k, o)),
        None => Err(unix_error(dom, libc::EINVAL, names[k], None)),
    }
}

/// Storage for any option value (the stock `union option_value`).
#[repr(C)]
union OptVal {
    i: libc::c_int,
    lg: libc::linger,
    tv: libc::timeval,
}

pub fn getsockopt(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [kind, sock, opt] = take(args)?;
    let (k, (level, option)) = lookup(dom, kind, opt, &GET_NAMES)?;
    let name = GET_NAMES[k];
    // SAFETY: plain integers, for which zero is valid.
    let mut v: OptVal = unsafe { std::mem::zeroed() };
    let mut size = match k {
        LINGER => size_of::<libc::linger>(),
        TIMEVAL => size_of::<libc::timeval>(),
        _ => size_of::<libc::c_int>(),
    } as libc::socklen_t;
    // SAFETY: `v` is writable for `size` bytes.
    let r = unsafe {
        libc::getsockopt(fd_arg(sock), level, option, (&mut v as *mut OptVal).cast(), &mut size)
    };
    if r == -1 {
        return Err(uerror(dom, name, None));
    }
    // SAFETY: the member read is the one the kind's option fills.
    unsafe {
        Ok(match k {
            BOOL => Value::of_bool(v.i != 0),
            INT => Value::of_int(v.i as isize),
            LINGER if v.lg.l_onoff == 0 => Value::NONE,
            LINGER => dom.alloc_some(Value::of_int(v.lg.l_linger as isize)),
            TIMEVAL => dom.alloc_float(v.tv.tv_sec as f64 + v.tv.tv_usec as f64 / 1e6),
            _ if v.i == 0 => Value::NONE,
            _ => {
                debug_assert_eq!(k, UNIX_ERROR);
                let e = error_of_code(dom, v.i);
                dom.alloc_some(e)
            }
        })
    }
}

pub fn setsockopt(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [kind, sock, opt, val] = take(args)?;
    let (k, (level, option)) = lookup(dom, kind, opt, &SET_NAMES)?;
    let name = SET_NAMES[k];
    // SAFETY: plain integers, for which zero is valid.
    let mut v: OptVal = unsafe { std::mem::zeroed() };
    let size = match k {
        BOOL | INT => {
            v.i = val.int() as libc::c_int;
            size_of::<libc::c_int>()
        }
        LINGER => {
            // SAFETY: `val` is an `int option`: `None` or a block of one field.
            let on = val.is_block();
            v.lg = libc::linger {
                l_onoff: on as libc::c_int,
                // SAFETY: `Some` is a block of one field.
                l_linger: if on { unsafe { val.field(0) }.int() as libc::c_int } else { 0 },
            };
            size_of::<libc::linger>()
        }
        TIMEVAL => {
            // SAFETY: `val` is a boxed float.
            let f = unsafe { val.double() };
            let sec = f as libc::c_int;
            v.tv = libc::timeval {
                tv_sec: sec as crate::prims::unix::TimeT,
                tv_usec: (1e6 * (f - sec as f64)) as libc::c_int as crate::prims::unix::SusecondsT,
            };
            size_of::<libc::timeval>()
        }
        // SO_ERROR cannot be set.
        _ => return Err(unix_error(dom, libc::EINVAL, name, None)),
    } as libc::socklen_t;
    // SAFETY: `v` is readable for `size` bytes.
    let r = unsafe {
        libc::setsockopt(fd_arg(sock), level, option, (&v as *const OptVal).cast(), size)
    };
    if r == -1 {
        return Err(uerror(dom, name, None));
    }
    Ok(Value::UNIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_follow_the_constructor_orders_of_unix_ml() {
        assert_eq!(BOOL_OPTIONS.len(), 10);
        assert_eq!(BOOL_OPTIONS[7], (libc::IPPROTO_TCP, libc::TCP_NODELAY));
        assert_eq!(INT_OPTIONS[2].1, libc::SO_ERROR);
        assert_eq!(TIMEVAL_OPTIONS[1].1, libc::SO_SNDTIMEO);
    }
}
