//! Compiles the C allocator shim (native/shim.c) and the C side of the C API
//! (native/capi.c, native/trampoline.c) with the `cc` crate, generates the table of C
//! primitive slots (`src/capi/call.rs`), and links the binary with `-rdynamic`, so that the
//! stub libraries it opens find the C API in its dynamic symbol table (as `ocamlrun`, linked
//! with `-Wl,-E`).
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
//! - The binary's layout, for a small resident size (docs/footprint.md): on glibc Linux the
//!   functions listed in `link/hot-text.txt` (what an empty program and the benchmarks run,
//!   written by `scripts/hot-text.sh`) are placed together at the front of the code, through
//!   a linker script that augments the default one (`INSERT`), and relative relocations are
//!   packed (`-z pack-relative-relocs`: the loader reads a few KiB instead of 110 KiB; a
//!   linker or C library without DT_RELR makes ordinary ones).

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=native/shim.c");
    println!("cargo:rerun-if-changed=native/shim.h");
    println!("cargo:rerun-if-changed=native/capi.c");
    println!("cargo:rerun-if-changed=native/capi.h");
    println!("cargo:rerun-if-changed=native/trampoline.c");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link/hot-text.txt");
    println!("cargo:rerun-if-changed=link/hot-rodata.txt");
    println!("cargo:rerun-if-changed=src/prims/arity.txt");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");

    let target = env::var("TARGET").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();

    let mut build = cc::Build::new();
    build
        .file("native/shim.c")
        .file("native/capi.c")
        .file("native/trampoline.c")
        .include("native")
        .std("c11")
        .warnings(true)
        .extra_warnings(true)
        .flag_if_supported("-fno-strict-aliasing");

    if target_env == "musl" && !has_cc_override(&target) && on_path("musl-gcc") {
        build.compiler("musl-gcc");
    }

    let sanitizers = sanitizers();
    let sanitized = !sanitizers.is_empty();
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

    let compiler = build.get_compiler().path().to_path_buf();
    build.compile("warden_shim");

    // The C API's symbols must be in the binary's dynamic symbol table, and kept by the
    // linker although nothing in the binary calls most of them. A static musl binary has no
    // dynamic loader (and no dynamic symbol table): it opens no library (docs/stubs.md).
    if target_env != "musl" {
        println!("cargo:rustc-link-arg-bins=-rdynamic");
    }
    write_stub_table();
    write_arity_table();
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" && target_env == "gnu" {
        link_layout();
        if !sanitized {
            link_unwinder_statically(&compiler);
        }
    }
}

/// The interpreter's dispatch loop (`interp::run::interpret`), in mangled form.
const INTERPRET_SYMBOL: &str = "6interp3run9interpret";

/// The link arguments of the binary's layout (see the module doc).
fn link_layout() {
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    // Segments aligned to 64 KiB in the address space (the kernel aligns the load address to
    // it): the fault-around windows, 64 KiB aligned in the address space, then coincide with
    // the file's (the hot text's) own 64 KiB windows in every run, not at a random offset.
    println!("cargo:rustc-link-arg-bins=-Wl,-z,max-page-size=0x10000");
    let list = std::fs::read_to_string("link/hot-text.txt").expect("read link/hot-text.txt");
    let mut script = String::from(
        "/* Generated by build.rs from link/hot-text.txt: these functions first. */\n\
         SECTIONS\n{\n  .text.warden_hot :\n  {\n",
    );
    // What every run executes besides the listed functions, first: the C start files'
    // code (`_start`; `frame_dummy` and `__do_global_dtors_aux`, which the init and fini
    // arrays call), the `_init` and `_fini` that the C library calls, and the PLT, through
    // which the C code calls the C library. Left where the linker puts them by default,
    // `_start` (the front of `.text`) and the others (after `.text`) each make one more
    // window of the code resident.
    script.push_str(
        "    *crt1.o(.text .text.*)\n    *crti.o(.text .text.*)\n    \
         *crtbegin*.o(.text .text.*)\n    KEEP(*(SORT_NONE(.init)))\n    \
         KEEP(*(SORT_NONE(.fini)))\n    *(.plt) *(.plt.*) *(.iplt)\n",
    );
    for name in list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        // Cold functions (`#[cold]`: slow paths such as a vector's growth, which start-up
        // runs too) are in `.text.unlikely.<name>`.
        let pattern = section_pattern(name);
        if name.contains(INTERPRET_SYMBOL) {
            // The dispatch loop's blocks keep their offsets within cache lines from build
            // to build, whatever the list puts before it: at a 16-byte offset its handlers
            // straddled other lines and ran 13-16% slower (int_loops, fannkuch; same
            // instructions, callgrind).
            script.push_str("    . = ALIGN(64);\n");
        }
        script.push_str(&format!("    *(.text.{pattern} .text.unlikely.{pattern})\n"));
    }
    script.push_str("  }\n}\nINSERT BEFORE .text;\n");
    script.push_str(&hot_rodata(&list));
    let path = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("hot-text.ld");
    std::fs::write(&path, script).expect("write hot-text.ld");
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", path.display());
}

/// The linker script's second part: the read-only data a run reads, placed together at the
/// front of `.rodata`, right after the dynamic loader's tables (symbols, relocations), so
/// that a run maps two 64 KiB windows of the file's read-only part instead of three or four
/// (docs/footprint.md). In order: the merged constants (`.rodata.cst*`: the floating and
/// SIMD constants of the hot code); the jump tables and lookup tables of the functions of
/// `hot_text` (LLVM puts them in `.rodata.<its symbol>` and `.rodata..Lswitch.table.<its
/// symbol>`); the data of `link/hot-rodata.txt`
/// (the named tables start-up and the benchmarks read: the opcode decoder, the primitive
/// index, ...); the merged C strings (`.rodata.str1.*`, 15 KiB: a program that starts a
/// domain reads some); then every anonymous constant (`.rodata..L*`: string literals, the arity
/// names, small tables), whose names LLVM numbers afresh in every build, so they cannot be
/// listed: together they are ~60 KiB, and the ones a run reads are among them. What stays in
/// `.rodata` (cold tables: the C stubs' offsets, the float parsing tables, the standard
/// library's switch tables of cold functions) comes after.
fn hot_rodata(hot_text: &str) -> String {
    let data = std::fs::read_to_string("link/hot-rodata.txt").unwrap_or_default();
    let names = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(section_pattern)
            .collect()
    };
    let mut script = String::from(
        "SECTIONS\n{\n  .rodata.warden_hot :\n  {\n    \
         *(.rodata.cst4) *(.rodata.cst8) *(.rodata.cst16) *(.rodata.cst32)\n",
    );
    for pattern in names(hot_text).iter().chain(&names(&data)) {
        script.push_str(&format!(
            "    *(.rodata.{pattern} .rodata.unlikely.{pattern} .rodata..Lswitch.table.{pattern})\n"
        ));
    }
    script.push_str("    *(.rodata.str1.*)\n    *(.rodata..L*)\n  }\n}\nINSERT BEFORE .rodata;\n");
    script
}

/// Links the C compiler's static unwinder (`libgcc_eh.a`, as `gcc -static-libgcc` does)
/// into the binary, so that the loader does not map `libgcc_s.so.1` (~100 KiB resident,
/// docs/footprint.md) for the Rust standard library's `_Unwind_*` calls (panics, backtraces).
/// Whole archive: its definitions are in place before the standard library's `-lgcc_s`,
/// which `--as-needed` then drops. Its symbols are hidden, so `-rdynamic` does not export
/// them to the stub libraries (one that needs an unwinder loads its own `libgcc_s`). When
/// the compiler has no such archive, the binary keeps `libgcc_s`.
fn link_unwinder_statically(compiler: &Path) {
    let found = std::process::Command::new(compiler)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| std::path::PathBuf::from(s.trim()))
        .filter(|p| p.is_absolute() && p.is_file());
    let Some(archive) = found else {
        println!("cargo:warning=no libgcc_eh.a: the binary needs libgcc_s.so.1");
        return;
    };
    println!(
        "cargo:rustc-link-arg-bins=-Wl,--whole-archive,{},--no-whole-archive",
        archive.display()
    );
}

/// A glob for the code section of the function `name`, whichever build made it: the hash of
/// a legacy Rust symbol (`17h<16 hex digits>E`) and the crate disambiguators of a v0 one
/// (`Cs<base 62>_`) depend on the build's features and toolchain, so they become `*`, as does
/// the number LLVM appends to a local symbol's name (`.303`). A name
/// with characters a linker script would misread is left out.
fn section_pattern(name: &str) -> String {
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.$".contains(&b)) {
        return String::from("warden_hot_text_unusable_name");
    }
    // A local symbol's `.<n>` suffix (LLVM's, to tell apart equal names) varies by build.
    if let Some((stem, n)) = name.rsplit_once('.') {
        if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{}.*", section_pattern(stem));
        }
    }
    let mut name = name.to_string();
    if let Some(stem) = name.strip_suffix('E') {
        let (head, hash) = stem.split_at(stem.len().saturating_sub(16));
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && head.ends_with("17h")
        {
            name = format!("{head}*E");
        }
    }
    if !name.starts_with("_R") {
        return name;
    }
    let mut out = String::new();
    let mut rest = name.as_str();
    while let Some(at) = rest.find("Cs") {
        out.push_str(&rest[..at + 2]);
        rest = &rest[at + 2..];
        let digits = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        if digits > 0 && rest.as_bytes().get(digits) == Some(&b'_') {
            out.push('*');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    // The crate that instantiated a generic function ends a v0 name (a back-reference such
    // as `B7_`, or `Cs*_3std`): the copies instantiated elsewhere go with it.
    if let Some(at) = out.rfind("Cs*_") {
        let tail = &out[at + 4..];
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && tail[digits..].len() == tail[..digits].parse().unwrap_or(0) {
            out.truncate(at);
            out.push('*');
            return out;
        }
    }
    if let Some(at) = out.rfind('B') {
        let tail = &out[at + 1..];
        if tail.ends_with('_') && tail[..tail.len() - 1].bytes().all(|b| b.is_ascii_alphanumeric())
        {
            out.truncate(at);
            out.push('*');
        }
    }
    out
}

/// `STUB_OFFSETS`: one `stub::<I>` per C primitive slot (see src/capi/call.rs), as 32-bit
/// offsets from each entry, read-only data that the dynamic loader does not relocate.
fn write_stub_table() {
    const SLOTS: usize = 2048;
    let mut out = String::from("// The primitive of each slot (generated by build.rs).\n");
    out.push_str("core::arch::global_asm!(\n\".pushsection .rodata.warden_c_stubs, \\\"a\\\"\",\n");
    out.push_str(
        "\".balign 4\", \".globl warden_c_stub_offsets\", \".hidden warden_c_stub_offsets\",\n",
    );
    out.push_str("\"warden_c_stub_offsets:\",\n");
    for i in 0..SLOTS {
        out.push_str(&format!("\".long {{{i}}} - .\",\n"));
    }
    out.push_str("\".popsection\",\n");
    for i in 0..SLOTS {
        out.push_str(&format!("sym stub::<{i}>,\n"));
    }
    out.push_str(");\n");
    let dir = env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&dir).join("c_stub_table.rs"), out).expect("write c_stub_table.rs");
}

/// `arity_table.rs`: `src/prims/arity.txt` as constants that need no work at start-up and
/// no relocation: the names end to end (`ARITY_NAMES`), where each ends (`ARITY_ENDS`), and
/// the counts (`ARITY_COUNTS`), in the file's order, which must be sorted (byte order).
fn write_arity_table() {
    let text = std::fs::read_to_string("src/prims/arity.txt").expect("read src/prims/arity.txt");
    let (mut names, mut ends, mut counts) = (String::new(), Vec::new(), Vec::new());
    let mut last: Option<&str> = None;
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (name, count) = line.split_once(' ').expect("arity.txt: `name count` lines");
        let count: u8 = count.parse().expect("arity.txt: a count of 0 to 255");
        assert!(last.is_none_or(|l| l < name), "arity.txt: {name} is out of order");
        last = Some(name);
        names.push_str(name);
        ends.push(names.len());
        counts.push(count);
    }
    assert!(names.len() <= u16::MAX as usize, "arity.txt: names too long for u16 ends");
    let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
    let counts: Vec<usize> = counts.into_iter().map(usize::from).collect();
    let out = format!(
        "/// The names of arity.txt end to end (generated by build.rs).\n\
         const ARITY_NAMES: &str = {names:?};\n\
         /// Where each name of `ARITY_NAMES` ends.\n\
         const ARITY_ENDS: [u16; {n}] = [{ends}];\n\
         /// How many arguments each reads.\n\
         const ARITY_COUNTS: [u8; {n}] = [{counts}];\n",
        n = ends.len(),
        ends = list(&ends),
        counts = list(&counts),
    );
    let dir = env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&dir).join("arity_table.rs"), out).expect("write arity_table.rs");
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
