//! The texts of OS error numbers, as glibc's `strerror` writes them (in the C locale).
//!
//! `Sys_error` messages must read exactly as the stock `ocamlrun` built on glibc prints them,
//! whatever libc warden is linked with: musl's `strerror` words several errors differently
//! ("Resource deadlock would occur" for `EDEADLK`, where glibc says "Resource deadlock
//! avoided"). So the texts come from this fixed table, keyed by the `libc` crate's constants
//! (errno numbers differ between Linux architectures; the texts do not).
//!
//! The table was generated from glibc 2.36's `strerror`; the test below compares it with the
//! `strerror` of the glibc it runs on, for every number, and on a mismatch prints the table
//! regenerated from that glibc.

/// glibc's text for errno `code`: the table's entry, or `Unknown error <code>`.
#[cfg(target_os = "linux")]
pub fn message(code: i32) -> std::borrow::Cow<'static, str> {
    match known(code) {
        Some(text) => text.into(),
        None => format!("Unknown error {code}").into(),
    }
}

/// Elsewhere the platform's own `strerror` is the stock runtime's too.
#[cfg(not(target_os = "linux"))]
pub fn message(code: i32) -> std::borrow::Cow<'static, str> {
    // SAFETY: strerror returns a pointer to a static (or thread-local) C string, copied at
    // once.
    unsafe { std::ffi::CStr::from_ptr(libc::strerror(code)).to_string_lossy().into_owned().into() }
}

/// The table (Linux numbers): glibc 2.36's `strerror` texts.
#[cfg(target_os = "linux")]
fn known(code: i32) -> Option<&'static str> {
    Some(match code {
        0 => "Success",
        libc::EPERM => "Operation not permitted",
        libc::ENOENT => "No such file or directory",
        libc::ESRCH => "No such process",
        libc::EINTR => "Interrupted system call",
        libc::EIO => "Input/output error",
        libc::ENXIO => "No such device or address",
        libc::E2BIG => "Argument list too long",
        libc::ENOEXEC => "Exec format error",
        libc::EBADF => "Bad file descriptor",
        libc::ECHILD => "No child processes",
        libc::EAGAIN => "Resource temporarily unavailable",
        libc::ENOMEM => "Cannot allocate memory",
        libc::EACCES => "Permission denied",
        libc::EFAULT => "Bad address",
        libc::ENOTBLK => "Block device required",
        libc::EBUSY => "Device or resource busy",
        libc::EEXIST => "File exists",
        libc::EXDEV => "Invalid cross-device link",
        libc::ENODEV => "No such device",
        libc::ENOTDIR => "Not a directory",
        libc::EISDIR => "Is a directory",
        libc::EINVAL => "Invalid argument",
        libc::ENFILE => "Too many open files in system",
        libc::EMFILE => "Too many open files",
        libc::ENOTTY => "Inappropriate ioctl for device",
        libc::ETXTBSY => "Text file busy",
        libc::EFBIG => "File too large",
        libc::ENOSPC => "No space left on device",
        libc::ESPIPE => "Illegal seek",
        libc::EROFS => "Read-only file system",
        libc::EMLINK => "Too many links",
        libc::EPIPE => "Broken pipe",
        libc::EDOM => "Numerical argument out of domain",
        libc::ERANGE => "Numerical result out of range",
        libc::EDEADLK => "Resource deadlock avoided",
        libc::ENAMETOOLONG => "File name too long",
        libc::ENOLCK => "No locks available",
        libc::ENOSYS => "Function not implemented",
        libc::ENOTEMPTY => "Directory not empty",
        libc::ELOOP => "Too many levels of symbolic links",
        libc::ENOMSG => "No message of desired type",
        libc::EIDRM => "Identifier removed",
        libc::ECHRNG => "Channel number out of range",
        libc::EL2NSYNC => "Level 2 not synchronized",
        libc::EL3HLT => "Level 3 halted",
        libc::EL3RST => "Level 3 reset",
        libc::ELNRNG => "Link number out of range",
        libc::EUNATCH => "Protocol driver not attached",
        libc::ENOCSI => "No CSI structure available",
        libc::EL2HLT => "Level 2 halted",
        libc::EBADE => "Invalid exchange",
        libc::EBADR => "Invalid request descriptor",
        libc::EXFULL => "Exchange full",
        libc::ENOANO => "No anode",
        libc::EBADRQC => "Invalid request code",
        libc::EBADSLT => "Invalid slot",
        libc::EBFONT => "Bad font file format",
        libc::ENOSTR => "Device not a stream",
        libc::ENODATA => "No data available",
        libc::ETIME => "Timer expired",
        libc::ENOSR => "Out of streams resources",
        libc::ENONET => "Machine is not on the network",
        libc::ENOPKG => "Package not installed",
        libc::EREMOTE => "Object is remote",
        libc::ENOLINK => "Link has been severed",
        libc::EADV => "Advertise error",
        libc::ESRMNT => "Srmount error",
        libc::ECOMM => "Communication error on send",
        libc::EPROTO => "Protocol error",
        libc::EMULTIHOP => "Multihop attempted",
        libc::EDOTDOT => "RFS specific error",
        libc::EBADMSG => "Bad message",
        libc::EOVERFLOW => "Value too large for defined data type",
        libc::ENOTUNIQ => "Name not unique on network",
        libc::EBADFD => "File descriptor in bad state",
        libc::EREMCHG => "Remote address changed",
        libc::ELIBACC => "Can not access a needed shared library",
        libc::ELIBBAD => "Accessing a corrupted shared library",
        libc::ELIBSCN => ".lib section in a.out corrupted",
        libc::ELIBMAX => "Attempting to link in too many shared libraries",
        libc::ELIBEXEC => "Cannot exec a shared library directly",
        libc::EILSEQ => "Invalid or incomplete multibyte or wide character",
        libc::ERESTART => "Interrupted system call should be restarted",
        libc::ESTRPIPE => "Streams pipe error",
        libc::EUSERS => "Too many users",
        libc::ENOTSOCK => "Socket operation on non-socket",
        libc::EDESTADDRREQ => "Destination address required",
        libc::EMSGSIZE => "Message too long",
        libc::EPROTOTYPE => "Protocol wrong type for socket",
        libc::ENOPROTOOPT => "Protocol not available",
        libc::EPROTONOSUPPORT => "Protocol not supported",
        libc::ESOCKTNOSUPPORT => "Socket type not supported",
        libc::EOPNOTSUPP => "Operation not supported",
        libc::EPFNOSUPPORT => "Protocol family not supported",
        libc::EAFNOSUPPORT => "Address family not supported by protocol",
        libc::EADDRINUSE => "Address already in use",
        libc::EADDRNOTAVAIL => "Cannot assign requested address",
        libc::ENETDOWN => "Network is down",
        libc::ENETUNREACH => "Network is unreachable",
        libc::ENETRESET => "Network dropped connection on reset",
        libc::ECONNABORTED => "Software caused connection abort",
        libc::ECONNRESET => "Connection reset by peer",
        libc::ENOBUFS => "No buffer space available",
        libc::EISCONN => "Transport endpoint is already connected",
        libc::ENOTCONN => "Transport endpoint is not connected",
        libc::ESHUTDOWN => "Cannot send after transport endpoint shutdown",
        libc::ETOOMANYREFS => "Too many references: cannot splice",
        libc::ETIMEDOUT => "Connection timed out",
        libc::ECONNREFUSED => "Connection refused",
        libc::EHOSTDOWN => "Host is down",
        libc::EHOSTUNREACH => "No route to host",
        libc::EALREADY => "Operation already in progress",
        libc::EINPROGRESS => "Operation now in progress",
        libc::ESTALE => "Stale file handle",
        libc::EUCLEAN => "Structure needs cleaning",
        libc::ENOTNAM => "Not a XENIX named type file",
        libc::ENAVAIL => "No XENIX semaphores available",
        libc::EISNAM => "Is a named type file",
        libc::EREMOTEIO => "Remote I/O error",
        libc::EDQUOT => "Disk quota exceeded",
        libc::ENOMEDIUM => "No medium found",
        libc::EMEDIUMTYPE => "Wrong medium type",
        libc::ECANCELED => "Operation canceled",
        libc::ENOKEY => "Required key not available",
        libc::EKEYEXPIRED => "Key has expired",
        libc::EKEYREVOKED => "Key has been revoked",
        libc::EKEYREJECTED => "Key was rejected by service",
        libc::EOWNERDEAD => "Owner died",
        libc::ENOTRECOVERABLE => "State not recoverable",
        libc::ERFKILL => "Operation not possible due to RF-kill",
        libc::EHWPOISON => "Memory page has hardware error",
        _ => return None,
    })
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// glibc's own text for `code`.
    fn glibc(code: i32) -> String {
        // SAFETY: strerror returns a pointer to a static (or thread-local) C string, copied
        // before anything else calls strerror on this thread.
        unsafe { std::ffi::CStr::from_ptr(libc::strerror(code)).to_string_lossy().into_owned() }
    }

    #[test]
    fn table_matches_glibc_strerror() {
        let codes = (-300..=5000).chain([i32::MIN, i32::MAX]);
        let wrong: Vec<i32> = codes.clone().filter(|&c| message(c) != glibc(c)).collect();
        if !wrong.is_empty() {
            // The table as this glibc would have it (the names are looked up by number in
            // the current table; new numbers need a name added by hand).
            let mut regenerated = String::new();
            for c in 0..=5000 {
                let text = glibc(c);
                if text != format!("Unknown error {c}") {
                    regenerated.push_str(&format!("        {c} => {text:?},\n"));
                }
            }
            panic!(
                "the errno table differs from this glibc's strerror for {wrong:?};\n\
                 glibc's table by number:\n{regenerated}"
            );
        }
    }

    #[test]
    fn unknown_numbers_are_named_like_glibc() {
        assert_eq!(message(41), "Unknown error 41");
        assert_eq!(message(-1), "Unknown error -1");
        assert_eq!(message(libc::EDEADLK), "Resource deadlock avoided");
    }
}

/// The OS error text as the stock runtime prints it: glibc's `strerror` text, whatever the
/// libc; an error without an OS number prints as Rust describes it.
pub fn strerror(err: &std::io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => message(code).into_owned(),
        None => err.to_string(),
    }
}
