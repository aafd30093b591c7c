//! The primitives of `sys.c`: program arguments, exit, files and directories, environment,
//! time, random seeds, shell commands and the platform constants of `Sys`.
//!
//! Errors follow the stock formats: `Sys_error "<name>: <strerror>"` when the primitive has a
//! file name to blame, the bare `strerror` text otherwise. Names containing a NUL byte are
//! refused before reaching the system, as "No such file or directory".

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{predef, Exn, PrimResult};
use crate::heap::value::{Value, MAX_WOSIZE, STRING_TAG};
use std::ffi::{CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_sys_argv", sys_argv),
    ("caml_sys_chdir", chdir),
    ("caml_sys_close", close),
    ("caml_sys_const_backend_type", const_backend_type),
    ("caml_sys_const_big_endian", const_big_endian),
    ("caml_sys_const_int_size", const_int_size),
    ("caml_sys_const_max_wosize", const_max_wosize),
    ("caml_sys_const_ostype_cygwin", const_false),
    ("caml_sys_const_ostype_unix", const_true),
    ("caml_sys_const_ostype_win32", const_false),
    ("caml_sys_const_word_size", const_word_size),
    ("caml_sys_executable_name", executable_name),
    ("caml_sys_exit", exit),
    ("caml_sys_file_exists", file_exists),
    ("caml_sys_get_argv", get_argv),
    ("caml_sys_get_config", get_config),
    ("caml_sys_getcwd", getcwd),
    ("caml_sys_getenv", getenv),
    ("caml_sys_is_directory", is_directory),
    ("caml_sys_is_regular_file", is_regular_file),
    ("caml_sys_isatty", isatty),
    ("caml_sys_mkdir", mkdir),
    ("caml_sys_modify_argv", modify_argv),
    ("caml_sys_open", open),
    ("caml_sys_random_seed", random_seed),
    ("caml_sys_read_directory", read_directory),
    ("caml_sys_remove", remove),
    ("caml_sys_rename", rename),
    ("caml_sys_rmdir", rmdir),
    ("caml_sys_system_command", system_command),
    ("caml_sys_time", time),
    ("caml_sys_time_include_children", time_include_children),
    ("caml_sys_unsafe_getenv", unsafe_getenv),
    ("caml_xdg_defaults", xdg_defaults),
];

// Helpers.

fn take<const N: usize>(args: &[Value]) -> Result<[Value; N], Exn> {
    args.get(..N)
        .and_then(|s| <[Value; N]>::try_from(s).ok())
        .ok_or_else(|| Exn::fatal("Sys primitive called with too few arguments"))
}

/// The bytes of a string argument, copied.
fn string_arg(v: Value) -> Result<Vec<u8>, Exn> {
    // SAFETY: tag and bytes are read only from a block of String_tag.
    unsafe {
        if v.is_block() && v.tag() == STRING_TAG {
            Ok(v.bytes().to_vec())
        } else {
            Err(Exn::invalid_arg("Sys: string expected"))
        }
    }
}

/// `Sys_error` naming `name` (kept byte for byte, even when it is not UTF-8).
pub fn sys_error_named(dom: &mut Domain, name: &[u8], err: &io::Error) -> Exn {
    let mut msg = name.to_vec();
    msg.extend_from_slice(b": ");
    msg.extend_from_slice(crate::algo::errtext::strerror(err).as_bytes());
    let s = dom.alloc_bytes_from(&msg);
    let tag = dom.global(predef::SYS_ERROR);
    Exn::Raise(dom.alloc_tuple(0, &[tag, s]))
}

/// A file name as a C string; a name with a NUL byte fails as "No such file or directory".
fn c_path(dom: &mut Domain, name: &[u8]) -> Result<CString, Exn> {
    CString::new(name)
        .map_err(|_| sys_error_named(dom, name, &io::Error::from_raw_os_error(libc::ENOENT)))
}

/// A file name for `std::fs`, checked like `c_path`.
fn os_path<'a>(dom: &mut Domain, name: &'a [u8]) -> Result<&'a OsStr, Exn> {
    if name.contains(&0) {
        return Err(sys_error_named(dom, name, &io::Error::from_raw_os_error(libc::ENOENT)));
    }
    Ok(OsStr::from_bytes(name))
}

fn string_array(dom: &mut Domain, items: &[Vec<u8>]) -> Value {
    // Allocation never collects, so the fresh strings stay valid until the array holds them.
    let strs: Vec<Value> = items.iter().map(|s| dom.alloc_bytes_from(s)).collect();
    dom.alloc_tuple(0, &strs)
}

// Program arguments and exit.

/// Key of `Sys.argv` in the named-value table, which keeps it alive: every read of `Sys.argv`
/// must return the same array. A NUL-led name no OCaml program registers in practice.
const ARGV_KEY: &[u8] = b"\0warden.Sys.argv";

fn main_argv(dom: &mut Domain) -> Value {
    if let Some(&v) = dom.named.get(ARGV_KEY) {
        return v;
    }
    let args = dom.argv.clone();
    let arr = string_array(dom, &args);
    dom.named.insert(ARGV_KEY.to_vec(), arr);
    arr
}

fn sys_argv(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(main_argv(dom))
}

fn get_argv(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let argv = main_argv(dom);
    let name = dom.exe_name.clone();
    let exe = dom.alloc_bytes_from(&name);
    Ok(dom.alloc_tuple(0, &[exe, argv]))
}

fn modify_argv(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [argv] = take(args)?;
    dom.named.insert(ARGV_KEY.to_vec(), argv);
    Ok(Value::UNIT)
}

fn executable_name(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let name = dom.exe_name.clone();
    Ok(dom.alloc_bytes_from(&name))
}

/// Leaves the program; nothing is flushed here (`Stdlib.exit` flushed already).
fn exit(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [code] = take(args)?;
    super::gc_prims::print_exit_stats(dom);
    crate::events::destroy();
    Err(Exn::Exit(code.int() as i32))
}

/// Turns the program's outcome into an exit status, reporting an uncaught exception.
/// Runs with the heap lock: other domains may still run while the program ends.
pub fn finish(dom: &mut Domain, result: Result<crate::heap::value::Value, Exn>) -> i32 {
    dom.with_heap(|dom| finish_locked(dom, result))
}

fn finish_locked(dom: &mut Domain, result: Result<crate::heap::value::Value, Exn>) -> i32 {
    match result {
        Ok(_) => {
            super::gc_prims::print_exit_stats(dom);
            crate::events::destroy();
            0
        }
        Err(Exn::Exit(code)) => code,
        Err(Exn::Fatal(msg)) => {
            super::flush_std_channels(dom);
            eprintln!("Fatal error: {msg}");
            2
        }
        Err(Exn::Unimplemented(name)) => {
            super::flush_std_channels(dom);
            eprintln!("Fatal error: the primitive {name} is not implemented by warden");
            2
        }
        Err(e) => {
            let exn = dom.exn_value(&e).expect("exception value");
            super::fatal_uncaught_exception(dom, exn)
        }
    }
}

// Files and directories.

/// The flags of `Stdlib.open_flag`, by constructor number.
const OPEN_FLAGS: [libc::c_int; 9] = [
    libc::O_RDONLY,
    libc::O_WRONLY,
    libc::O_APPEND | libc::O_WRONLY,
    libc::O_CREAT,
    libc::O_TRUNC,
    libc::O_EXCL,
    0, // Open_binary
    0, // Open_text
    libc::O_NONBLOCK,
];

fn open(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, vflags, vperm] = take(args)?;
    let name = string_arg(path)?;
    let cpath = c_path(dom, &name)?;
    let mut flags = libc::O_CLOEXEC;
    let mut l = vflags;
    while l.is_block() {
        // SAFETY: l is a cons cell of an OCaml list: two fields.
        let (head, tail) = unsafe { (l.field(0), l.field(1)) };
        if let Some(f) = usize::try_from(head.int()).ok().and_then(|i| OPEN_FLAGS.get(i)) {
            flags |= f;
        }
        l = tail;
    }
    let perm = vperm.int() as libc::c_uint;
    // SAFETY: cpath is a NUL-terminated string; open takes the mode as a variadic uint.
    let fd = unsafe { libc::open(cpath.as_ptr(), flags, perm) };
    if fd == -1 {
        return Err(sys_error_named(dom, &name, &io::Error::last_os_error()));
    }
    Ok(Value::of_int(fd as isize))
}

fn close(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [fd] = take(args)?;
    // SAFETY: closing a descriptor the program names; errors are ignored as in stock.
    unsafe { libc::close(fd.int() as i32) };
    Ok(Value::UNIT)
}

/// `stat` of a name; a name with a NUL byte does not exist.
fn file_metadata(name: &[u8]) -> io::Result<std::fs::Metadata> {
    if name.contains(&0) {
        return Err(io::Error::from_raw_os_error(libc::ENOENT));
    }
    std::fs::metadata(OsStr::from_bytes(name))
}

fn file_exists(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let name = string_arg(path)?;
    Ok(Value::of_bool(file_metadata(&name).is_ok()))
}

fn is_directory(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let name = string_arg(path)?;
    match file_metadata(&name) {
        Ok(m) => Ok(Value::of_bool(m.file_type().is_dir())),
        Err(e) => Err(sys_error_named(dom, &name, &e)),
    }
}

fn is_regular_file(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let name = string_arg(path)?;
    match file_metadata(&name) {
        Ok(m) => Ok(Value::of_bool(m.file_type().is_file())),
        Err(e) => Err(sys_error_named(dom, &name, &e)),
    }
}

fn remove(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let name = string_arg(path)?;
    let p = os_path(dom, &name)?;
    std::fs::remove_file(p).map_err(|e| sys_error_named(dom, &name, &e))?;
    Ok(Value::UNIT)
}

fn rename(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [old, new] = take(args)?;
    let (old, new) = (string_arg(old)?, string_arg(new)?);
    let po = os_path(dom, &old)?;
    let pn = os_path(dom, &new)?;
    // The stock message names neither file.
    std::fs::rename(po, pn).map_err(|e| Exn::sys_error_os(None, &e))?;
    Ok(Value::UNIT)
}

fn chdir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let name = string_arg(path)?;
    let p = os_path(dom, &name)?;
    std::env::set_current_dir(p).map_err(|e| sys_error_named(dom, &name, &e))?;
    Ok(Value::UNIT)
}

fn mkdir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path, perm] = take(args)?;
    let name = string_arg(path)?;
    let cpath = c_path(dom, &name)?;
    // SAFETY: cpath is a NUL-terminated string.
    if unsafe { libc::mkdir(cpath.as_ptr(), perm.int() as libc::mode_t) } == -1 {
        return Err(sys_error_named(dom, &name, &io::Error::last_os_error()));
    }
    Ok(Value::UNIT)
}

fn rmdir(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let name = string_arg(path)?;
    let p = os_path(dom, &name)?;
    std::fs::remove_dir(p).map_err(|e| sys_error_named(dom, &name, &e))?;
    Ok(Value::UNIT)
}

fn getcwd(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // The stock runtime uses a 4096-byte buffer: longer paths fail with ERANGE there too.
    let mut buf = vec![0u8; 4096];
    // SAFETY: buf has room for buf.len() bytes.
    let p = unsafe { libc::getcwd(buf.as_mut_ptr().cast(), buf.len()) };
    if p.is_null() {
        return Err(Exn::sys_error_os(None, &io::Error::last_os_error()));
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(dom.alloc_bytes_from(&buf[..len]))
}

fn read_directory(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [path] = take(args)?;
    let name = string_arg(path)?;
    let p = os_path(dom, &name)?;
    let dir = std::fs::read_dir(p).map_err(|e| sys_error_named(dom, &name, &e))?;
    // `read_dir` skips "." and "..", as the stock runtime does; a failing readdir ends the list.
    let names: Vec<Vec<u8>> =
        dir.map_while(Result::ok).map(|e| e.file_name().as_bytes().to_vec()).collect();
    Ok(string_array(dom, &names))
}

fn isatty(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [chan] = take(args)?;
    let fd = crate::prims::io::channel_fd(chan)?;
    // SAFETY: isatty has no memory effects (a closed channel's -1 gives false).
    Ok(Value::of_bool(unsafe { libc::isatty(fd) } == 1))
}

// Environment.

/// The value of an environment variable; `secure` hides it in set-user-id programs.
fn env_var(dom: &mut Domain, var: Value, secure: bool) -> PrimResult {
    let name = string_arg(var)?;
    if name.contains(&0) {
        return Err(Exn::not_found());
    }
    // SAFETY: getauxval only reads the auxiliary vector.
    if secure && unsafe { libc::getauxval(libc::AT_SECURE) } != 0 {
        return Err(Exn::not_found());
    }
    let Ok(cname) = CString::new(name) else { return Err(Exn::not_found()) };
    // SAFETY: cname is NUL-terminated; the result, when not null, points to a C string in the
    // environment, copied at once.
    let value = unsafe {
        let p = libc::getenv(cname.as_ptr());
        if p.is_null() {
            return Err(Exn::not_found());
        }
        std::ffi::CStr::from_ptr(p).to_bytes().to_vec()
    };
    Ok(dom.alloc_bytes_from(&value))
}

fn getenv(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [var] = take(args)?;
    env_var(dom, var, true)
}

fn unsafe_getenv(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [var] = take(args)?;
    env_var(dom, var, false)
}

/// Extra XDG directories: none on Unix (the stdlib computes them).
fn xdg_defaults(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::EMPTY_LIST)
}

// Commands, time, randomness.

fn system_command(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [command] = take(args)?;
    let cmd = string_arg(command)?;
    let Ok(ccmd) = CString::new(cmd.clone()) else {
        return Err(sys_error_named(dom, &cmd, &io::Error::from_raw_os_error(libc::EINVAL)));
    };
    // SAFETY: ccmd is a NUL-terminated string.
    let status = unsafe { libc::system(ccmd.as_ptr()) };
    if status == -1 {
        return Err(sys_error_named(dom, &cmd, &io::Error::last_os_error()));
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { 255 };
    Ok(Value::of_int(code as isize))
}

/// Processor time of this process, and of its waited-for children when asked.
fn cpu_time(include_children: bool) -> f64 {
    let usage = |who| {
        // SAFETY: rusage is plain data, filled by getrusage.
        unsafe {
            let mut ru: libc::rusage = std::mem::zeroed();
            libc::getrusage(who, &mut ru);
            ru.ru_utime.tv_sec as f64
                + ru.ru_utime.tv_usec as f64 / 1e6
                + ru.ru_stime.tv_sec as f64
                + ru.ru_stime.tv_usec as f64 / 1e6
        }
    };
    let mut t = usage(libc::RUSAGE_SELF);
    if include_children {
        t += usage(libc::RUSAGE_CHILDREN);
    }
    t
}

fn time(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(dom.alloc_float(cpu_time(false)))
}

fn time_include_children(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [children] = take(args)?;
    Ok(dom.alloc_float(cpu_time(children.int() != 0)))
}

/// Seed material: 12 bytes of kernel entropy, last byte first; failing that, whatever bytes
/// were obtained followed by the time and process ids.
fn seed_words() -> Vec<isize> {
    let mut buf = [0u8; 12];
    // The raw system call: on static musl builds with LTO, libc's `getrandom` symbol can be
    // left unresolved (std declares it weak).
    // SAFETY: buf has room for 12 bytes; flags 0 blocks only until the pool is initialised.
    let got = unsafe { libc::syscall(libc::SYS_getrandom, buf.as_mut_ptr(), buf.len(), 0) };
    let mut nread = if got == 12 {
        12
    } else {
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read(&mut f, &mut buf))
            .unwrap_or(0)
    };
    let mut data = Vec::with_capacity(16);
    while nread > 0 {
        nread -= 1;
        data.push(buf[nread] as isize);
    }
    if data.len() >= 12 {
        return data;
    }
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    data.push(now.subsec_micros() as isize);
    data.push(now.as_secs() as isize);
    // SAFETY: getpid and getppid have no memory effects.
    unsafe {
        data.push(libc::getpid() as isize);
        data.push(libc::getppid() as isize);
    }
    data
}

fn random_seed(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let words: Vec<Value> = seed_words().into_iter().map(Value::of_int).collect();
    Ok(dom.alloc_tuple(0, &words))
}

// Platform constants.

fn get_config(dom: &mut Domain, _args: &[Value]) -> PrimResult {
    let os = dom.alloc_str("Unix");
    Ok(dom.alloc_tuple(0, &[os, Value::of_int(64), Value::FALSE]))
}

fn const_backend_type(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    // `Sys.Bytecode`, the second constant constructor of `Sys.backend_type`.
    Ok(Value::of_int(1))
}

fn const_big_endian(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::FALSE)
}

fn const_word_size(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::of_int(64))
}

fn const_int_size(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::of_int(63))
}

fn const_max_wosize(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::of_int(MAX_WOSIZE as isize))
}

fn const_true(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::TRUE)
}

fn const_false(_dom: &mut Domain, _args: &[Value]) -> PrimResult {
    Ok(Value::FALSE)
}
