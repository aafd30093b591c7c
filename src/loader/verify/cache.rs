//! The verification cache: what verifying a program file found (its [`Verified`]: function
//! entries, the highest global slot named), kept on disk so that the next run of the same,
//! unchanged file skips validation and verification, as the JVM's CDS archives keep classes
//! verified. Only the program's own code is cached; `Dynlink` fragments and toplevel phrases
//! are verified every time.
//!
//! Where: `$XDG_CACHE_HOME/warden/verified/` (`$HOME/.cache/...` when `XDG_CACHE_HOME` is
//! unset or not absolute; no cache without either), one file per program file and warden
//! build. `WARDEN_VERIFY_CACHE=0` turns the cache off. The cache never fails a run: when its
//! directory cannot be made, read or written (read-only home, no `HOME`, a full disk), the
//! program is verified as without it.
//!
//! The key of an entry:
//! * the program file's identity, taken with `fstat` on the descriptor the sections were read
//!   from, *after* they were read: device, inode, size, mtime and **ctime** (seconds and
//!   nanoseconds);
//! * the warden build: [`RULES_VERSION`] (raised with any change to what verification
//!   accepts or returns), the package version and build flavour, and the identity (device,
//!   inode, size, mtime, ctime) of the running warden executable, so that a rebuilt warden
//!   never trusts an entry an older one wrote;
//! * what verification read besides the file: which primitives are built in and how many
//!   arguments each reads (the arity rule; it changes with `WARDEN_BUILTIN_OFF`), as a hash;
//! * the code's length.
//!
//! An entry is checked before use: its magic, its own recorded length against the file's,
//! and a 64-bit checksum over everything else; then the key must equal the current one
//! field by field, the entries must be ascending and inside the code, the global's
//! instruction inside the code. A damaged, foreign or stale entry is ignored (and
//! overwritten once the program is verified again). Entries are written to a temporary file
//! (mode 0600, `O_EXCL`) and renamed into place, so a reader sees an old entry or a whole
//! new one. The directory must be owned by the user and closed to others (mode 0700, made
//! so when created); entries are opened relative to that directory's descriptor, without
//! following symbolic links, and must be regular files owned by the user, closed to others.
//!
//! Bound: at most [`MAX_ENTRIES`] entries and [`MAX_BYTES`] bytes. After writing an entry
//! the writer lists the directory once; past either bound it deletes the oldest entries
//! (by mtime) down to three quarters of the bound, and any temporary file left by a crashed
//! writer. Only a run that verified (a miss) writes, so a hit never lists the directory.
//!
//! # The attacker who can write the program file but not the cache
//!
//! What such an attacker wants is a run of changed code under an entry made for other code
//! (the verifier's proof is what keeps the interpreter's unchecked accesses in bounds).
//! * The attacker cannot write an entry: the directory and its entries belong to the user
//!   and are closed to others, and a symbolic link planted in their place is refused. Warden
//!   writes an entry only for code it has just verified, under the status it took *after*
//!   reading that code: a change made while warden read shows in that status.
//! * Every change to a file's contents through `write`, `truncate` and the like sets its
//!   mtime and ctime to the current time. `utimensat` (`touch -d`) can put the mtime back,
//!   but it sets the ctime to the current time, and no unprivileged process can set a ctime.
//!   Replacing the file (rename, a new file at the same path) changes the inode, or, if a
//!   freed inode number is reused, carries a new ctime. `chmod`, `chown` and `link` set the
//!   ctime too. So a changed file no longer matches its entry.
//! * Two gaps remain, and an entry is written only when neither is open. Timestamps come
//!   from a coarse clock, and a page of a shared writable mapping that is already dirty takes
//!   further writes without touching the ctime, until the kernel writes it back (30 seconds by
//!   default; never on `tmpfs`). Hence an entry is written only when the file's ctime is at
//!   least [`MIN_AGE_SECS`] seconds old (a write since would have moved it), only on file
//!   systems whose pages are written back and whose ctime the local kernel keeps (ext2/3/4,
//!   XFS, Btrfs, F2FS, overlayfs; not tmpfs, NFS, FUSE or other network file systems, where a
//!   server could serve new bytes under old times), and only when no one but the user and
//!   root can open the file for writing now (owned by one of them, no group or other write
//!   bit, no POSIX ACL). An earlier writable mapping outlives a `chmod`, but the `chmod`
//!   moved the ctime, and the age rule covers the mapping's dirty pages.
//! * What is left is beyond an unprivileged attacker: root (who can set the clock or the
//!   ctime through the block device), or an administrator who made dirty pages live longer
//!   than [`MIN_AGE_SECS`] (`vm.dirty_expire_centisecs`, laptop mode).

use super::{Prims, Verified};
use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Raised with any change to what verification accepts or returns.
pub const RULES_VERSION: u64 = 1;
/// At most this many entries are kept.
pub const MAX_ENTRIES: usize = 256;
/// At most this many bytes of entries are kept.
pub const MAX_BYTES: u64 = 64 << 20;
/// An entry is written only for a file whose ctime is at least this old (overridable with
/// `WARDEN_VERIFY_CACHE_MIN_AGE`, in seconds, for tests).
pub const MIN_AGE_SECS: i64 = 60;
/// An entry larger than this is not read.
const MAX_ENTRY_BYTES: u64 = 256 << 20;
const MAGIC: &[u8; 8] = b"WVERIFY1";
/// Words of key in an entry.
const KEY_WORDS: usize = 12;

/// Verifies the program `code` (read from `file`, still open), through the cache when it
/// is on: returns the entry when one matches, else verifies and stores the result.
pub fn verify_program(code: &[i32], prims: Prims<'_>, file: &File) -> Result<Verified, String> {
    let Some(ctx) = Context::new(code, prims, file) else {
        return super::verify(code, prims);
    };
    if let Some(v) = ctx.lookup(code.len()) {
        log::debug!(target: "warden::loader", "verification cache: hit ({})", ctx.name);
        return Ok(v);
    }
    log::debug!(target: "warden::loader", "verification cache: miss, verifying ({})", ctx.name);
    let verified = super::verify(code, prims)?;
    match ctx.cacheable(file) {
        Ok(()) => {
            let stored = ctx.store(&verified);
            log::debug!(
                target: "warden::loader",
                "verification cache: {} ({})",
                if stored { "stored" } else { "not stored: cannot write" },
                ctx.name
            );
        }
        Err(why) => {
            log::debug!(target: "warden::loader", "verification cache: not stored: {why}")
        }
    }
    Ok(verified)
}

/// What a lookup or a store needs: where the cache is, the key, the file's status.
struct Context {
    dir: PathBuf,
    /// The entry's file name in `dir`.
    name: String,
    key: [u64; KEY_WORDS],
    status: std::fs::Metadata,
}

impl Context {
    /// None when the cache is off or the key cannot be formed.
    fn new(code: &[i32], prims: Prims<'_>, file: &File) -> Option<Context> {
        if std::env::var_os("WARDEN_VERIFY_CACHE").is_some_and(|v| v == "0") {
            return None;
        }
        let dir = cache_dir()?;
        let status = file.metadata().ok()?;
        let build = build_id()?;
        let mut reads = Hasher::new();
        for r in prims.reads {
            reads.word(r.map_or(u64::MAX, u64::from));
        }
        reads.word(prims.reads.len() as u64);
        let key = [
            status.dev(),
            status.ino(),
            status.size(),
            status.mtime() as u64,
            status.mtime_nsec() as u64,
            status.ctime() as u64,
            status.ctime_nsec() as u64,
            build,
            reads.finish(),
            code.len() as u64,
            RULES_VERSION,
            prims.names.len() as u64,
        ];
        let mut h = Hasher::new();
        for w in [key[0], key[1], key[7], key[8]] {
            h.word(w);
        }
        Some(Context { dir, name: format!("{:016x}", h.finish()), key, status })
    }

    /// The entry for this key, if there is a sound one.
    fn lookup(&self, code_len: usize) -> Option<Verified> {
        let dir = open_dir(&self.dir)?;
        let bytes = read_entry(&dir, &self.name)?;
        decode(&bytes, &self.key, code_len)
    }

    /// Whether an entry may be written for the file (see the module doc), or why not.
    fn cacheable(&self, file: &File) -> Result<(), &'static str> {
        let s = &self.status;
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if s.uid() != me && s.uid() != 0 {
            return Err("the file belongs to another user");
        }
        if s.mode() & 0o022 != 0 {
            return Err("others may write the file");
        }
        let min_age = std::env::var("WARDEN_VERIFY_CACHE_MIN_AGE")
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(MIN_AGE_SECS);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let ctime = i128::from(s.ctime()) * 1_000_000_000 + i128::from(s.ctime_nsec());
        if ctime > now || now - ctime < i128::from(min_age) * 1_000_000_000 {
            return Err("the file changed too recently");
        }
        if !local_file_system(file) {
            return Err("the file system is not one whose times the kernel keeps");
        }
        if has_acl(file) {
            return Err("the file has an access control list");
        }
        Ok(())
    }

    /// Writes the entry for `v`; whether it was written. Then keeps the cache bounded.
    fn store(&self, v: &Verified) -> bool {
        if std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.dir).is_err() {
            return false;
        }
        let Some(dir) = open_dir(&self.dir) else { return false };
        let written = write_entry(&dir, &self.name, &encode(&self.key, v));
        if written {
            evict(&dir);
        }
        written
    }
}

/// The cache directory, if a home for it is known.
fn cache_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(p) if Path::new(&p).is_absolute() => PathBuf::from(p),
        _ => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".cache"),
    };
    Some(base.join("warden").join("verified"))
}

/// A hash of the running warden build (see the module doc), once per process.
fn build_id() -> Option<u64> {
    static ID: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *ID.get_or_init(|| {
        let exe = std::fs::metadata("/proc/self/exe").ok()?;
        let mut h = Hasher::new();
        for b in env!("CARGO_PKG_VERSION").bytes() {
            h.word(u64::from(b));
        }
        h.word(u64::from(cfg!(feature = "hardened")) | u64::from(cfg!(debug_assertions)) << 1);
        for w in [exe.dev(), exe.ino(), exe.size()] {
            h.word(w);
        }
        for w in [exe.mtime(), exe.mtime_nsec(), exe.ctime(), exe.ctime_nsec()] {
            h.word(w as u64);
        }
        Some(h.finish())
    })
}

/// Opens the cache directory if it is the user's and closed to others (a directory of the
/// user's that is open to others is closed first).
fn open_dir(path: &Path) -> Option<File> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    let fd = unsafe { libc::open(c.as_ptr(), flags) };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let dir = unsafe { File::from_raw_fd(fd) };
    let m = dir.metadata().ok()?;
    // SAFETY: geteuid has no preconditions.
    if !m.is_dir() || m.uid() != unsafe { libc::geteuid() } {
        return None;
    }
    if m.mode() & 0o077 != 0 {
        dir.set_permissions(std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    Some(dir)
}

/// Opens `name` in `dir` for reading, without following a symbolic link.
fn open_in(dir: &File, name: &str, flags: libc::c_int, mode: libc::mode_t) -> Option<File> {
    let c = CString::new(name).ok()?;
    let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `dir` is an open directory, `c` a NUL-terminated name that outlives the call.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), flags, libc::c_uint::from(mode)) };
    // SAFETY: `fd`, when valid, was just opened and is owned by nothing else.
    (fd >= 0).then(|| unsafe { File::from_raw_fd(fd) })
}

/// The bytes of entry `name`, if it is a regular file of the user's, closed to others.
fn read_entry(dir: &File, name: &str) -> Option<Vec<u8>> {
    let mut f = open_in(dir, name, libc::O_RDONLY | libc::O_NONBLOCK, 0)?;
    let m = f.metadata().ok()?;
    // SAFETY: geteuid has no preconditions.
    let mine = m.uid() == unsafe { libc::geteuid() };
    if !m.is_file() || !mine || m.mode() & 0o077 != 0 || m.len() > MAX_ENTRY_BYTES {
        return None;
    }
    let mut bytes = Vec::with_capacity(m.len() as usize);
    f.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Writes entry `name` atomically (a temporary file renamed into place); whether it did.
fn write_entry(dir: &File, name: &str, bytes: &[u8]) -> bool {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = format!(".tmp-{}-{nanos}", std::process::id());
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
    let Some(mut f) = open_in(dir, &tmp, flags, 0o600) else { return false };
    let (Ok(ctmp), Ok(cname)) = (CString::new(tmp), CString::new(name)) else { return false };
    let fd = dir.as_raw_fd();
    // SAFETY: `fd` is an open directory; both names are NUL-terminated and outlive the calls.
    let renamed = f.write_all(bytes).is_ok()
        && unsafe { libc::renameat(fd, ctmp.as_ptr(), fd, cname.as_ptr()) } == 0;
    if !renamed {
        // SAFETY: as above.
        unsafe { libc::unlinkat(fd, ctmp.as_ptr(), 0) };
    }
    renamed
}

/// Keeps the directory within [`MAX_ENTRIES`] and [`MAX_BYTES`] (see the module doc).
fn evict(dir: &File) {
    // The names are those of the directory the descriptor holds (through /proc, when it is
    // mounted), and every deletion is relative to that descriptor.
    let list = std::fs::read_dir(format!("/proc/self/fd/{}", dir.as_raw_fd())).or_else(|_| {
        cache_dir().map_or(Err(std::io::ErrorKind::NotFound.into()), std::fs::read_dir)
    });
    let Ok(list) = list else { return };
    let now = std::time::SystemTime::now();
    let mut entries = Vec::new();
    let mut doomed = Vec::new();
    for e in list.flatten() {
        let (Ok(m), Some(name)) = (e.metadata(), e.file_name().to_str().map(str::to_owned)) else {
            continue;
        };
        let modified = m.modified().unwrap_or(now);
        let stale = now.duration_since(modified).is_ok_and(|d| d.as_secs() > 600);
        if name.starts_with(".tmp-") {
            if stale {
                doomed.push(name);
            }
        } else if m.is_file() {
            entries.push((modified, m.len(), name));
        }
    }
    let mut bytes: u64 = entries.iter().map(|e| e.1).sum();
    if entries.len() > MAX_ENTRIES || bytes > MAX_BYTES {
        entries.sort();
        let mut count = entries.len();
        for (_, len, name) in entries {
            if count <= MAX_ENTRIES * 3 / 4 && bytes <= MAX_BYTES / 4 * 3 {
                break;
            }
            count -= 1;
            bytes -= len;
            doomed.push(name);
        }
    }
    for name in doomed {
        if let Ok(c) = CString::new(name) {
            // SAFETY: `dir` is an open directory; `c` is NUL-terminated and outlives the call.
            unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) };
        }
    }
}

/// Whether the open file lives on a file system whose ctime the local kernel keeps and whose
/// pages it writes back (see the module doc).
fn local_file_system(file: &File) -> bool {
    const ALLOWED: [i64; 5] = [
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // XFS
        0x9123_683E, // Btrfs
        0xF2F5_2010, // F2FS
        0x794C_7630, // overlayfs
    ];
    // SAFETY: an all-zero statfs is a valid value for the call to fill.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `file` is open and `fs` is a writable statfs.
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut fs) } != 0 {
        return false;
    }
    ALLOWED.contains(&(fs.f_type as i64))
}

/// Whether the open file carries a POSIX access control list (which may grant writing).
fn has_acl(file: &File) -> bool {
    let name = c"system.posix_acl_access";
    // SAFETY: `file` is open; a null buffer of size 0 asks only for the value's size.
    let n = unsafe { libc::fgetxattr(file.as_raw_fd(), name.as_ptr(), std::ptr::null_mut(), 0) };
    n >= 0
}

/// An entry's bytes: the magic, its length, the key, the global bound, the entries, and a
/// checksum over all of it.
fn encode(key: &[u64; KEY_WORDS], v: &Verified) -> Vec<u8> {
    let mut words: Vec<u64> = Vec::with_capacity(KEY_WORDS + 8 + v.entries.len() / 2);
    words.push(0); // the length, filled in below
    words.extend_from_slice(key);
    let (has, slot, pc) = match v.max_global {
        Some((slot, pc)) => (1, slot, u64::from(pc)),
        None => (0, 0, 0),
    };
    words.extend([has, slot, pc, v.entries.len() as u64]);
    words.extend(
        v.entries.chunks(2).map(|c| u64::from(c[0]) | c.get(1).map_or(0, |&e| u64::from(e) << 32)),
    );
    let len = 8 + 8 * (words.len() + 1);
    words[0] = len as u64;
    let mut h = Hasher::new();
    words.iter().for_each(|&w| h.word(w));
    words.push(h.finish());
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(MAGIC);
    words.iter().for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
    out
}

/// The [`Verified`] an entry holds, if it is whole, sound and made for `key` and code of
/// `code_len` words.
fn decode(bytes: &[u8], key: &[u64; KEY_WORDS], code_len: usize) -> Option<Verified> {
    let body = bytes.strip_prefix(MAGIC)?;
    if body.len() % 8 != 0 || body.len() < 8 * (KEY_WORDS + 6) {
        return None;
    }
    let words: Vec<u64> =
        body.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
    let (sum, words) = words.split_last()?;
    let mut h = Hasher::new();
    words.iter().for_each(|&w| h.word(w));
    if words[0] != bytes.len() as u64 || h.finish() != *sum || words[1..=KEY_WORDS] != key[..] {
        return None;
    }
    let rest = &words[1 + KEY_WORDS..];
    let (has, slot, pc, n) = (rest[0], rest[1], rest[2], rest[3]);
    let packed = &rest[4..];
    if n > code_len as u64 || packed.len() as u64 != n.div_ceil(2) {
        return None;
    }
    let entries: Vec<u32> =
        packed.iter().flat_map(|&w| [w as u32, (w >> 32) as u32]).take(n as usize).collect();
    let in_order = entries.windows(2).all(|w| w[0] < w[1]);
    if !in_order || entries.last().is_some_and(|&e| e as usize >= code_len) {
        return None;
    }
    let max_global = match has {
        0 => None,
        1 if (pc as usize) < code_len.saturating_sub(1) => Some((slot, pc as u32)),
        _ => return None,
    };
    Some(Verified { entries, max_global })
}

/// A 64-bit hash over words (integrity against damage, not against a forger: nobody else can
/// write the cache).
struct Hasher(u64);

impl Hasher {
    fn new() -> Hasher {
        Hasher(0x9E37_79B9_7F4A_7C15)
    }

    fn word(&mut self, w: u64) {
        let x = (self.0 ^ w).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        self.0 = (x ^ (x >> 31)).rotate_left(27).wrapping_mul(0x94D0_49BB_1331_11EB);
    }

    fn finish(&self) -> u64 {
        let x = self.0 ^ (self.0 >> 29);
        x.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (x >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> [u64; KEY_WORDS] {
        std::array::from_fn(|i| i as u64 * 7 + 1)
    }

    #[test]
    fn eviction_keeps_the_newest_within_the_bound() {
        let dir = std::env::temp_dir().join(format!("warden-evict-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let n = MAX_ENTRIES + 10;
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for i in 0..n {
            let f = File::create(dir.join(format!("{i:04}"))).unwrap();
            // Entry i is i seconds younger than entry 0.
            f.set_modified(old + std::time::Duration::from_secs(i as u64)).unwrap();
        }
        std::fs::write(dir.join(".tmp-1-2"), b"left by a crash").unwrap();
        File::open(dir.join(".tmp-1-2")).unwrap().set_modified(old).unwrap();
        evict(&File::open(&dir).unwrap());
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left.len(), MAX_ENTRIES * 3 / 4);
        assert_eq!(left[0], format!("{:04}", n - MAX_ENTRIES * 3 / 4), "the oldest went");
        // Within the bound, nothing goes.
        evict(&File::open(&dir).unwrap());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), MAX_ENTRIES * 3 / 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_entry_round_trips_and_damage_is_refused() {
        let v = Verified { entries: vec![0, 5, 9], max_global: Some((12, 4)) };
        let bytes = encode(&key(), &v);
        assert_eq!(decode(&bytes, &key(), 20), Some(v.clone()));
        let none = Verified { entries: vec![3, 4], max_global: None };
        assert_eq!(decode(&encode(&key(), &none), &key(), 5), Some(none));
        // Any flipped byte, a cut, an extra byte, another key, other code: refused.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert_eq!(decode(&b, &key(), 20), None, "byte {i}");
        }
        assert_eq!(decode(&bytes[..bytes.len() - 8], &key(), 20), None);
        assert_eq!(decode(&[&bytes[..], &[0; 8]].concat(), &key(), 20), None);
        let mut other = key();
        other[6] += 1;
        assert_eq!(decode(&bytes, &other, 20), None);
        assert_eq!(decode(&bytes, &key(), 9), None, "an entry past the code");
        assert_eq!(decode(b"", &key(), 20), None);
    }
}
