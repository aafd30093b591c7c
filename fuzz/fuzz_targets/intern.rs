//! Fuzzes the unmarshaller on raw bytes (a marshal header and data).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use warden::api::Value;
use warden::api::intern::{self, CodeResolver};

/// Accepts every digest, as if each named a loaded fragment of 2^20 words, so that closures
/// get past code pointers and into the closure checks.
struct AnyCode;

impl CodeResolver for AnyCode {
    fn resolve(&self, _digest: &[u8; 16], ofs: u32) -> Option<Value> {
        let ofs = ofs as usize;
        (ofs % 4 == 0 && ofs / 4 < 1 << 20).then(|| warden::api::code_value(ofs / 4))
    }
    fn is_code_pointer(&self, v: Value) -> bool {
        warden::api::code_index(v).is_some_and(|i| i < 1 << 20)
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = intern::data_size(data);
    let _ = intern::header_len(data);
    common::with_domain(|dom| {
        let _ = intern::intern_with(dom, data, Some(&AnyCode));
    });
});
