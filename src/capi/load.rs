//! Finding and opening the shared libraries a program names (its `DLLS` section), and
//! finding primitives in them, as `ocamlrun` does: each library `NAME` is searched as
//! `NAME.so` in the search path (a name with a `/` is taken as given), opened once with
//! `RTLD_NOW | RTLD_GLOBAL`, and kept open for the life of the process.

#[cfg(not(target_env = "musl"))]
use std::ffi::CStr;
use std::ffi::CString;
use std::os::raw::c_void;
use std::os::unix::ffi::OsStrExt;

/// The opened libraries, in `DLLS` order (handles are never closed).
pub struct Libraries {
    handles: Vec<usize>,
}

/// Why a library could not be opened: its name as the program gives it, and the reason.
pub struct OpenError {
    pub name: String,
    pub reason: String,
}

/// The library (as `WARDEN_BUILTIN_OFF` names it) whose primitives warden builds in that the
/// stub library `name` (as `DLLS` gives it) serves, if any.
fn builtin_library(name: &str) -> Option<&'static str> {
    let base = name.rsplit('/').next().unwrap_or(name);
    [("dllunixbyt", "unix"), ("dllcamlstrbyt", "str"), ("dllthreads", "threads")]
        .into_iter()
        .find(|(file, _)| base == *file || base.strip_suffix(".so") == Some(*file))
        .map(|(_, lib)| lib)
}

/// The file a library name designates: the first `dir/NAME.so` that is a regular file, else
/// `NAME.so` itself (which `dlopen` then looks for in the system's default places).
pub fn search(path: &[Vec<u8>], name: &str) -> Vec<u8> {
    let file = format!("{name}.so");
    if !file.contains('/') {
        for dir in path {
            let dir: &[u8] = if dir.is_empty() { b"." } else { dir };
            let full = [dir, b"/", file.as_bytes()].concat();
            let p = std::path::Path::new(std::ffi::OsStr::from_bytes(&full));
            if std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
                return full;
            }
        }
    }
    file.into_bytes()
}

impl Libraries {
    /// No library.
    pub fn none() -> Libraries {
        Libraries { handles: Vec::new() }
    }

    /// Opens every library of `names`, searched in `path`; stops at the first failure. The
    /// libraries whose primitives warden builds in are optional: the stock `dllthreads.so`
    /// (which needs the stock runtime's internals) is never opened, and `dllunixbyt.so` or
    /// `dllcamlstrbyt.so` are skipped when they cannot be opened, unless `off` (the
    /// `WARDEN_BUILTIN_OFF` list) switched warden's own primitives of that library off.
    pub fn open(
        path: &[Vec<u8>],
        names: &[String],
        off: &[String],
    ) -> Result<Libraries, OpenError> {
        let mut handles = Vec::with_capacity(names.len());
        for name in names {
            let builtin = builtin_library(name).filter(|l| !off.iter().any(|o| o == l));
            if builtin == Some("threads") {
                continue;
            }
            match open_one(&search(path, name), name) {
                Ok(h) => handles.push(h),
                Err(_) if builtin.is_some() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Libraries { handles })
    }

    /// The address of C function `name` in the first library that defines it.
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.handles.iter().find_map(|&h| symbol(h, name))
    }

    /// The handles of the opened libraries, in `DLLS` order.
    pub fn handles(&self) -> &[usize] {
        &self.handles
    }
}

/// Opens the library file `file` (a path, or a name for the system's search); the reason
/// on failure.
pub fn open_file(file: &[u8]) -> Result<usize, String> {
    open_one(file, "").map_err(|e| e.reason)
}

/// The address of C symbol `name` in the library of handle `h` (from `open_file` or
/// `Libraries`).
pub fn symbol(h: usize, name: &str) -> Option<usize> {
    let cname = CString::new(name).ok()?;
    // SAFETY: h is a live handle from dlopen (never closed); cname is NUL-terminated.
    let p = unsafe { libc::dlsym(h as *mut c_void, cname.as_ptr()) };
    (!p.is_null()).then_some(p as usize)
}

#[cfg(not(target_env = "musl"))]
fn open_one(file: &[u8], name: &str) -> Result<usize, OpenError> {
    let fail = |reason: String| OpenError { name: name.to_string(), reason };
    let cfile = CString::new(file).map_err(|_| fail("the name contains a NUL byte".into()))?;
    // SAFETY: cfile is NUL-terminated; the library's constructors run here, as in ocamlrun.
    let h = unsafe { libc::dlopen(cfile.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if h.is_null() {
        // SAFETY: dlerror returns NULL or a NUL-terminated message owned by libdl.
        let reason = unsafe {
            let e = libc::dlerror();
            if e.is_null() {
                "unknown error".to_string()
            } else {
                CStr::from_ptr(e).to_string_lossy().into_owned()
            }
        };
        return Err(fail(reason));
    }
    Ok(h as usize)
}

/// A static build has no dynamic loader: every library fails, with the reason in one line.
#[cfg(target_env = "musl")]
fn open_one(_file: &[u8], name: &str) -> Result<usize, OpenError> {
    Err(OpenError {
        name: name.to_string(),
        reason: "this warden is a static (musl) build and cannot load shared libraries".into(),
    })
}
