//! The loader: from a bytecode executable file to the pieces the interpreter runs.
//!
//! * [`exec`] reads the trailer, the table of contents and the sections (CODE, PRIM, DATA,
//!   DLLS, DLPT, DBUG) of a file produced by `ocamlc`.
//! * [`intern`] unmarshals the intern format (the DATA section, and `Marshal` input) into
//!   heap values.
//! * [`validate`] checks the code before it runs: opcodes, operands, jump targets, primitive
//!   indices and arities, global indices (once DATA is read); it leaves a [`codemap`]
//!   (instruction starts, jump targets) for the verifier.
//! * [`decode`] is the table, one row per opcode, that validation and the verifier decode
//!   instructions with (length, operand check, stack effect, flags).
//! * [`verify`] validates, then proves the stack discipline (depths at joins, frame
//!   accesses, trap nesting, room), for every fragment before it runs, and returns its
//!   function entries: the only code addresses a closure from DATA or `Marshal` may hold.
//!   [`verify::cache`] keeps a program file's result on disk for its next run.
//! * [`debuginfo`] turns the DBUG section into a table from code positions to source
//!   locations, for backtraces.
//!
//! Invariant of the whole module: no input, however malformed or hostile, makes it panic or
//! touch memory out of bounds. Every failure is a [`LoadError`] (or an error string for the
//! parts that `Marshal` reuses) naming the problem in one line.

pub mod codemap;
pub mod debuginfo;
pub mod decode;
pub mod exec;
pub mod intern;
pub mod validate;
pub mod verify;

use std::fmt;

/// The exit status `ocamlrun` uses when the file cannot be opened or is not bytecode.
pub const EXIT_NOT_BYTECODE: i32 = 127;
/// The exit status for every other load failure (a damaged or unsupported executable).
pub const EXIT_BAD_EXECUTABLE: i32 = 2;

/// A failure to load a program: the one line to print on stderr (without the newline, and
/// already carrying `Fatal error: ` where `ocamlrun` prints it) and the process exit status.
/// The line is bytes: it carries the file name as given and, for a wrong magic number, the
/// bytes found, unchanged, as `ocamlrun` prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub message: Vec<u8>,
    pub exit_code: i32,
}

/// `the file 'NAME' REST`, with NAME's bytes unchanged.
fn about_file(name: &[u8], rest: &[u8]) -> Vec<u8> {
    [b"the file '", name, b"' ", rest].concat()
}

impl LoadError {
    /// `ocamlrun`'s message when the file cannot be opened.
    pub fn cannot_find(name: impl AsRef<[u8]>) -> LoadError {
        LoadError {
            message: [b"cannot find file '", name.as_ref(), b"'"].concat(),
            exit_code: EXIT_NOT_BYTECODE,
        }
    }

    /// `ocamlrun`'s message for a file without a bytecode trailer.
    pub fn not_bytecode(name: impl AsRef<[u8]>) -> LoadError {
        LoadError {
            message: about_file(name.as_ref(), b"is not a bytecode executable file"),
            exit_code: EXIT_NOT_BYTECODE,
        }
    }

    /// `ocamlrun`'s message for a file whose trailer carries another magic number: the
    /// trailer's 12 bytes are shown raw, up to the first NUL (they are printed as a C
    /// string). An OCaml release's magic is only named in the debug log, to keep stderr
    /// identical to `ocamlrun`'s.
    pub fn wrong_magic(name: impl AsRef<[u8]>, got: &[u8]) -> LoadError {
        if let Some(hint) = exec::magic_hint(got) {
            log::debug!(target: "warden::loader", "{hint}");
        }
        let rest = [
            b"has not the right magic number: expected ",
            exec::EXEC_MAGIC.as_bytes(),
            b", got ",
            exec::magic_as_shown(got),
        ]
        .concat();
        LoadError { message: about_file(name.as_ref(), &rest), exit_code: EXIT_NOT_BYTECODE }
    }

    /// A damaged or unsupported executable: `Fatal error: <what>`, exit 2.
    pub fn fatal(what: impl std::fmt::Display) -> LoadError {
        LoadError {
            message: format!("Fatal error: {what}").into_bytes(),
            exit_code: EXIT_BAD_EXECUTABLE,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message))
    }
}

impl std::error::Error for LoadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_ocamlrun() {
        // Wordings as stock ocamlrun 5.3.0 prints them (checked byte for byte with `od -c`).
        assert_eq!(LoadError::cannot_find("nonexist").message, b"cannot find file 'nonexist'");
        assert_eq!(
            LoadError::not_bytecode("text.txt").message,
            b"the file 'text.txt' is not a bytecode executable file"
        );
        let e = LoadError::wrong_magic("old.byte", b"Caml1999X034");
        assert_eq!(
            e.message,
            b"the file 'old.byte' has not the right magic number: expected Caml1999X035, got Caml1999X034"
        );
        assert_eq!(e.exit_code, 127);
        // The bytes found go out raw, up to the first NUL.
        let e = LoadError::wrong_magic(b"ebin", b"\x02\xff\xfeABC\0DEF\n\t");
        assert_eq!(
            e.message,
            b"the file 'ebin' has not the right magic number: expected Caml1999X035, got \x02\xff\xfeABC"
        );
        assert_eq!(LoadError::fatal("no PRIM section").message, b"Fatal error: no PRIM section");
        assert_eq!(LoadError::fatal("x").exit_code, 2);
    }
}

/// Test programs built with the stock `ocamlc` (the oracle), when it is installed.
#[cfg(test)]
pub(crate) mod tests_support {
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    const OCAMLC: &str = "/root/.cache/warden/ocaml-5.3.0/bin/ocamlc";

    /// Compiles `source` (as `<stem>.ml`) with the given flags; None when the stock
    /// toolchain is missing. Executables are cached in the temporary directory, keyed by
    /// their source and flags (built in a private directory, then renamed into place).
    fn build(stem: &str, source: &str, flags: &[&str]) -> Option<PathBuf> {
        use std::hash::{Hash, Hasher};
        if !Path::new(OCAMLC).exists() {
            return None;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (stem, source, flags).hash(&mut h);
        let key = format!("{stem}-{:016x}", h.finish());
        let dir = std::env::temp_dir().join("warden-loader-tests");
        let out = dir.join(format!("{key}.byte"));
        if out.exists() {
            return Some(out);
        }
        let work = dir.join(format!("{key}.{}", std::process::id()));
        std::fs::create_dir_all(&work).ok()?;
        std::fs::write(work.join(format!("{stem}.ml")), source).ok()?;
        let status = std::process::Command::new(OCAMLC)
            .args(flags)
            .args(["-o", &format!("{stem}.byte"), &format!("{stem}.ml")])
            .current_dir(&work)
            .status()
            .ok()?;
        let built =
            status.success() && std::fs::rename(work.join(format!("{stem}.byte")), &out).is_ok();
        let _ = std::fs::remove_dir_all(&work);
        built.then_some(out)
    }

    /// `print_endline "hi"`, without debug info.
    pub(crate) fn hello_byte() -> Option<PathBuf> {
        static P: OnceLock<Option<PathBuf>> = OnceLock::new();
        P.get_or_init(|| build("hello", "let () = print_endline \"hi\"\n", &[])).clone()
    }

    /// Source of the program behind [`raise_byte`].
    pub(crate) const RAISE_ML: &str = "\
let f x =
  if x > 2 then failwith \"boom\"
  else x + 1

let g x =
  let y = f x in
  y * 2

let () =
  Printexc.record_backtrace true;
  print_int (g 1);
  print_newline ();
  print_int (g
    5)
";

    /// A program built with `-g` that raises through two functions.
    pub(crate) fn raise_byte() -> Option<PathBuf> {
        static P: OnceLock<Option<PathBuf>> = OnceLock::new();
        P.get_or_init(|| build("raiser", RAISE_ML, &["-g"])).clone()
    }

    /// Source of the program behind [`marshal_fixtures`]: prints `name hex` lines.
    const GEN_ML: &str = r#"
let hex s = String.concat "" (List.init (String.length s) (fun i -> Printf.sprintf "%02x" (Char.code s.[i])))
let out name v flags = Printf.printf "%s %s\n" name (hex (Marshal.to_string v flags))
let () =
  out "array" (Array.init 1000 (fun i -> i)) [];
  out "bigstring" (String.make 300 'x') [];
  out "closure" (fun x -> x + 1) [Marshal.Closures];
  (let rec f x = if x = 0 then 0 else g (x - 1) and g x = f x + 1 in out "infix" g [Marshal.Closures]);
  out "tuple_of_fns" (List.map, List.iter) [Marshal.Closures]
"#;

    /// The executable that marshalled the fixtures, and each fixture by name.
    pub(crate) type Fixtures = (PathBuf, Vec<(String, Vec<u8>)>);

    /// Values marshalled by the stock runtime, by name, with the executable that made
    /// them (whose code the closures point into).
    pub(crate) fn marshal_fixtures() -> Option<Fixtures> {
        static P: OnceLock<Option<Fixtures>> = OnceLock::new();
        P.get_or_init(|| {
            let exe = build("gen", GEN_ML, &[])?;
            let ocamlrun = Path::new(OCAMLC).with_file_name("ocamlrun");
            let out = std::process::Command::new(ocamlrun).arg(&exe).output().ok()?;
            let text = String::from_utf8(out.stdout).ok()?;
            let fixtures = text
                .lines()
                .filter_map(|l| {
                    let (name, hex) = l.split_once(' ')?;
                    let bytes = (0..hex.len() / 2)
                        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                        .collect::<Option<Vec<u8>>>()?;
                    Some((name.to_string(), bytes))
                })
                .collect();
            Some((exe, fixtures))
        })
        .clone()
    }
}
