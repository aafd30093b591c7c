//! OCaml's signal numbering: `Sys.sigabrt`, `Sys.sigalrm` ... are -1, -2 ..., the portable
//! names, mapped to the system's numbers here; any other number is the system's own.
/// Signals are numbered 1..NSIG-1 (Linux).
pub const NSIG: usize = 65;

/// The POSIX signals that OCaml numbers -1, -2, ... (`Sys.sigabrt` ...), in that order.
const POSIX_SIGNALS: [i32; 28] = [
    libc::SIGABRT,
    libc::SIGALRM,
    libc::SIGFPE,
    libc::SIGHUP,
    libc::SIGILL,
    libc::SIGINT,
    libc::SIGKILL,
    libc::SIGPIPE,
    libc::SIGQUIT,
    libc::SIGSEGV,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGCHLD,
    libc::SIGCONT,
    libc::SIGSTOP,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGBUS,
    libc::SIGPOLL,
    libc::SIGSYS,
    libc::SIGTRAP,
    libc::SIGURG,
    libc::SIGXCPU,
    libc::SIGXFSZ,
];

/// OCaml signal number to system signal number.
pub fn convert_signal_number(n: isize) -> isize {
    if n < 0 && n >= -(POSIX_SIGNALS.len() as isize) {
        POSIX_SIGNALS[(-n - 1) as usize] as isize
    } else {
        n
    }
}

/// System signal number to OCaml signal number.
pub fn rev_convert_signal_number(sig: i32) -> isize {
    match POSIX_SIGNALS.iter().position(|&s| s == sig) {
        Some(i) => -(i as isize) - 1,
        None => sig as isize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_numbers_round_trip() {
        assert_eq!(convert_signal_number(-6), libc::SIGINT as isize);
        assert_eq!(rev_convert_signal_number(libc::SIGINT), -6);
        assert_eq!(convert_signal_number(10), 10);
        assert_eq!(convert_signal_number(-100), -100);
        assert_eq!(rev_convert_signal_number(40), 40);
    }
}
