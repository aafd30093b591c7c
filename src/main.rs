//! The `warden` command: an `ocamlrun`-compatible launcher.

fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        env_logger::init();
    }
    let argv: Vec<String> = std::env::args().collect();
    let inv = warden::startup::parse_command_line(&argv);
    let code = warden::startup::run(inv);
    std::process::exit(code);
}
