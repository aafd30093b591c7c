//! `unix` primitives on sockets and the network databases: socket, socketpair, bind,
//! connect, listen, accept, send/recv, shutdown, socket options, names and addresses,
//! `getaddrinfo`/`getnameinfo`, host, protocol and service entries.
//!
//! This file owns the socket calls themselves; `addr` converts between `Unix.sockaddr` /
//! `Unix.inet_addr` and the C structures, `sockopt` the option tables, `netdb` the name
//! services. Data moves through a copy of at most `UNIX_BUFFER_SIZE` bytes, as in the
//! stock library: a `send` or `recv` of more transfers at most that much.

mod addr;
mod netdb;
mod sockopt;

use super::{blocking_keep, cloexec_p, fd_arg, take, uerror, unix_error};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use crate::prims::PrimFn;
use addr::{alloc_sockaddr, get_sockaddr, SockAddr};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_unix_accept", accept),
    ("caml_unix_bind", bind),
    ("caml_unix_connect", connect),
    ("caml_unix_getaddrinfo", netdb::getaddrinfo),
    ("caml_unix_gethostbyaddr", netdb::gethostbyaddr),
    ("caml_unix_gethostbyname", netdb::gethostbyname),
    ("caml_unix_gethostname", netdb::gethostname),
    ("caml_unix_getnameinfo", netdb::getnameinfo),
    ("caml_unix_getpeername", getpeername),
    ("caml_unix_getprotobyname", netdb::getprotobyname),
    ("caml_unix_getprotobynumber", netdb::getprotobynumber),
    ("caml_unix_getservbyname", netdb::getservbyname),
    ("caml_unix_getservbyport", netdb::getservbyport),
    ("caml_unix_getsockname", getsockname),
    ("caml_unix_getsockopt", sockopt::getsockopt),
    ("caml_unix_inet_addr_of_string", addr::inet_addr_of_string),
    ("caml_unix_listen", listen),
    ("caml_unix_recv", recv),
    ("caml_unix_recvfrom", recvfrom),
    ("caml_unix_send", send),
    ("caml_unix_sendto", sendto),
    ("caml_unix_sendto_native", sendto),
    ("caml_unix_setsockopt", sockopt::setsockopt),
    ("caml_unix_shutdown", shutdown),
    ("caml_unix_socket", socket),
    ("caml_unix_socketpair", socketpair),
    ("caml_unix_string_of_inet_addr", addr::string_of_inet_addr),
];

/// The most bytes one `send`/`recv` transfers (the stock library's `UNIX_BUFFER_SIZE`).
const UNIX_BUFFER_SIZE: usize = 65536;

/// `Unix.socket_domain` in declaration order: `PF_UNIX`, `PF_INET`, `PF_INET6`.
const SOCKET_DOMAINS: [libc::c_int; 3] = [libc::PF_UNIX, libc::PF_INET, libc::PF_INET6];

/// `Unix.socket_type` in declaration order.
const SOCKET_TYPES: [libc::c_int; 4] =
    [libc::SOCK_STREAM, libc::SOCK_DGRAM, libc::SOCK_RAW, libc::SOCK_SEQPACKET];

/// `Unix.msg_flag` in declaration order: `MSG_OOB`, `MSG_DONTROUTE`, `MSG_PEEK`.
const MSG_FLAGS: [libc::c_int; 3] = [libc::MSG_OOB, libc::MSG_DONTROUTE, libc::MSG_PEEK];

/// The C constant of constructor `v` in `table` (a constant constructor of a type the
/// compiler checked, so always in range; anything else is refused rather than read past).
fn constr(table: &[libc::c_int], v: Value, what: &str) -> Result<libc::c_int, Exn> {
    usize::try_from(v.int())
        .ok()
        .and_then(|i| table.get(i))
        .copied()
        .ok_or_else(|| Exn::invalid_arg(format!("Unix: bad {what}")))
}

/// The index of C constant `n` in `table`, or 0 (`caml_unix_cst_to_constr` with default 0).
fn constr_of(table: &[libc::c_int], n: libc::c_int) -> Value {
    Value::of_int(table.iter().position(|&c| c == n).unwrap_or(0) as isize)
}

/// The bits of a list of constant constructors, each mapped through `table`
/// (`caml_convert_flag_list`).
fn flag_list(mut l: Value, table: &[libc::c_int]) -> libc::c_int {
    let mut bits = 0;
    // SAFETY: a list is the empty-list immediate or a cons block of two fields.
    unsafe {
        while l.is_block() {
            let c = l.field(0);
            bits |= usize::try_from(c.int()).ok().and_then(|i| table.get(i)).copied().unwrap_or(0);
            l = l.field(1);
        }
    }
    bits
}

fn socket(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [clo, domain, ty, proto] = take(args)?;
    let mut ty = constr(&SOCKET_TYPES, ty, "socket type")?;
    if cloexec_p(clo) {
        ty |= libc::SOCK_CLOEXEC;
    }
    let domain = constr(&SOCKET_DOMAINS, domain, "socket domain")?;
    // SAFETY: plain integer arguments.
    let fd = unsafe { libc::socket(domain, ty, proto.int() as libc::c_int) };
    if fd == -1 {
        return Err(uerror(dom, "socket", None));
    }
    Ok(Value::of_int(fd as isize))
}

fn socketpair(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [clo, domain, ty, proto] = take(args)?;
    let mut ty = constr(&SOCKET_TYPES, ty, "socket type")?;
    if cloexec_p(clo) {
        ty |= libc::SOCK_CLOEXEC;
    }
    let domain = constr(&SOCKET_DOMAINS, domain, "socket domain")?;
    let mut sv = [0 as libc::c_int; 2];
    // SAFETY: `sv` has room for the two descriptors socketpair writes.
    let r = unsafe { libc::socketpair(domain, ty, proto.int() as libc::c_int, sv.as_mut_ptr()) };
    if r == -1 {
        return Err(uerror(dom, "socketpair", None));
    }
    Ok(dom.alloc_tuple(0, &[Value::of_int(sv[0] as isize), Value::of_int(sv[1] as isize)]))
}

fn accept(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [clo, sock] = take(args)?;
    let flags = if cloexec_p(clo) { libc::SOCK_CLOEXEC } else { 0 };
    let fd = fd_arg(sock);
    let mut sa = SockAddr::zeroed();
    let mut len = SockAddr::capacity();
    let (r, errno) = dom.blocking_section(|| {
        // SAFETY: `sa` is a writable socket address buffer of `len` bytes.
        let r = unsafe { libc::accept4(fd, sa.as_mut_ptr(), &mut len, flags) };
        (r, super::last_errno())
    });
    if r == -1 {
        return Err(unix_error(dom, errno, "accept", None));
    }
    let a = alloc_sockaddr(dom, &sa, len, Some(r))?;
    Ok(dom.alloc_tuple(0, &[Value::of_int(r as isize), a]))
}

fn bind(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, address] = take(args)?;
    let (sa, len) = get_sockaddr(dom, address)?;
    // SAFETY: `sa` holds a socket address of `len` bytes.
    if unsafe { libc::bind(fd_arg(sock), sa.as_ptr(), len) } == -1 {
        return Err(uerror(dom, "bind", None));
    }
    Ok(Value::UNIT)
}

fn connect(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, address] = take(args)?;
    let (sa, len) = get_sockaddr(dom, address)?;
    let fd = fd_arg(sock);
    let (r, errno) = dom.blocking_section(|| {
        // SAFETY: `sa` holds a socket address of `len` bytes.
        let r = unsafe { libc::connect(fd, sa.as_ptr(), len) };
        (r, super::last_errno())
    });
    if r == -1 {
        return Err(unix_error(dom, errno, "connect", None));
    }
    Ok(Value::UNIT)
}

fn listen(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, backlog] = take(args)?;
    // SAFETY: plain integer arguments.
    if unsafe { libc::listen(fd_arg(sock), backlog.int() as libc::c_int) } == -1 {
        return Err(uerror(dom, "listen", None));
    }
    Ok(Value::UNIT)
}

fn shutdown(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, cmd] = take(args)?;
    // SHUTDOWN_RECEIVE, SHUTDOWN_SEND, SHUTDOWN_ALL are SHUT_RD, SHUT_WR, SHUT_RDWR.
    let how = constr(&[libc::SHUT_RD, libc::SHUT_WR, libc::SHUT_RDWR], cmd, "shutdown command")?;
    // SAFETY: plain integer arguments.
    if unsafe { libc::shutdown(fd_arg(sock), how) } == -1 {
        return Err(uerror(dom, "shutdown", None));
    }
    Ok(Value::UNIT)
}

/// `getsockname` or `getpeername` (`call`), reported as `cmd`.
fn socket_name(
    dom: &mut Domain,
    sock: Value,
    cmd: &str,
    call: unsafe extern "C" fn(
        libc::c_int,
        *mut libc::sockaddr,
        *mut libc::socklen_t,
    ) -> libc::c_int,
) -> PrimResult {
    let mut sa = SockAddr::zeroed();
    let mut len = SockAddr::capacity();
    // SAFETY: `sa` is a writable socket address buffer of `len` bytes.
    if unsafe { call(fd_arg(sock), sa.as_mut_ptr(), &mut len) } == -1 {
        return Err(uerror(dom, cmd, None));
    }
    alloc_sockaddr(dom, &sa, len, None)
}

fn getsockname(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock] = take(args)?;
    socket_name(dom, sock, "getsockname", libc::getsockname)
}

fn getpeername(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock] = take(args)?;
    socket_name(dom, sock, "getpeername", libc::getpeername)
}

/// The byte count of a transfer: `len`, at most `UNIX_BUFFER_SIZE` (`unix.ml` has checked
/// that `ofs` and `len` fit the buffer).
fn transfer_len(len: Value) -> usize {
    usize::try_from(len.int()).unwrap_or(0).min(UNIX_BUFFER_SIZE)
}

/// Copies `data` into bytes `buf` at `ofs` (bounds checked once more, cheaply).
fn store(buf: Value, ofs: Value, data: &[u8], cmd: &str) -> Result<(), Exn> {
    // SAFETY: `buf` is a `bytes` value, rooted by the caller until here.
    let bytes = unsafe { buf.bytes_mut() };
    let dst = usize::try_from(ofs.int())
        .ok()
        .and_then(|o| bytes.get_mut(o..o + data.len()))
        .ok_or_else(|| Exn::invalid_arg(format!("Unix.{cmd}")))?;
    dst.copy_from_slice(data);
    Ok(())
}

/// The `len` bytes (at most `UNIX_BUFFER_SIZE`) of `buf` at `ofs`, copied.
fn load(buf: Value, ofs: Value, len: Value, cmd: &str) -> Result<Vec<u8>, Exn> {
    let n = transfer_len(len);
    // SAFETY: `buf` is a `bytes` value.
    let bytes = unsafe { buf.bytes() };
    usize::try_from(ofs.int())
        .ok()
        .and_then(|o| bytes.get(o..o + n))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Exn::invalid_arg(format!("Unix.{cmd}")))
}

fn recv(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, buf, ofs, len, flags] = take(args)?;
    let flags = flag_list(flags, &MSG_FLAGS);
    let n = transfer_len(len);
    let fd = fd_arg(sock);
    let mut iobuf = vec![0u8; n];
    let ((r, errno), buf) = blocking_keep(dom, buf, || {
        // SAFETY: `iobuf` is a writable buffer of `n` bytes.
        let r = unsafe { libc::recv(fd, iobuf.as_mut_ptr().cast(), n, flags) };
        (r, super::last_errno())
    });
    if r == -1 {
        return Err(unix_error(dom, errno, "recv", None));
    }
    store(buf, ofs, &iobuf[..r as usize], "recv")?;
    Ok(Value::of_int(r))
}

fn recvfrom(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, buf, ofs, len, flags] = take(args)?;
    let flags = flag_list(flags, &MSG_FLAGS);
    let n = transfer_len(len);
    let fd = fd_arg(sock);
    let mut iobuf = vec![0u8; n];
    let mut sa = SockAddr::zeroed();
    let mut alen = SockAddr::capacity();
    let ((r, errno), buf) = blocking_keep(dom, buf, || {
        // SAFETY: `iobuf` is a writable buffer of `n` bytes, `sa` one of `alen` bytes.
        let r = unsafe {
            libc::recvfrom(fd, iobuf.as_mut_ptr().cast(), n, flags, sa.as_mut_ptr(), &mut alen)
        };
        (r, super::last_errno())
    });
    if r == -1 {
        return Err(unix_error(dom, errno, "recvfrom", None));
    }
    store(buf, ofs, &iobuf[..r as usize], "recvfrom")?;
    let a = alloc_sockaddr(dom, &sa, alen, None)?;
    Ok(dom.alloc_tuple(0, &[Value::of_int(r), a]))
}

fn send(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, buf, ofs, len, flags] = take(args)?;
    let flags = flag_list(flags, &MSG_FLAGS);
    let data = load(buf, ofs, len, "send")?;
    let fd = fd_arg(sock);
    let (r, errno) = dom.blocking_section(|| {
        // SAFETY: `data` is a readable buffer of its length.
        let r = unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), flags) };
        (r, super::last_errno())
    });
    if r == -1 {
        return Err(unix_error(dom, errno, "send", None));
    }
    Ok(Value::of_int(r))
}

/// `caml_unix_sendto` (bytecode, six arguments) and `caml_unix_sendto_native`.
fn sendto(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [sock, buf, ofs, len, flags, dest] = take(args)?;
    let flags = flag_list(flags, &MSG_FLAGS);
    let (sa, alen) = get_sockaddr(dom, dest)?;
    let data = load(buf, ofs, len, "sendto")?;
    let fd = fd_arg(sock);
    let (r, errno) = dom.blocking_section(|| {
        // SAFETY: `data` is a readable buffer of its length, `sa` an address of `alen` bytes.
        let r =
            unsafe { libc::sendto(fd, data.as_ptr().cast(), data.len(), flags, sa.as_ptr(), alen) };
        (r, super::last_errno())
    });
    if r == -1 {
        return Err(unix_error(dom, errno, "sendto", None));
    }
    Ok(Value::of_int(r))
}
