//! The `warden` command: an `ocamlrun`-compatible launcher.

fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        env_logger::init();
    }
    // Arguments are bytes on Unix: the program sees them unchanged in Sys.argv.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let inv = warden::startup::parse_command_line(&argv);
    let code = warden::startup::run(inv);
    std::process::exit(code);
}
