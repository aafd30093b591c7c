//! The name services: the host name, host, protocol and service entries, `getaddrinfo`
//! and `getnameinfo`. A lookup that finds nothing raises `Not_found` (`getaddrinfo`
//! returns `[]`), as does a name with a NUL byte, which the system is never asked about.
//! Host lookups use the reentrant calls in a blocking section, like the stock library on
//! glibc; protocol and service lookups read local files and hold the runtime lock.

use super::addr::{alloc_sockaddr, get_sockaddr, SockAddr};
use super::{constr_of, flag_list, SOCKET_DOMAINS, SOCKET_TYPES};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use crate::prims::unix::{string_bytes, take};
use std::ffi::{CStr, CString};
use std::ptr;

// SAFETY: glibc's reentrant resolver calls and `getnameinfo`, declared with their C
// prototypes (the libc crate omits them for this target); callers pass buffers of the
// sizes they state.
unsafe extern "C" {
    fn gethostbyname_r(
        name: *const libc::c_char,
        ret: *mut libc::hostent,
        buf: *mut libc::c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::hostent,
        h_errnop: *mut libc::c_int,
    ) -> libc::c_int;
    fn gethostbyaddr_r(
        addr: *const libc::c_void,
        len: libc::socklen_t,
        ty: libc::c_int,
        ret: *mut libc::hostent,
        buf: *mut libc::c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::hostent,
        h_errnop: *mut libc::c_int,
    ) -> libc::c_int;
    #[link_name = "getnameinfo"]
    fn c_getnameinfo(
        sa: *const libc::sockaddr,
        salen: libc::socklen_t,
        host: *mut libc::c_char,
        hostlen: libc::socklen_t,
        serv: *mut libc::c_char,
        servlen: libc::socklen_t,
        flags: libc::c_int,
    ) -> libc::c_int;
}

/// The scratch size of the reentrant host lookups (the stock `NETDB_BUFFER_SIZE`): an
/// entry that does not fit is not found.
const NETDB_BUFFER_SIZE: usize = 10000;

/// `Unix.getnameinfo_option` in declaration order.
const NAMEINFO_FLAGS: [libc::c_int; 5] = [
    libc::NI_NOFQDN,
    libc::NI_NUMERICHOST,
    libc::NI_NAMEREQD,
    libc::NI_NUMERICSERV,
    libc::NI_DGRAM,
];

/// A string argument as a C string, or `Not_found` when it holds a NUL byte.
fn c_name(v: Value) -> Result<CString, Exn> {
    CString::new(string_bytes(v)?).map_err(|_| Exn::not_found())
}

/// A copy of C string `p`.
///
/// # Safety
/// `p` points to a NUL-terminated string.
unsafe fn copy(dom: &mut Domain, p: *const libc::c_char) -> Value {
    // SAFETY: by the contract.
    dom.alloc_bytes_from(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// An array of copies of the items of a NULL-terminated array of C strings (the atom
/// when it is empty or NULL).
///
/// # Safety
/// `p` is NULL or points to a NULL-terminated array of NUL-terminated strings.
unsafe fn copy_array(dom: &mut Domain, p: *const *mut libc::c_char) -> Value {
    let mut items = Vec::new();
    if !p.is_null() {
        // SAFETY: by the contract, every item up to the NULL one is a C string.
        unsafe {
            let mut i = 0;
            while !(*p.add(i)).is_null() {
                items.push(copy(dom, *p.add(i)));
                i += 1;
            }
        }
    }
    dom.alloc_tuple(0, &items)
}

pub fn gethostname(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let mut name = [0 as libc::c_char; 256];
    // SAFETY: `name` has room for the stated length; its last byte stays NUL.
    unsafe {
        libc::gethostname(name.as_mut_ptr(), name.len());
        name[255] = 0;
        Ok(copy(dom, name.as_ptr()))
    }
}

/// `Unix.host_entry` of `h`: name, aliases, address family (`PF_UNIX` 0, `PF_INET` 1,
/// anything else `PF_INET6`), addresses (4 or 16 bytes each).
///
/// # Safety
/// `h` is a valid `hostent` filled by the resolver.
unsafe fn host_entry(dom: &mut Domain, h: &libc::hostent) -> Value {
    // SAFETY: by the contract, the strings and arrays of `h` are valid.
    unsafe {
        let name = copy(dom, h.h_name);
        let aliases = copy_array(dom, h.h_aliases);
        let len = if h.h_length == 16 { 16 } else { 4 };
        let mut addrs = Vec::new();
        let mut i = 0;
        while !(*h.h_addr_list.add(i)).is_null() {
            let a = std::slice::from_raw_parts((*h.h_addr_list.add(i)) as *const u8, len);
            addrs.push(dom.alloc_bytes_from(a));
            i += 1;
        }
        let addrs = dom.alloc_tuple(0, &addrs);
        let family = match h.h_addrtype {
            libc::PF_UNIX => 0,
            libc::PF_INET => 1,
            _ => 2,
        };
        dom.alloc_tuple(0, &[name, aliases, Value::of_int(family), addrs])
    }
}

pub fn gethostbyname(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [name] = take(args)?;
    let name = c_name(name)?;
    // SAFETY: plain integers and pointers, for which zero is valid.
    let mut h: libc::hostent = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; NETDB_BUFFER_SIZE];
    let mut hp: *mut libc::hostent = ptr::null_mut();
    let rc = dom.blocking_section(|| {
        let mut herr = 0;
        // SAFETY: every pointer is to a live buffer of the stated size.
        unsafe {
            gethostbyname_r(name.as_ptr(), &mut h, buf.as_mut_ptr(), buf.len(), &mut hp, &mut herr)
        }
    });
    if rc != 0 || hp.is_null() {
        return Err(Exn::not_found());
    }
    // SAFETY: `hp` points to `h`, whose contents live in `buf`.
    Ok(unsafe { host_entry(dom, &*hp) })
}

pub fn gethostbyaddr(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [a] = take(args)?;
    let bytes = string_bytes(a)?;
    let (ty, len) = if bytes.len() == 16 { (libc::AF_INET6, 16) } else { (libc::AF_INET, 4) };
    let mut addr = [0u8; 16];
    let n = bytes.len().min(len);
    addr[..n].copy_from_slice(&bytes[..n]);
    // SAFETY: plain integers and pointers, for which zero is valid.
    let mut h: libc::hostent = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; NETDB_BUFFER_SIZE];
    let mut hp: *mut libc::hostent = ptr::null_mut();
    let rc = dom.blocking_section(|| {
        let mut herr = 0;
        // SAFETY: every pointer is to a live buffer of the stated size.
        unsafe {
            gethostbyaddr_r(
                addr.as_ptr().cast(),
                len as libc::socklen_t,
                ty,
                &mut h,
                buf.as_mut_ptr(),
                buf.len(),
                &mut hp,
                &mut herr,
            )
        }
    });
    if rc != 0 || hp.is_null() {
        return Err(Exn::not_found());
    }
    // SAFETY: `hp` points to `h`, whose contents live in `buf`.
    Ok(unsafe { host_entry(dom, &*hp) })
}

/// `Unix.protocol_entry` of `p` (name, aliases, number), or `Not_found` for NULL.
///
/// # Safety
/// `p` is NULL or a valid `protoent` from the C library.
unsafe fn proto_entry(dom: &mut Domain, p: *const libc::protoent) -> PrimResult {
    if p.is_null() {
        return Err(Exn::not_found());
    }
    // SAFETY: by the contract.
    unsafe {
        let name = copy(dom, (*p).p_name);
        let aliases = copy_array(dom, (*p).p_aliases);
        Ok(dom.alloc_tuple(0, &[name, aliases, Value::of_int((*p).p_proto as isize)]))
    }
}

pub fn getprotobyname(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [name] = take(args)?;
    let name = c_name(name)?;
    // SAFETY: `name` is a C string; the entry is copied before any other lookup.
    unsafe { proto_entry(dom, libc::getprotobyname(name.as_ptr())) }
}

pub fn getprotobynumber(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [n] = take(args)?;
    // SAFETY: the entry is copied before any other lookup.
    unsafe { proto_entry(dom, libc::getprotobynumber(n.int() as libc::c_int)) }
}

/// `Unix.service_entry` of `s` (name, aliases, port, protocol), or `Not_found` for NULL.
///
/// # Safety
/// `s` is NULL or a valid `servent` from the C library.
unsafe fn serv_entry(dom: &mut Domain, s: *const libc::servent) -> PrimResult {
    if s.is_null() {
        return Err(Exn::not_found());
    }
    // SAFETY: by the contract.
    unsafe {
        let name = copy(dom, (*s).s_name);
        let aliases = copy_array(dom, (*s).s_aliases);
        let proto = copy(dom, (*s).s_proto);
        let port = Value::of_int(u16::from_be((*s).s_port as u16) as isize);
        Ok(dom.alloc_tuple(0, &[name, aliases, port, proto]))
    }
}

pub fn getservbyname(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [name, proto] = take(args)?;
    let name = c_name(name)?;
    let proto = c_name(proto)?;
    // SAFETY: C strings; the entry is copied before any other lookup.
    unsafe { serv_entry(dom, libc::getservbyname(name.as_ptr(), proto.as_ptr())) }
}

pub fn getservbyport(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [port, proto] = take(args)?;
    let proto = c_name(proto)?;
    let port = libc::c_int::from((port.int() as u16).to_be());
    // SAFETY: a C string; the entry is copied before any other lookup.
    unsafe { serv_entry(dom, libc::getservbyport(port, proto.as_ptr())) }
}

/// Owns a `getaddrinfo` result list.
struct AddrInfo(*mut libc::addrinfo);

impl Drop for AddrInfo {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the list came from a successful `getaddrinfo` and is freed once.
            unsafe { libc::freeaddrinfo(self.0) };
        }
    }
}

/// `caml_unix_getaddrinfo`: the host and service ("" for none) and the option list; the
/// result in the reverse of the system's order, as the stock library builds it. A name
/// with a NUL byte, or a failed lookup, gives `[]`.
pub fn getaddrinfo(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [node, serv, opts] = take(args)?;
    let (Ok(node), Ok(serv)) =
        (CString::new(string_bytes(node)?), CString::new(string_bytes(serv)?))
    else {
        return Ok(Value::EMPTY_LIST);
    };
    // SAFETY: plain integers and pointers, for which zero is valid.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::PF_UNSPEC;
    let mut l = opts;
    // SAFETY: a list of `Unix.getaddrinfo_option`: constants, or blocks of one int field.
    unsafe {
        while l.is_block() {
            let o = l.field(0);
            if o.is_block() {
                let i = o.field(0).int();
                match o.tag() {
                    0 => {
                        hints.ai_family =
                            super::constr(&SOCKET_DOMAINS, Value::of_int(i), "socket domain")?
                    }
                    1 => {
                        hints.ai_socktype =
                            super::constr(&SOCKET_TYPES, Value::of_int(i), "socket type")?
                    }
                    2 => hints.ai_protocol = i as libc::c_int,
                    _ => {}
                }
            } else {
                match o.int() {
                    0 => hints.ai_flags |= libc::AI_NUMERICHOST,
                    1 => hints.ai_flags |= libc::AI_CANONNAME,
                    2 => hints.ai_flags |= libc::AI_PASSIVE,
                    _ => {}
                }
            }
            l = l.field(1);
        }
    }
    let opt_ptr = |c: &CString| if c.as_bytes().is_empty() { ptr::null() } else { c.as_ptr() };
    let (node_p, serv_p) = (opt_ptr(&node), opt_ptr(&serv));
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: NULL or C strings alive until the call returns; `hints` and `res` are local.
    let rc =
        dom.blocking_section(|| unsafe { libc::getaddrinfo(node_p, serv_p, &hints, &mut res) });
    if rc != 0 {
        return Ok(Value::EMPTY_LIST);
    }
    let list = AddrInfo(res);
    let mut out = Value::EMPTY_LIST;
    let mut r = list.0;
    while !r.is_null() {
        // SAFETY: `r` is a node of the list `getaddrinfo` returned, alive until `list` drops.
        let a = unsafe { &*r };
        let mut sa = SockAddr::zeroed();
        let len = (a.ai_addrlen as usize).min(SockAddr::capacity() as usize);
        // SAFETY: `ai_addr` holds `ai_addrlen` bytes; `sa` has room for `len`.
        unsafe {
            ptr::copy_nonoverlapping(
                a.ai_addr.cast::<u8>(),
                (&mut sa as *mut SockAddr).cast::<u8>(),
                len,
            )
        };
        let addr = alloc_sockaddr(dom, &sa, len as libc::socklen_t, None)?;
        let canon = if a.ai_canonname.is_null() {
            dom.alloc_bytes_from(b"")
        } else {
            // SAFETY: a C string of the node.
            unsafe { copy(dom, a.ai_canonname) }
        };
        let entry = dom.alloc_tuple(
            0,
            &[
                constr_of(&SOCKET_DOMAINS, a.ai_family),
                constr_of(&SOCKET_TYPES, a.ai_socktype),
                Value::of_int(a.ai_protocol as isize),
                addr,
                canon,
            ],
        );
        out = dom.alloc_tuple(0, &[entry, out]);
        r = a.ai_next;
    }
    Ok(out)
}

/// `caml_unix_getnameinfo`: `(host, service)` of a socket address; any failure is
/// `Not_found`.
pub fn getnameinfo(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [addr, opts] = take(args)?;
    let (sa, len) = get_sockaddr(dom, addr)?;
    let flags = flag_list(opts, &NAMEINFO_FLAGS);
    let mut host = vec![0 as libc::c_char; 4096];
    let mut serv = vec![0 as libc::c_char; 1024];
    let rc = dom.blocking_section(|| {
        // SAFETY: `sa` holds an address of `len` bytes; the buffers have the stated sizes.
        unsafe {
            c_getnameinfo(
                sa.as_ptr(),
                len,
                host.as_mut_ptr(),
                host.len() as libc::socklen_t,
                serv.as_mut_ptr(),
                serv.len() as libc::socklen_t,
                flags,
            )
        }
    });
    if rc != 0 {
        return Err(Exn::not_found());
    }
    // SAFETY: on success both buffers hold NUL-terminated strings.
    let (h, s) = unsafe { (copy(dom, host.as_ptr()), copy(dom, serv.as_ptr())) };
    Ok(dom.alloc_tuple(0, &[h, s]))
}
