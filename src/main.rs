//! The `warden` command: an `ocamlrun`-compatible launcher.
//!
//! It is entered as C's `main`, without the Rust runtime's start-up (`#![no_main]`), which
//! would read `/proc/self/maps` to find the main thread's stack guard, install its own
//! stack-overflow handler on an alternate signal stack, ignore SIGPIPE and reopen closed
//! standard descriptors on `/dev/null`: work and pages an `ocamlrun` does not spend
//! (docs/footprint.md), and two of them (SIGPIPE, closed descriptors) behaviours it does not
//! have. The arguments are read from `main`'s own `argv` (musl, unlike glibc, does not hand
//! them to the binary's initialisers, so `std::env::args` would be empty in the static
//! build); the environment still reaches `std::env`. `std::process::exit` still flushes Rust's own `stdout`, and a
//! panic still ends the process through the hook `startup` installs. A stack overflow of
//! warden's own code is then a plain SIGSEGV, as in `ocamlrun`. (`cargo test` builds this
//! file with its test harness's `main` instead.)
#![cfg_attr(not(test), no_main)]

/// The process entry point, called by the C library with the command line.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char) -> ! {
    if std::env::var_os("RUST_LOG").is_some() {
        env_logger::init();
    }
    // SAFETY: the C library calls `main` with `argc` NUL-terminated strings in `argv`.
    let argv = unsafe { command_line(argc, argv) };
    let inv = warden::startup::parse_command_line(&argv);
    let code = warden::startup::run(inv);
    std::process::exit(code);
}

/// The command line `main` received. Arguments are bytes on Unix: the program sees them
/// unchanged in `Sys.argv`.
///
/// # Safety
/// `argv` must hold `argc` pointers to NUL-terminated strings (null `argv` or a negative
/// `argc`: no arguments).
#[cfg(not(test))]
unsafe fn command_line(
    argc: std::ffi::c_int,
    argv: *const *const std::ffi::c_char,
) -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    if argv.is_null() {
        return Vec::new();
    }
    (0..argc.max(0) as usize)
        .map(|i| {
            // SAFETY: i < argc, and each of the first argc entries is a C string.
            let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            std::ffi::OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
        .collect()
}
