//! Where the integration tests find the repository and the stock OCaml 5.3.0 toolchain, the
//! oracle every test compares warden with. `scripts/ocaml-toolchain.sh` installs the
//! toolchain when it is missing (honouring `WARDEN_OCAML_PREFIX`) and prints its prefix on
//! its last line; the lookup runs once per test binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The repository's root (where Cargo.toml is).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The stock toolchain's prefix (with `bin/ocamlc`, `bin/ocamlrun`, `lib/ocaml`); panics
/// with the reason when it cannot be installed.
pub fn toolchain() -> &'static Path {
    static PREFIX: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = PREFIX.get_or_init(|| {
        let script = repo_root().join("scripts").join("ocaml-toolchain.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!("{} failed ({})", script.display(), out.status));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let prefix = PathBuf::from(text.trim().lines().last().unwrap_or(""));
        for tool in ["ocamlc", "ocamlrun", "ocamllex", "ocamlyacc"] {
            if !prefix.join("bin").join(tool).is_file() {
                return Err(format!("{} has no bin/{tool}", prefix.display()));
            }
        }
        Ok(prefix)
    });
    match found {
        Ok(prefix) => prefix,
        Err(msg) => panic!("the stock OCaml toolchain is unavailable: {msg}"),
    }
}
