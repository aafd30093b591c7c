//! `unix` primitives on the file system: metadata (`stat`, `lstat`, `fstat` and their
//! 64-bit forms), names (unlink, rename, link, symlink, readlink, realpath, mkdir, rmdir,
//! mkfifo), directories (opendir ...), permissions and owners, truncation, times, `access`,
//! `umask`, the working directory and `chroot`.

use crate::prims::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];
