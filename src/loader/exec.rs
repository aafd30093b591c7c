//! Reading a bytecode executable: the trailer, the table of contents and the sections.
//!
//! Layout (from the end of the file): a 16-byte trailer (big-endian section count, then the
//! 12-byte magic), before it the table of contents (`count` entries of a 4-byte name and a
//! big-endian length), and before that the sections themselves, back to back, in TOC order.
//! Anything in front of the first section (a `#!` line, a launcher) is ignored. A section's
//! position is found by summing lengths backwards from the TOC, so the file holds no absolute
//! offsets; when a name occurs twice, the last occurrence wins.
//!
//! This module owns only byte-level parsing. It never panics: every size is checked against
//! the file before use, and every failure is a [`LoadError`] with `ocamlrun`'s wording where
//! `ocamlrun` has one.

use super::LoadError;
use crate::interp::{AppendError, CodeArea};
use std::path::Path;

/// The magic number of OCaml 5.3 bytecode executables.
pub const EXEC_MAGIC: &str = "Caml1999X035";
/// Trailer size: section count (4 bytes) and magic (12 bytes).
pub const TRAILER_SIZE: usize = 16;
/// Size of one table-of-contents entry.
const TOC_ENTRY_SIZE: usize = 8;

/// The sections of an executable that warden uses, decoded.
#[derive(Debug)]
pub struct Executable {
    /// CODE as 32-bit words, exactly as stored (little-endian), read straight into a code
    /// area of its own, where the program runs them ([`crate::interp::Program::new`]).
    pub code: CodeArea,
    /// PRIM: primitive names, in primitive-number order.
    pub prim_names: Vec<String>,
    /// DATA: the marshalled global table, for [`super::intern`].
    pub data: Vec<u8>,
    /// DBUG (only with `ocamlc -g`), raw, for [`super::debuginfo`].
    pub dbug: Option<Vec<u8>>,
    /// DLLS: shared libraries to open.
    pub dlls: Vec<String>,
    /// DLPT: extra directories to search for them.
    pub dlpt: Vec<String>,
}

impl Executable {
    /// The main code fragment, for resolving code pointers while unmarshalling, with its
    /// function `entries` (what verifying the code returned); its digest, the MD5 of the
    /// CODE bytes as read, is computed when first needed.
    pub fn program_code<'a>(&'a self, entries: &'a [u32]) -> super::intern::ProgramCode<'a> {
        super::intern::ProgramCode::new(&self.code, entries)
    }
}

/// Which OCaml release an exec magic number belongs to, when it is an OCaml bytecode magic
/// other than ours (for a clearer error message).
pub fn magic_hint(magic: &[u8]) -> Option<String> {
    let rest = magic.strip_prefix(b"Caml1999X")?;
    let number: u32 = std::str::from_utf8(rest).ok()?.parse().ok()?;
    let known = match number {
        31 => Some("4.14"),
        32 => Some("5.0"),
        33 => Some("5.1"),
        34 => Some("5.2"),
        36 => Some("5.4"),
        _ => None,
    };
    Some(match known {
        Some(v) => format!("this is OCaml {v} bytecode; warden runs OCaml 5.3 bytecode only"),
        None if number < 35 => {
            "this bytecode comes from an OCaml older than 5.3; warden runs OCaml 5.3 bytecode only"
                .to_string()
        }
        None => {
            "this bytecode comes from an OCaml newer than 5.3; warden runs OCaml 5.3 bytecode only"
                .to_string()
        }
    })
}

/// A trailer's magic number as `ocamlrun` prints it: a C string, so up to the first NUL.
pub fn magic_as_shown(magic: &[u8]) -> &[u8] {
    magic.split(|&b| b == 0).next().unwrap_or(magic)
}

/// The magic number in the trailer of `path` as `ocamlrun -m` prints it (see
/// [`magic_as_shown`]), whatever it is; `ocamlrun`'s errors when the file cannot be opened
/// or has no trailer. `name` is how the user called it.
pub fn read_magic(path: &Path, name: impl AsRef<[u8]>) -> Result<Vec<u8>, LoadError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|_| LoadError::cannot_find(&name))?;
    let mut magic = [0u8; 12];
    let read = f.seek(SeekFrom::End(-12)).and_then(|_| f.read_exact(&mut magic));
    match f.metadata() {
        Ok(m) if m.len() >= TRAILER_SIZE as u64 && read.is_ok() => {
            Ok(magic_as_shown(&magic).to_vec())
        }
        _ => Err(LoadError::not_bytecode(&name)),
    }
}

/// Reads and decodes the executable at `path`. `name` is how the user called it (what error
/// messages show, as `ocamlrun` does). Only the trailer, the table of contents and the
/// sections warden uses are read (not a `#!` prefix, SYMB, CRCS ...).
pub fn read_executable(path: &Path, name: impl AsRef<[u8]>) -> Result<Executable, LoadError> {
    read_executable_file(path, name).map(|(exe, _)| exe)
}

/// [`read_executable`], also returning the file it read, still open: the verification cache
/// (`verify::cache`) takes the file's status from it once its sections are read.
pub fn read_executable_file(
    path: &Path,
    name: impl AsRef<[u8]>,
) -> Result<(Executable, std::fs::File), LoadError> {
    let name = name.as_ref();
    // ocamlrun reports every failure to open as "cannot find file".
    let file = std::fs::File::open(path).map_err(|_| LoadError::cannot_find(name))?;
    match file.metadata() {
        Ok(m) if m.is_file() => {
            let image = FileImage { file, len: m.len() };
            let exe = parse(&image, name)?;
            Ok((exe, image.file))
        }
        // A directory, a FIFO ...: nothing to read sections from.
        _ => Err(LoadError::not_bytecode(name)),
    }
}

/// The sections called `names` of the executable at `path` (None for one it lacks), raw:
/// `Dynlink` and the toplevel read the SYMB and CRCS sections of the running program.
pub fn read_sections(path: &Path, names: &[&str]) -> Result<Vec<Option<Vec<u8>>>, LoadError> {
    let name = path.as_os_str().as_encoded_bytes();
    let file = std::fs::File::open(path).map_err(|_| LoadError::cannot_find(name))?;
    let len = file.metadata().map_err(|_| LoadError::not_bytecode(name))?.len();
    let image = FileImage { file, len };
    let toc = Toc::read(&image, name)?;
    names.iter().map(|n| toc.section(n)).collect()
}

/// Decodes an executable held in memory (the fuzzing entry point).
pub fn read_executable_bytes(bytes: &[u8]) -> Result<Executable, LoadError> {
    parse(bytes, b"<memory>")
}

/// Where an executable's bytes come from: memory, or a file read piecewise.
trait Image {
    fn len(&self) -> u64;
    /// Fills `buf` with the bytes at `start`; the caller has checked the range is inside.
    fn read_at(&self, start: u64, buf: &mut [u8]) -> std::io::Result<()>;
}

impl Image for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, start: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let start = start as usize;
        buf.copy_from_slice(&self[start..start + buf.len()]);
        Ok(())
    }
}

/// An open executable file and its length.
struct FileImage {
    file: std::fs::File,
    len: u64,
}

impl Image for FileImage {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, start: u64, buf: &mut [u8]) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, start)
    }
}

/// One entry of the table of contents, with its position resolved.
#[derive(Copy, Clone, Debug)]
struct Section {
    name: [u8; 4],
    len: u64,
    /// Offset of the first byte in the file, or None when the section would begin before
    /// the start of the file (a truncated or corrupt file).
    start: Option<u64>,
}

/// The table of contents of an executable.
struct Toc<'a, I: Image + ?Sized> {
    image: &'a I,
    name: &'a [u8],
    sections: Vec<Section>,
}

impl<'a, I: Image + ?Sized> Toc<'a, I> {
    fn read(image: &'a I, name: &'a [u8]) -> Result<Toc<'a, I>, LoadError> {
        let len = image.len();
        if len < TRAILER_SIZE as u64 {
            return Err(LoadError::not_bytecode(name));
        }
        let mut trailer = [0u8; TRAILER_SIZE];
        image
            .read_at(len - TRAILER_SIZE as u64, &mut trailer)
            .map_err(|_| LoadError::not_bytecode(name))?;
        let magic = &trailer[4..];
        if magic != EXEC_MAGIC.as_bytes() {
            return Err(LoadError::wrong_magic(name, magic));
        }
        let count = u32::from_be_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]) as u64;
        let toc_size = count * TOC_ENTRY_SIZE as u64;
        if toc_size + TRAILER_SIZE as u64 > len {
            return Err(LoadError::fatal(format_args!(
                "cannot read section table ({count} sections declared, the file has {len} bytes)"
            )));
        }
        let toc_start = len - TRAILER_SIZE as u64 - toc_size;
        let mut toc = vec![0u8; toc_size as usize];
        image.read_at(toc_start, &mut toc).map_err(|_| Self::unreadable(name))?;
        let mut sections: Vec<Section> = toc
            .chunks_exact(TOC_ENTRY_SIZE)
            .map(|e| Section {
                name: [e[0], e[1], e[2], e[3]],
                len: u32::from_be_bytes([e[4], e[5], e[6], e[7]]) as u64,
                start: None,
            })
            .collect();
        // Each section ends where the next one begins; the last ends at the TOC.
        let mut end = toc_start;
        for s in sections.iter_mut().rev() {
            s.start = end.checked_sub(s.len);
            end = s.start.unwrap_or(0);
            if s.start.is_none() {
                // Every earlier section is out of the file too.
                break;
            }
        }
        Ok(Toc { image, name, sections })
    }

    fn unreadable(name: &[u8]) -> LoadError {
        LoadError::fatal(format_args!("cannot read '{}'", String::from_utf8_lossy(name)))
    }

    /// Position and length of the last section called `name`, if there is one.
    fn locate(&self, name: &str) -> Result<Option<(u64, usize)>, LoadError> {
        let Some(s) = self.sections.iter().rev().find(|s| s.name == name.as_bytes()) else {
            return Ok(None);
        };
        match s.start {
            Some(start) => Ok(Some((start, s.len as usize))),
            None => Err(LoadError::fatal(format_args!(
                "truncated bytecode file (section {name} of {} bytes does not fit in the file)",
                s.len
            ))),
        }
    }

    /// The bytes of the last section called `name`, if there is one.
    fn section(&self, name: &str) -> Result<Option<Vec<u8>>, LoadError> {
        let Some((start, len)) = self.locate(name)? else {
            return Ok(None);
        };
        let mut bytes = vec![0u8; len];
        self.image.read_at(start, &mut bytes).map_err(|_| Self::unreadable(self.name))?;
        Ok(Some(bytes))
    }

    fn required(&self, name: &str) -> Result<Vec<u8>, LoadError> {
        self.section(name)?
            .ok_or_else(|| LoadError::fatal(format_args!("section `{name}' is missing")))
    }

    /// The CODE section as little-endian words, read in pieces straight into a code area
    /// (no copy of the code is left to free once the program is built).
    fn code(&self) -> Result<CodeArea, LoadError> {
        let (start, len) =
            self.locate("CODE")?.ok_or_else(|| LoadError::fatal("section `CODE' is missing"))?;
        if len % 4 != 0 {
            return Err(LoadError::fatal(format_args!(
                "the CODE section of '{}' has {len} bytes, not a whole number of 32-bit words",
                String::from_utf8_lossy(self.name),
            )));
        }
        let area = CodeArea::reserve();
        // Read into the words' own bytes, then put in host order: no buffer between the file
        // and the area (a 16 KiB one on the stack was the deepest page start-up touched).
        let fill = |words: &mut [i32]| {
            // SAFETY: the words are `4 * words.len()` initialised bytes, borrowed mutably here
            // alone; every byte pattern is a valid `i32`, and `u8` needs no alignment.
            let bytes = unsafe {
                std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 4)
            };
            self.image.read_at(start, bytes).map_err(|_| Self::unreadable(self.name))?;
            if cfg!(target_endian = "big") {
                for w in words.iter_mut() {
                    *w = i32::from_le(*w);
                }
            }
            Ok(())
        };
        match area.append_with(len / 4, fill) {
            Ok(_) => Ok(area),
            Err(AppendError::Fill(e)) => Err(e),
            Err(AppendError::Full(msg)) => Err(LoadError::fatal(msg)),
        }
    }
}

/// NUL-terminated names, as `ocamlrun` reads them: the list stops at the first empty name.
fn split_names(bytes: Vec<u8>) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .take_while(|n| !n.is_empty())
        .map(|n| match std::str::from_utf8(n) {
            Ok(s) => s.to_owned(),
            // Rare: the lossy path walks the bytes in chunks, several times slower.
            Err(_) => String::from_utf8_lossy(n).into_owned(),
        })
        .collect()
}

fn parse<I: Image + ?Sized>(image: &I, name: &[u8]) -> Result<Executable, LoadError> {
    let toc = Toc::read(image, name)?;
    let code = toc.code()?;
    let dlpt = toc.section("DLPT")?.map(split_names).unwrap_or_default();
    let dlls = toc.section("DLLS")?.map(split_names).unwrap_or_default();
    let prim_names = match toc.section("PRIM")? {
        Some(p) => split_names(p),
        None => return Err(LoadError::fatal("no PRIM section")),
    };
    let data = toc.required("DATA")?;
    let dbug = toc.section("DBUG")?;
    Ok(Executable { code, prim_names, data, dbug, dlls, dlpt })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds an executable image from sections, with a `#!` prefix.
    pub(crate) fn build(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = b"#!/usr/bin/ocamlrun\n".to_vec();
        for (_, data) in sections {
            out.extend_from_slice(data);
        }
        for (name, data) in sections {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        }
        out.extend_from_slice(&(sections.len() as u32).to_be_bytes());
        out.extend_from_slice(EXEC_MAGIC.as_bytes());
        out
    }

    fn code_bytes(words: &[i32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn reads_sections_from_the_end() {
        let code = code_bytes(&[103, 42, 143]);
        let img = build(&[
            ("CODE", &code),
            ("DLPT", b""),
            ("DLLS", b"dllunix.so\0"),
            ("PRIM", b"caml_a\0caml_b\0"),
            ("DATA", b"\x84\x95\xa6\xbe"),
            ("SYMB", b"xx"),
        ]);
        let exe = read_executable_bytes(&img).unwrap();
        assert_eq!(*exe.code, [103, 42, 143]);
        assert_eq!(exe.prim_names, vec!["caml_a", "caml_b"]);
        assert_eq!(exe.dlls, vec!["dllunix.so"]);
        assert!(exe.dlpt.is_empty());
        assert_eq!(exe.data, b"\x84\x95\xa6\xbe");
        assert_eq!(exe.dbug, None);
        assert_eq!(exe.program_code(&[]).fragment().digest, crate::algo::md5::md5(&code));
    }

    #[test]
    fn last_occurrence_wins_and_names_stop_at_empty() {
        let img = build(&[
            ("CODE", &code_bytes(&[1])),
            ("PRIM", b"old\0"),
            ("CODE", &code_bytes(&[143])),
            ("PRIM", b"a\0\0b\0"),
            ("DATA", b""),
            ("DBUG", b"dd"),
        ]);
        let exe = read_executable_bytes(&img).unwrap();
        assert_eq!(*exe.code, [143]);
        assert_eq!(exe.prim_names, vec!["a"]);
        assert_eq!(exe.dbug.as_deref(), Some(&b"dd"[..]));
    }

    #[test]
    fn malformed_files_give_errors() {
        let msg = |b: &[u8]| read_executable_bytes(b).unwrap_err();
        assert_eq!(msg(b"hello").exit_code, 127);
        assert_eq!(msg(b"hello").message, b"the file '<memory>' is not a bytecode executable file");
        // At least a trailer's worth: the magic number is wrong, not the file type.
        assert_eq!(
            msg(b"0123456789abcdef").message,
            b"the file '<memory>' has not the right magic number: expected Caml1999X035, got 456789abcdef"
        );
        let mut old = build(&[("CODE", b"")]);
        let n = old.len();
        old[n - 3..].copy_from_slice(b"034");
        let e = msg(&old);
        assert!(e.message.ends_with(b"got Caml1999X034"), "{e}");
        assert_eq!(e.exit_code, 127);

        // Too many sections for the file.
        let mut img = build(&[("CODE", b"")]);
        let n = img.len();
        img[n - 16..n - 12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(msg(&img).to_string().contains("cannot read section table"));
        assert_eq!(msg(&img).exit_code, 2);

        // A section longer than the file.
        let mut img = build(&[("CODE", b"\x8f\0\0\0"), ("PRIM", b""), ("DATA", b"")]);
        let n = img.len();
        let code_len_at = n - 16 - 3 * 8 + 4;
        img[code_len_at..code_len_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(msg(&img).to_string().contains("truncated bytecode file"), "{}", msg(&img));

        // Missing sections.
        assert!(msg(&build(&[("PRIM", b""), ("DATA", b"")]))
            .to_string()
            .contains("section `CODE' is missing"));
        assert!(msg(&build(&[("CODE", b""), ("DATA", b"")]))
            .to_string()
            .contains("no PRIM section"));
        assert!(msg(&build(&[("CODE", b""), ("PRIM", b"")]))
            .to_string()
            .contains("section `DATA' is missing"));
        // Code that is not whole words.
        assert!(msg(&build(&[("CODE", b"abc"), ("PRIM", b""), ("DATA", b"")]))
            .to_string()
            .contains("32-bit words"));
    }

    #[test]
    fn file_errors_match_ocamlrun() {
        let e = read_executable(Path::new("/nonexistent/warden-test"), "warden-test").unwrap_err();
        assert_eq!(e.message, b"cannot find file 'warden-test'");
        assert_eq!(e.exit_code, 127);
        let e = read_executable(Path::new("/"), "/").unwrap_err();
        assert_eq!(e.message, b"the file '/' is not a bytecode executable file");
        assert_eq!(
            read_magic(Path::new("/nonexistent"), "nx").unwrap_err().message,
            b"cannot find file 'nx'"
        );
        assert_eq!(
            read_magic(Path::new("/"), "/").unwrap_err().message,
            b"the file '/' is not a bytecode executable file"
        );
    }

    #[test]
    fn reads_a_real_executable_when_the_toolchain_is_installed() {
        let Some(path) = crate::loader::tests_support::hello_byte() else { return };
        let exe = read_executable(&path, "hello.byte").unwrap();
        assert_eq!(*exe.code.last().unwrap(), 143, "CODE ends with STOP");
        assert!(exe.prim_names.iter().any(|p| p == "caml_ml_output"));
        assert_eq!(read_magic(&path, "hello.byte").unwrap(), EXEC_MAGIC.as_bytes());
    }
}
