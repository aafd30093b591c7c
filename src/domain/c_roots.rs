//! Roots held by C stubs (see `capi` and docs/stubs.md): the lists of local-root blocks that
//! `CAMLparam`/`CAMLlocal` push on a thread's `caml_state->local_roots`, and the global roots
//! registered by `caml_register_global_root` and its generational twin.
//!
//! A domain knows the address of its thread's list head (`Domain::c_local_roots`, 0 before
//! its first stub call); the collector visits, and updates, every slot of every block of
//! that list that holds a block (immediates are left alone, unread by the visitor). Global roots are addresses in a registry under a mutex, taken briefly by
//! (un)registration and by the leader of a stopped world; no one waits for the world while
//! holding it.

use crate::gc::RootVisitor;
use crate::heap::value::Value;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// `struct caml__roots_block` of the stock `caml/memory.h`.
#[repr(C)]
struct RootsBlock {
    next: *mut RootsBlock,
    ntables: isize,
    nitems: isize,
    tables: [*mut Value; 5],
}

/// Visits every slot of the local-root list whose head is at address `head_slot`.
///
/// # Safety
/// `head_slot` is 0 or the address of a live list head whose blocks are those of C frames
/// still running on a thread that is stopped (or is the caller).
pub(super) unsafe fn visit_local(head_slot: usize, f: RootVisitor<'_>) {
    if head_slot == 0 {
        return;
    }
    // SAFETY: the caller's contract: the head and each block are live.
    unsafe {
        let mut b = *(head_slot as *const *mut RootsBlock);
        while !b.is_null() {
            let ntables = (*b).ntables.clamp(0, 5) as usize;
            let nitems = (*b).nitems.max(0) as usize;
            for t in 0..ntables {
                let table = (*b).tables[t];
                for i in 0..nitems {
                    // Only blocks are handed to the visitor: an immediate never changes,
                    // and a stub may read it in a blocking section while another domain
                    // collects (a write back of the same word would race with that read).
                    let slot = table.add(i);
                    if (*slot).is_block() {
                        f(&mut *slot);
                    }
                }
            }
            b = (*b).next;
        }
    }
}

/// The registered global roots (addresses of `value` cells outside the heap).
static GLOBAL: Mutex<BTreeSet<usize>> = Mutex::new(BTreeSet::new());

/// Registers the cell at `p` as a root.
pub fn register_global(p: *mut Value) {
    GLOBAL.lock().unwrap_or_else(|e| e.into_inner()).insert(p as usize);
}

/// Forgets the cell at `p` (nothing happens if it was not registered).
pub fn remove_global(p: *mut Value) {
    GLOBAL.lock().unwrap_or_else(|e| e.into_inner()).remove(&(p as usize));
}

/// Visits every registered global root.
pub(super) fn visit_global(f: RootVisitor<'_>) {
    let set = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    for &p in set.iter() {
        // SAFETY: a registered cell stays valid until removed (the C API's contract).
        f(unsafe { &mut *(p as *mut Value) });
    }
}
