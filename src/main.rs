//! The `warden` command: an `ocamlrun`-compatible launcher.
//!
//! It is entered as C's `main`, without the Rust runtime's start-up (`#![no_main]`), which
//! would read `/proc/self/maps` to find the main thread's stack guard, install its own
//! stack-overflow handler on an alternate signal stack, ignore SIGPIPE and reopen closed
//! standard descriptors on `/dev/null`: work and pages an `ocamlrun` does not spend
//! (docs/footprint.md), and two of them (SIGPIPE, closed descriptors) behaviours it does not
//! have. Arguments and the environment still reach `std::env` (glibc hands them to the
//! binary's initialisers), `std::process::exit` still flushes Rust's own `stdout`, and a
//! panic still ends the process through the hook `startup` installs. A stack overflow of
//! warden's own code is then a plain SIGSEGV, as in `ocamlrun`. (`cargo test` builds this
//! file with its test harness's `main` instead.)
#![cfg_attr(not(test), no_main)]

/// The process entry point (called by the C library with the command line, which `std::env`
/// reads by itself).
#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(_argc: std::ffi::c_int, _argv: *const *const std::ffi::c_char) -> ! {
    if std::env::var_os("RUST_LOG").is_some() {
        env_logger::init();
    }
    // Arguments are bytes on Unix: the program sees them unchanged in Sys.argv.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let inv = warden::startup::parse_command_line(&argv);
    let code = warden::startup::run(inv);
    std::process::exit(code);
}
