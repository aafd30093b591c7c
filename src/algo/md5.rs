//! MD5 (RFC 1321), the digest behind `Digest.string`, `Digest.bytes`, `Digest.channel` and
//! `Random.State.make` (stdlib seeding hashes the seed array with MD5).
//!
//! This module owns the algorithm only: a streaming [`Md5`] context and the one-shot [`md5`].
//! The primitives `caml_md5_string`, `caml_md5_bytes` and `caml_md5_chan` slice their OCaml
//! arguments (and read the channel) elsewhere and feed the bytes here. The digest is the
//! standard one, so nothing about it is specific to OCaml; the expected values in the tests
//! were printed by `Digest.to_hex` under the stock `ocamlrun`.

/// Bytes per compression block.
const BLOCK: usize = 64;

/// Per-step additive constants (the integer part of `|sin(i + 1)| * 2^32`).
const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/// Left-rotation amounts, four per round.
const SHIFTS: [[u32; 4]; 4] = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]];

/// A streaming MD5 computation.
#[derive(Clone, Debug)]
pub struct Md5 {
    /// The four chaining words A, B, C, D.
    state: [u32; 4],
    /// Total message length so far, in bytes (the padding records it modulo 2^64 bits).
    len: u64,
    /// Bytes not yet compressed; only the first `len % 64` are meaningful.
    pending: [u8; BLOCK],
}

impl Default for Md5 {
    fn default() -> Self {
        Md5::new()
    }
}

impl Md5 {
    /// A fresh context (the RFC 1321 initial chaining values).
    pub fn new() -> Md5 {
        Md5 { state: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476], len: 0, pending: [0; BLOCK] }
    }

    /// Appends `data` to the message.
    pub fn update(&mut self, mut data: &[u8]) {
        let used = (self.len % BLOCK as u64) as usize;
        self.len = self.len.wrapping_add(data.len() as u64);
        if used > 0 {
            let take = (BLOCK - used).min(data.len());
            self.pending[used..used + take].copy_from_slice(&data[..take]);
            data = &data[take..];
            if used + take < BLOCK {
                return;
            }
            let block = self.pending;
            compress(&mut self.state, &block);
        }
        let mut chunks = data.chunks_exact(BLOCK);
        for block in &mut chunks {
            // `chunks_exact` yields slices of exactly BLOCK bytes.
            let mut b = [0u8; BLOCK];
            b.copy_from_slice(block);
            compress(&mut self.state, &b);
        }
        let rest = chunks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
    }

    /// Pads the message and returns the 16-byte digest.
    pub fn finish(mut self) -> [u8; 16] {
        let bit_len = self.len.wrapping_mul(8);
        let used = (self.len % BLOCK as u64) as usize;
        // One 0x80 byte, zeros up to 56 mod 64, then the bit length little-endian.
        let pad_len = if used < 56 { 56 - used } else { 120 - used };
        let mut pad = [0u8; BLOCK + 8];
        pad[0] = 0x80;
        pad[pad_len..pad_len + 8].copy_from_slice(&bit_len.to_le_bytes());
        // `update` would add the padding to `len`, which no longer matters.
        self.update(&pad[..pad_len + 8]);
        let mut out = [0u8; 16];
        for (i, w) in self.state.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

/// The MD5 digest of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    let mut ctx = Md5::new();
    ctx.update(data);
    ctx.finish()
}

/// Folds one 64-byte block into the chaining words.
fn compress(state: &mut [u32; 4], block: &[u8; BLOCK]) {
    let mut m = [0u32; 16];
    for (i, w) in m.iter_mut().enumerate() {
        *w = u32::from_le_bytes([
            block[4 * i],
            block[4 * i + 1],
            block[4 * i + 2],
            block[4 * i + 3],
        ]);
    }
    let [mut a, mut b, mut c, mut d] = *state;
    // One step: `f` is the round's mixing of b, c, d; `g` the message word it adds. Written
    // as four loops of constant shape so that each unrolls into straight-line code.
    macro_rules! step {
        ($i:expr, $round:expr, $f:expr, $g:expr) => {{
            let sum = a.wrapping_add($f).wrapping_add(K[$i]).wrapping_add(m[$g]);
            let rotated = b.wrapping_add(sum.rotate_left(SHIFTS[$round][$i % 4]));
            a = d;
            d = c;
            c = b;
            b = rotated;
        }};
    }
    for i in 0..16 {
        step!(i, 0, (b & c) | (!b & d), i);
    }
    for i in 16..32 {
        step!(i, 1, (d & b) | (!d & c), (5 * i + 1) % 16);
    }
    for i in 32..48 {
        step!(i, 2, b ^ c ^ d, (3 * i + 5) % 16);
    }
    for i in 48..64 {
        step!(i, 3, c ^ (b | !d), (7 * i) % 16);
    }
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The test pattern the oracle program used: byte i is `(7 i + 3) mod 256`.
    fn pat(n: usize) -> Vec<u8> {
        (0..n).map(|i| ((i * 7 + 3) & 255) as u8).collect()
    }

    /// `Digest.to_hex (Digest.string (pat n))`, printed by the stock OCaml 5.3.0 runtime.
    const EXPECTED: &[(usize, &str)] = &[
        (0, "d41d8cd98f00b204e9800998ecf8427e"),
        (1, "8666683506aacd900bbd5a74ac4edf68"),
        (3, "c9aee4810523ef8658121b8d492c6b41"),
        (55, "52c0e574e1198de5fe3f8f11440dcb1b"),
        (56, "46c9907fc908ee68b1e7b8e71286a518"),
        (57, "1c805dd236c35cab25fcb1bc73802c51"),
        (63, "a62f6d59e837867693f042f5b8f5a236"),
        (64, "7160b8fb5e9e4023d549c3971fbaeead"),
        (65, "70bd662e7aefbda85a0f7244167b7897"),
        (127, "acce2474d6cc8302120d09c818d17ef7"),
        (128, "10b2da1a82f16d99a81a7203fe9f02cb"),
        (129, "03fefbbcebe2959cf2270241aafe0250"),
        (255, "63bada79fee9101a5abc3841d5de0b11"),
        (256, "d436d767fed83db89eacc70ed6cbd839"),
        (257, "8e2134d5d1b01a551538448c7f25e37e"),
        (1000, "10046f077f2082ac19676b8079f1cb1a"),
    ];

    #[test]
    fn known_answers() {
        for &(n, want) in EXPECTED {
            assert_eq!(hex(&md5(&pat(n))), want, "length {n}");
        }
        assert_eq!(hex(&md5(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn incremental_matches_one_shot() {
        let data = pat(1000);
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 999, 1000] {
            for step in [1, 7, 64, 200] {
                let mut ctx = Md5::new();
                ctx.update(&data[..split]);
                for chunk in data[split..].chunks(step) {
                    ctx.update(chunk);
                }
                assert_eq!(ctx.finish(), md5(&data), "split {split} step {step}");
            }
        }
    }
}
