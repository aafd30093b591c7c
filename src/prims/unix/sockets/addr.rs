//! Socket addresses: `Unix.sockaddr` (`ADDR_UNIX of string | ADDR_INET of inet_addr * int`)
//! to and from the C structures, and `Unix.inet_addr` (a string of the 4 or 16 address
//! bytes, in network order) to and from its text.

use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use crate::prims::unix::{string_bytes, take, uerror, unix_error};
use std::mem::{offset_of, size_of};

// SAFETY: the POSIX <arpa/inet.h> functions, declared with their C prototypes (the libc
// crate omits them); callers pass buffers of the sizes they state.
unsafe extern "C" {
    fn inet_pton(af: libc::c_int, src: *const libc::c_char, dst: *mut libc::c_void) -> libc::c_int;
    fn inet_ntop(
        af: libc::c_int,
        src: *const libc::c_void,
        dst: *mut libc::c_char,
        size: libc::socklen_t,
    ) -> *const libc::c_char;
}

/// A buffer for any socket address the library handles (the stock `union sock_addr_union`,
/// whose size is the capacity passed to `accept`, `getsockname` ...).
#[repr(C)]
#[derive(Clone, Copy)]
pub union SockAddr {
    gen: libc::sockaddr,
    un: libc::sockaddr_un,
    inet: libc::sockaddr_in,
    inet6: libc::sockaddr_in6,
}

impl SockAddr {
    pub fn zeroed() -> SockAddr {
        // SAFETY: every member is plain integers and byte arrays, for which zero is valid.
        unsafe { std::mem::zeroed() }
    }
    pub fn capacity() -> libc::socklen_t {
        size_of::<SockAddr>() as libc::socklen_t
    }
    pub fn as_ptr(&self) -> *const libc::sockaddr {
        (self as *const SockAddr).cast()
    }
    pub fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (self as *mut SockAddr).cast()
    }
}

/// The offset of `sun_path` in `struct sockaddr_un`.
const SUN_PATH_OFFSET: usize = offset_of!(libc::sockaddr_un, sun_path);

/// The `N` leading bytes of an `inet_addr` (zero-filled if it is shorter).
fn inet_bytes<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = s.len().min(N);
    out[..n].copy_from_slice(&s[..n]);
    out
}

/// The C socket address of `Unix.sockaddr` `v` and its length (`caml_unix_get_sockaddr`).
/// A Unix path too long for `sun_path` is `ENAMETOOLONG`, one with a NUL byte `ENOENT`
/// unless it starts with one (a Linux abstract name); both reported with command "".
pub fn get_sockaddr(dom: &mut Domain, v: Value) -> Result<(SockAddr, libc::socklen_t), Exn> {
    let mut sa = SockAddr::zeroed();
    // SAFETY: a `sockaddr` is a block of tag 0 (one string field) or 1 (a string and an int).
    let (tag, f0) = unsafe { (v.tag(), v.field(0)) };
    let bytes = string_bytes(f0)?;
    if tag == 0 {
        // SAFETY: writing the members of a zeroed union that is then used as `sockaddr_un`.
        let un = unsafe { &mut sa.un };
        un.sun_family = libc::AF_UNIX as libc::sa_family_t;
        if bytes.len() >= un.sun_path.len() {
            return Err(unix_error(dom, libc::ENAMETOOLONG, "", Some(f0)));
        }
        if bytes.first().is_some_and(|&b| b != 0) && bytes.contains(&0) {
            return Err(unix_error(dom, libc::ENOENT, "", Some(f0)));
        }
        // The terminating NUL is already there: the buffer was zeroed.
        for (d, &s) in un.sun_path.iter_mut().zip(&bytes) {
            *d = s as libc::c_char;
        }
        return Ok((sa, (SUN_PATH_OFFSET + bytes.len()) as libc::socklen_t));
    }
    // SAFETY: `ADDR_INET` has a second field, the port.
    let port = (unsafe { v.field(1) }.int() as u16).to_be();
    if bytes.len() == 16 {
        // SAFETY: as above, for `sockaddr_in6`.
        let in6 = unsafe { &mut sa.inet6 };
        in6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
        in6.sin6_addr.s6_addr = inet_bytes::<16>(&bytes);
        in6.sin6_port = port;
        Ok((sa, size_of::<libc::sockaddr_in6>() as libc::socklen_t))
    } else {
        // SAFETY: as above, for `sockaddr_in`.
        let in4 = unsafe { &mut sa.inet };
        in4.sin_family = libc::AF_INET as libc::sa_family_t;
        in4.sin_addr.s_addr = u32::from_ne_bytes(inet_bytes::<4>(&bytes));
        in4.sin_port = port;
        Ok((sa, size_of::<libc::sockaddr_in>() as libc::socklen_t))
    }
}

/// The `Unix.sockaddr` of C address `sa` of `len` bytes (`caml_unix_alloc_sockaddr`). An
/// address of another family is `EAFNOSUPPORT` (command ""), after closing `close_on_error`.
pub fn alloc_sockaddr(
    dom: &mut Domain,
    sa: &SockAddr,
    len: libc::socklen_t,
    close_on_error: Option<libc::c_int>,
) -> PrimResult {
    let len = len as usize;
    if len < offset_of!(libc::sockaddr, sa_data) {
        // An unnamed Unix socket (its family may not even be set).
        let path = dom.alloc_bytes_from(b"");
        return Ok(dom.alloc_tuple(0, &[path]));
    }
    // SAFETY: the family is at the same place in every member; the member then read is the
    // one the family names, filled by the system.
    unsafe {
        match libc::c_int::from(sa.gen.sa_family) {
            libc::AF_UNIX => {
                let path: Vec<u8> = sa.un.sun_path.iter().map(|&c| c as u8).collect();
                let mut n = len.saturating_sub(SUN_PATH_OFFSET).min(path.len());
                // Pathnames may or may not end with a NUL; abstract names are kept whole.
                if path[0] != 0 {
                    n = path[..n].iter().position(|&b| b == 0).unwrap_or(n);
                }
                let p = dom.alloc_bytes_from(&path[..n]);
                Ok(dom.alloc_tuple(0, &[p]))
            }
            libc::AF_INET => {
                let a = dom.alloc_bytes_from(&sa.inet.sin_addr.s_addr.to_ne_bytes());
                let port = Value::of_int(u16::from_be(sa.inet.sin_port) as isize);
                Ok(dom.alloc_tuple(1, &[a, port]))
            }
            libc::AF_INET6 => {
                let a = dom.alloc_bytes_from(&sa.inet6.sin6_addr.s6_addr);
                let port = Value::of_int(u16::from_be(sa.inet6.sin6_port) as isize);
                Ok(dom.alloc_tuple(1, &[a, port]))
            }
            _ => {
                if let Some(fd) = close_on_error {
                    libc::close(fd);
                }
                Err(unix_error(dom, libc::EAFNOSUPPORT, "", None))
            }
        }
    }
}

/// `caml_unix_inet_addr_of_string`: an IPv4 dotted quad, else an IPv6 address; anything
/// else (or a string with a NUL byte) is `Failure "inet_addr_of_string"`.
pub fn inet_addr_of_string(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [s] = take(args)?;
    let fail = || Exn::failure("inet_addr_of_string");
    let text = std::ffi::CString::new(string_bytes(s)?).map_err(|_| fail())?;
    let mut a4 = [0u8; 4];
    let mut a6 = [0u8; 16];
    // SAFETY: `text` is NUL-terminated; each destination has the size of its family's address.
    unsafe {
        if inet_pton(libc::AF_INET, text.as_ptr(), a4.as_mut_ptr().cast()) > 0 {
            return Ok(dom.alloc_bytes_from(&a4));
        }
        if inet_pton(libc::AF_INET6, text.as_ptr(), a6.as_mut_ptr().cast()) > 0 {
            return Ok(dom.alloc_bytes_from(&a6));
        }
    }
    Err(fail())
}

/// `caml_unix_string_of_inet_addr`: the text of a 16-byte address as IPv6, of any other
/// as IPv4 (its first 4 bytes).
pub fn string_of_inet_addr(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [a] = take(args)?;
    let bytes = string_bytes(a)?;
    if let Ok(v6) = <[u8; 16]>::try_from(bytes.as_slice()) {
        return Ok(dom.alloc_bytes_from(ipv6_text(&v6).as_bytes()));
    }
    let mut buf = [0 as libc::c_char; 64];
    let (af, src) = if bytes.len() == 16 {
        (libc::AF_INET6, inet_bytes::<16>(&bytes))
    } else {
        (libc::AF_INET, inet_bytes::<16>(&bytes[..bytes.len().min(4)]))
    };
    // SAFETY: `src` holds at least the address bytes of `af`; `buf` has the stated size.
    let r = unsafe {
        inet_ntop(af, src.as_ptr().cast(), buf.as_mut_ptr(), buf.len() as libc::socklen_t)
    };
    if r.is_null() {
        return Err(uerror(dom, "string_of_inet_addr", None));
    }
    // SAFETY: on success `buf` holds a NUL-terminated string.
    let text = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Ok(dom.alloc_bytes_from(text.to_bytes()))
}

/// The text of an IPv6 address as glibc's `inet_ntop` writes it, on every libc (musl's
/// differs for IPv4-compatible addresses: `::102:304` where glibc writes `::1.2.3.4`): the
/// first longest run of two or more zero groups becomes `::`, the other groups are lower-case
/// hex without leading zeros, and an address that starts with exactly six zero groups, or
/// with five and then `ffff` (IPv4-compatible and IPv4-mapped), ends in dotted IPv4.
fn ipv6_text(b: &[u8; 16]) -> String {
    let words: Vec<u16> = b.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
    // The first longest run of zero words, if at least two long.
    let (mut best_base, mut best_len) = (None, 0);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best_base = Some(start);
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = None;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if let Some(base) = best_base {
            if i >= base && i < base + best_len {
                if i == base {
                    out.push(':');
                }
                i += 1;
                continue;
            }
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6
            && best_base == Some(0)
            && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))
        {
            out.push_str(&format!("{}.{}.{}.{}", b[12], b[13], b[14], b[15]));
            return out;
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    if best_base.is_some_and(|base| base + best_len == 8) {
        out.push(':');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ipv6_text;

    fn text(s: &str) -> String {
        ipv6_text(&s.parse::<std::net::Ipv6Addr>().unwrap().octets())
    }

    #[test]
    fn ipv6_text_is_glibcs() {
        // glibc 2.36's inet_ntop on these addresses.
        for (a, t) in [
            ("::", "::"),
            ("::1", "::1"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("fe80::1:2", "fe80::1:2"),
            ("1::", "1::"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("0:0:1::", "0:0:1::"),
            ("::ffff:0:1", "::ffff:0.0.0.1"),
        ] {
            assert_eq!(text(a), t, "{a}");
        }
    }

    /// On glibc hosts: the same text as the libc's own `inet_ntop` on many addresses.
    #[cfg(target_env = "gnu")]
    #[test]
    fn ipv6_text_agrees_with_glibc_inet_ntop() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut b = [0u8; 16];
            for byte in b.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Mostly zero groups, to exercise the runs.
                *byte = if x.is_multiple_of(3) { (x >> 8) as u8 } else { 0 };
            }
            let mut buf = [0 as libc::c_char; 64];
            // SAFETY: `b` is 16 bytes, `buf` 64.
            let r = unsafe {
                super::inet_ntop(libc::AF_INET6, b.as_ptr().cast(), buf.as_mut_ptr(), 64)
            };
            assert!(!r.is_null());
            // SAFETY: NUL-terminated on success.
            let libc_text =
                unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned();
            assert_eq!(ipv6_text(&b), libc_text, "{b:?}");
        }
    }
}
