//! Fuzzes the unmarshaller on raw bytes (a marshal header and data).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use warden::loader::intern;

fuzz_target!(|data: &[u8]| {
    let _ = intern::data_size(data);
    common::with_domain(|dom| {
        // Closures resolve against a made-up code fragment of 4096 words, whose digest is
        // the first 16 bytes of the input when there are enough.
        let mut digest = [0u8; 16];
        if data.len() >= 16 {
            digest.copy_from_slice(&data[..16]);
        }
        let code = intern::CodeFragment { digest, len_words: 4096 };
        let _ = intern::intern(dom, data, Some(&code));
    });
});
