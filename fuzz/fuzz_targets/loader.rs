//! Fuzzes the whole loader on executable images: every input must load or fail with an
//! error; none may panic, exit or touch memory it does not own.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use warden::api::{exec, intern, verify, DebugInfo};

fuzz_target!(|data: &[u8]| {
    let Ok(exe) = exec::read_executable_bytes(data) else { return };
    if let Some(dbug) = &exe.dbug {
        if let Ok(info) = DebugInfo::parse(dbug) {
            let _ = info.find(0);
        }
    }
    // Code the verifier refuses has no function entries: its DATA is still read.
    let verified = verify::verify(&exe.code, verify::Prims { names: &exe.prim_names, reads: &[] }).ok();
    let entries = verified.as_ref().map_or(&[][..], |v| &v.entries[..]);
    common::with_domain(|dom| {
        let code = exe.program_code(entries);
        let nglobals = match intern::intern_with(dom, &exe.data, Some(&code)) {
            // SAFETY: intern returns a well-formed value; only a block's header is read.
            Ok((v, _)) if v.is_block() => unsafe { v.wosize() },
            _ => 0,
        };
        if let Some(v) = &verified {
            let _ = v.check_globals(&exe.code, nglobals);
        }
    });
});
