//! Compiles the C allocator shim (native/shim.c) with the `cc` crate.
//!
//! - For a musl target the C compiler is `musl-gcc` (from musl-tools) when it is on PATH and
//!   no `CC_<target>`/`TARGET_CC` was given, so the shim is built against musl's headers.
//! - When the Rust code is built with `-Zsanitizer=address` or `thread` (seen in
//!   `CARGO_ENCODED_RUSTFLAGS`, or `CARGO_CFG_SANITIZE` on nightly), the shim gets the same
//!   `-fsanitize=` flag, so its accesses are checked and its poisoning calls are compiled in.
//!   The sanitizer runtime itself is linked by rustc.
//! - With AddressSanitizer the Rust code gets `--cfg warden_asan` (a stable stand-in for the
//!   unstable `cfg(sanitize = "address")`): the heap then poisons the memory it carves itself
//!   (free pool slots) for ASan. Other builds contain no such code.
//! - An optimised build whose rustflags lack the interpreter's tail-duplication limits
//!   (`.cargo/config.toml`; a `RUSTFLAGS` variable replaces them) gets a warning: the
//!   dispatch then shares one indirect jump, about 25% slower (docs/architecture.md).

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=native/shim.c");
    println!("cargo:rerun-if-changed=native/shim.h");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");

    let target = env::var("TARGET").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();

    let mut build = cc::Build::new();
    build
        .file("native/shim.c")
        .include("native")
        .std("c11")
        .warnings(true)
        .extra_warnings(true)
        .flag_if_supported("-fno-strict-aliasing");

    if target_env == "musl" && !has_cc_override(&target) && on_path("musl-gcc") {
        build.compiler("musl-gcc");
    }

    let sanitizers = sanitizers();
    println!("cargo:rustc-check-cfg=cfg(warden_asan)");
    if sanitizers.iter().any(|s| s == "address") {
        println!("cargo:rustc-cfg=warden_asan");
    }
    // Recorded in the build script's output file (target/.../build/warden-*/output).
    println!(
        "warden-shim: compiler {}, sanitizers {:?}",
        build.get_compiler().path().display(),
        sanitizers
    );
    for sanitizer in sanitizers {
        match sanitizer.as_str() {
            "address" => {
                build.flag("-fsanitize=address").flag("-fno-omit-frame-pointer");
            }
            "thread" => {
                build.flag("-fsanitize=thread");
            }
            // Other sanitizers (memory, hwaddress, ...) are not supported by the shim's
            // build; the shim is then compiled without instrumentation.
            _ => {}
        }
    }

    build.compile("warden_shim");
    warn_without_dispatch_flags();
}

/// Warns when an optimised build lacks `-tail-dup-pred-size`/`-tail-dup-succ-size` (see the
/// module doc): the flags are silently dropped when `RUSTFLAGS` is set.
fn warn_without_dispatch_flags() {
    let optimised = env::var("OPT_LEVEL").is_ok_and(|o| o == "2" || o == "3");
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if optimised && !flags.contains("tail-dup-pred-size") {
        println!(
            "cargo:warning=rustflags lack .cargo/config.toml's -C llvm-args=-tail-dup-pred-size=400 \
             -C llvm-args=-tail-dup-succ-size=400 (a RUSTFLAGS variable replaces them): the \
             interpreter's dispatch is about 25% slower; add them to RUSTFLAGS"
        );
    }
}

/// The sanitizers the Rust code is built with (`-Zsanitizer=a,b` or `-Z sanitizer=a`).
fn sanitizers() -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    if let Ok(cfg) = env::var("CARGO_CFG_SANITIZE") {
        found.extend(cfg.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
    }
    if let Ok(flags) = env::var("CARGO_ENCODED_RUSTFLAGS") {
        let args: Vec<&str> = flags.split('\x1f').collect();
        for (i, arg) in args.iter().enumerate() {
            let value = if let Some(v) = arg.strip_prefix("-Zsanitizer=") {
                Some(v)
            } else if *arg == "-Z" {
                args.get(i + 1).and_then(|a| a.strip_prefix("sanitizer="))
            } else {
                None
            };
            if let Some(v) = value {
                found.extend(v.split(',').map(str::to_string));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether the user chose a C compiler for `target` through the variables `cc` reads.
fn has_cc_override(target: &str) -> bool {
    let underscored = target.replace('-', "_");
    [format!("CC_{target}"), format!("CC_{underscored}"), "TARGET_CC".to_string()].iter().any(|k| {
        println!("cargo:rerun-if-env-changed={k}");
        env::var_os(k).is_some_and(|v| !v.is_empty())
    })
}

fn on_path(program: &str) -> bool {
    env::var_os("PATH").is_some_and(|paths| {
        env::split_paths(&paths).any(|dir| Path::new(&dir).join(program).is_file())
    })
}
