//! BLAKE2b (RFC 7693) as the OCaml 5.3 runtime implements it for `Digest.BLAKE128`,
//! `Digest.BLAKE256`, `Digest.BLAKE512` and `Digest.BLAKE2(...)`: output length 1..64 bytes,
//! optional key, no salt or personalisation.
//!
//! This module owns the algorithm and the byte image of a streaming state. The primitives
//! `caml_blake2_string`/`caml_blake2_bytes` are one-shot ([`Blake2b::new`], `update`,
//! `finish`). `caml_blake2_create`/`caml_blake2_update`/`caml_blake2_final` keep a state
//! between calls: the stock runtime stores a pointer to a malloc'd context in a custom block
//! (identifier `"_blake2"`, no compare, hash or serialise functions, so `compare` and
//! `Marshal` reject it and `Hashtbl.hash` ignores it). warden can store the context inline
//! instead: [`Blake2b::to_state_bytes`] gives its [`STATE_BYTES`]-byte image and
//! [`Blake2b::from_state_bytes`] reads it back.
//!
//! Behaviour kept from the stock runtime, including the odd corners:
//! * The parameter word mixes in the key length *as given* (`0x01010000 | keylen << 8 |
//!   hashlen`), but only the first 64 key bytes are used, so a key longer than 64 bytes gives
//!   a digest that no other BLAKE2 library produces.
//! * `caml_blake2_final` takes its own length argument and mutates the state (it compresses
//!   the last block in place); calling it twice gives two different answers. Use
//!   [`Blake2b::final_in_place`] and store the state back to reproduce that.
//! * Lengths the stock runtime only `assert`s about are clamped here instead of reading out
//!   of bounds: the digest is at most 64 bytes long.

/// Bytes per compression block.
pub const BLOCK: usize = 128;
/// Largest digest, in bytes.
pub const MAX_HASHLEN: usize = 64;
/// Longest key actually used, in bytes.
pub const MAX_KEYLEN: usize = 64;
/// Size of [`Blake2b::to_state_bytes`]: the stock `struct BLAKE2_context` image (h[8], len[2],
/// numbytes, buffer[128]: 216 bytes) followed by the digest length (8 bytes), all
/// little-endian.
pub const STATE_BYTES: usize = 8 * 8 + 2 * 8 + 8 + BLOCK + 8;

const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// Message word permutation for each of the 12 rounds (rounds 10 and 11 repeat 0 and 1).
const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

/// A streaming BLAKE2b computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blake2b {
    /// Chaining value.
    h: [u64; 8],
    /// Bytes compressed so far, as a 128-bit counter (low word first).
    len: [u64; 2],
    /// Meaningful bytes in `buffer` (0..=128). The last block is held back until the end,
    /// because the final compression is flagged differently.
    numbytes: usize,
    buffer: [u8; BLOCK],
    /// Digest length in bytes (0..=64).
    hashlen: usize,
}

impl Blake2b {
    /// A state for a `hashlen`-byte digest, keyed with `key` (empty for no key).
    ///
    /// `hashlen` should be 1..=64 (the stdlib checks); a larger value enters the parameter
    /// word as the stock runtime does, but the digest is cut at 64 bytes.
    pub fn new(hashlen: usize, key: &[u8]) -> Blake2b {
        let mut h = IV;
        h[0] ^= 0x0101_0000 | ((key.len() as u64) << 8) | hashlen as u64;
        let mut s = Blake2b {
            h,
            len: [0, 0],
            numbytes: 0,
            buffer: [0; BLOCK],
            hashlen: hashlen.min(MAX_HASHLEN),
        };
        if !key.is_empty() {
            // The key, zero-padded to a full block, is the first block of the message.
            let k = &key[..key.len().min(MAX_KEYLEN)];
            s.buffer[..k.len()].copy_from_slice(k);
            s.numbytes = BLOCK;
        }
        s
    }

    /// Appends `data` to the message.
    pub fn update(&mut self, mut data: &[u8]) {
        if self.numbytes > 0 {
            let room = BLOCK - self.numbytes;
            if data.len() <= room {
                self.buffer[self.numbytes..self.numbytes + data.len()].copy_from_slice(data);
                self.numbytes += data.len();
                return;
            }
            self.buffer[self.numbytes..].copy_from_slice(&data[..room]);
            let block = self.buffer;
            self.compress(&block, BLOCK, false);
            data = &data[room..];
        }
        // Compress whole blocks while strictly more than one block remains: the last one
        // (even if full) must wait for `final_in_place`.
        while data.len() > BLOCK {
            let mut block = [0u8; BLOCK];
            block.copy_from_slice(&data[..BLOCK]);
            self.compress(&block, BLOCK, false);
            data = &data[BLOCK..];
        }
        self.buffer[..data.len()].copy_from_slice(data);
        self.numbytes = data.len();
    }

    /// The digest of the message so far, `hashlen` bytes long (cut at 64), exactly as
    /// `caml_blake2_final(ctx, hashlen)`: the state is left as the stock runtime leaves it
    /// (last block compressed, buffer zero-padded), so a second call gives another answer.
    pub fn final_in_place(&mut self, hashlen: usize) -> Vec<u8> {
        self.buffer[self.numbytes..].fill(0);
        let block = self.buffer;
        self.compress(&block, self.numbytes, true);
        (0..hashlen.min(MAX_HASHLEN)).map(|i| (self.h[i / 8] >> (8 * (i % 8))) as u8).collect()
    }

    /// The digest, of the length given to [`Blake2b::new`].
    pub fn finish(mut self) -> Vec<u8> {
        let n = self.hashlen;
        self.final_in_place(n)
    }

    /// The [`STATE_BYTES`]-byte image of this state, to keep in a custom block or string.
    pub fn to_state_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(STATE_BYTES);
        for w in self.h.iter().chain(self.len.iter()) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&(self.numbytes as u64).to_le_bytes());
        out.extend_from_slice(&self.buffer);
        out.extend_from_slice(&(self.hashlen as u64).to_le_bytes());
        out
    }

    /// Reads back an image made by [`Blake2b::to_state_bytes`]. `None` if the length is
    /// wrong or a count is out of range (a corrupted or foreign block).
    pub fn from_state_bytes(bytes: &[u8]) -> Option<Blake2b> {
        if bytes.len() != STATE_BYTES {
            return None;
        }
        let word = |i: usize| -> u64 {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[8 * i..8 * i + 8]);
            u64::from_le_bytes(w)
        };
        let mut h = [0u64; 8];
        for (i, x) in h.iter_mut().enumerate() {
            *x = word(i);
        }
        let len = [word(8), word(9)];
        let numbytes = word(10);
        let hashlen = word(11 + BLOCK / 8);
        if numbytes > BLOCK as u64 || hashlen > MAX_HASHLEN as u64 {
            return None;
        }
        let mut buffer = [0u8; BLOCK];
        buffer.copy_from_slice(&bytes[88..88 + BLOCK]);
        Some(Blake2b { h, len, numbytes: numbytes as usize, buffer, hashlen: hashlen as usize })
    }

    /// Folds one block into the chaining value; `count` bytes of it are message bytes.
    fn compress(&mut self, block: &[u8; BLOCK], count: usize, last: bool) {
        let (lo, carry) = self.len[0].overflowing_add(count as u64);
        self.len[0] = lo;
        self.len[1] = self.len[1].wrapping_add(carry as u64);

        let mut m = [0u64; 16];
        for (i, w) in m.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&block[8 * i..8 * i + 8]);
            *w = u64::from_le_bytes(b);
        }
        let mut v = [0u64; 16];
        v[..8].copy_from_slice(&self.h);
        v[8..].copy_from_slice(&IV);
        v[12] ^= self.len[0];
        v[13] ^= self.len[1];
        if last {
            v[14] = !v[14];
        }
        for s in &SIGMA {
            g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for i in 0..8 {
            self.h[i] ^= v[i] ^ v[i + 8];
        }
    }
}

/// The BLAKE2b mixing function G on four words of the work vector.
#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// One-shot digest: `hashlen` bytes of BLAKE2b of `data` keyed with `key`
/// (`caml_blake2_string`).
#[cfg(test)]
pub fn blake2b(hashlen: usize, key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s = Blake2b::new(hashlen, key);
    s.update(data);
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The oracle's test pattern: byte i is `(7 i + 3) mod 256`.
    fn pat(n: usize) -> Vec<u8> {
        (0..n).map(|i| ((i * 7 + 3) & 255) as u8).collect()
    }

    // Expected values below were printed by the stock OCaml 5.3.0 `ocamlrun`, through
    // `Digest.BLAKE512/256/128.string` and through the externals `caml_blake2_string`,
    // `caml_blake2_create`, `caml_blake2_update` and `caml_blake2_final` declared directly.

    /// (input length, BLAKE512, BLAKE256, BLAKE128) of `pat n`, unkeyed.
    const UNKEYED: &[(usize, &str, &str, &str)] = &[
        (0, "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
         "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", "cae66941d9efbd404e4d88758ea67670"),
        (1, "4fe4da61bcc756071b226843361d74944c72245d23e8245ea678c13fdcd7fe2ae529cf999ad99cc24f7a73416a18ba53e76c0afef83b16a568b12fbfc1a2674d",
         "e88bd757ad5b9bedf372d8d3f0cf6c962a469db61a265f6418e1ffed86da29ec", "71b186b851e866e71be237342976049a"),
        (3, "76ce7e90c577d436a65b691e51f0a1ad536130d70a18df3bf5368551327258b6f706f4a47c45f2d0d8147cfbb5623077e798247972e4f9338603a13abc05a4db",
         "9facd640130c81e7f318a8d5c660bc1b0f5d03861ffbd4cc1358e0e904593c28", "09e03a807474593d5cb98909e5d502cd"),
        (55, "cd3d304c5fc217e84778b997f89dc654a6a44a88b1fd43c4668e4adfbbe2b0d169002a6f98b22ab98dde4603477dcdaeac3e6ff320b1059531fd8b6c36738e67",
         "03d4607f1e3d3c6054d276c53eab4ee4de04446370d6aaab103b24060349bf47", "3b7e8c275ccd83ca24b6f46d1cc43c73"),
        (56, "b84c95e7cb1bab5b0f5acfdd426cd90091fe5f98b2f9c047ea71542ffe6e757c29b47ec42c9fdbe423b43083f711fb546f0c3237dd42fe311ff4544d627f295a",
         "70571de6bad6d1fd028eba4676464563ca74841bb72de0e8878c02bba841f72d", "72c2ebecfb97e679be6f03b1b8f45848"),
        (57, "f853027535ea376cf522c95f8bb8150ac82d3772a1dc684bbe79bff8f7117ce7920f680a9646b204ec2e371c8d930d9f75ecd935865d439da87286a161000d59",
         "8d4fa3eea43b131d86bb26420da4de550972354d97763fbf2f49fa7f3d9e5b51", "2e2c5c59e116efc0aee4dff97edba254"),
        (63, "70b2a0e6daecac22c7a2df82c06e3fc0b4c66bd5ef8098e4ed54e723b393d79ef3bceba079a01a14c6ef2ae2ed1171df1662cd14ef38e6f77b01c7f48144dd09",
         "a69e023685fa5f19fca13acc02142a9cf8450ce5b77966586e0d000c4a4ea942", "45c379911678ea646b566f8f5623fb44"),
        (64, "3db7bb5c40745f0c975ac6bb8578f590e2cd2cc1fc6d13533ef725325c9fddff5cca24e7a591a0f6032a24fad0e09f6df873c4ff314628391f78df7f09cb7ed7",
         "586c0dd87616ec042093edc5f87f880d37ca73618e99b03d5850ce9be478721f", "96631285a2c16ac3454fa6b94f6faeb6"),
        (65, "149c114a3e8c6e06bafee27c9d0de0e39ef28294fa0d9f81876dcceb10bb41101e256593587e46b844819ed7ded90d56c0843df06c95d1695c3de635cd7a888e",
         "6f7ceeb90322d003c5b33ae8b9d9282e0159dbdc17434abc3f91ae794641d77d", "138d714e9ed4830f76895021a575174d"),
        (127, "71546bbf9110ad184cc60f2eb120fcfd9b4dbbca7a7f1270045b8a23a6a4f4330f65c1f030dd2f5fabc6c57617242c37cf427bd90407fac5b9deffd3ae888c39",
         "c9ae3859964b35f04c54b36d33cf299d7290ee621005d28e51598a943560aaaa", "e00ab0ead4d729de8fbe7745d642e416"),
        (128, "2d9e329f42afa3601d646692b81c13e87fcaff5bf15972e9813d7373cb6d181f9599f4d513d4af4fd6ebd37497aceb29aba5ee23ed764d8510b552bd088814fb",
         "f0501d06597880592bc49234eef100ec1ff349058d0e9d9b753504e24af86dd6", "8e0cf9bb1b36fa6c42aa6490f719b575"),
        (129, "47889df9eb4d717afc5019df5c6a83df00a0b8677395e078cd5778ace0f338a618e68b7d9afb065d9e6a01ccd31d109447e7fae771c3ee3e105709194122ba2b",
         "a34a4e1e03c541dfbf3099c4b6c143c022ced65c28bd7e8a10e0a098461aecf0", "6cefde50e4008690e61cf8225d101256"),
        (255, "1a5199ac66a00e8a87ad1c7fbad30b33137dd8312bf6d98602dacf8f40ea2cb623a7fbc63e5a6bfa434d337ae7da5ca1a52502a215a3fe0297a151be85d88789",
         "f2d64a40e9412a3414161ff6250075225418fd7c271c1123e162e1bca0de9f93", "b1bce9f0dc0bec101cd5e09b7961937c"),
        (256, "91019c558584980249ca43eceed27e19f1c3c24161b93eed1eee2a6a774f60bf8a81b43750870bee1698feac9c5336ae4d5c842e7ead159bf3916387e8ded9ae",
         "d93ebb9c802f5630ab22516fd82b6c21bc8bd551d531349b715f046ed11ed871", "ac60b0f8b3227af67328401630cd4dfa"),
        (257, "9f1975efca45e7b74b020975d4d2c22802906ed8bfefca51ac497bd23147fc8f303890d8e5471ab6caaa02362e831a9e8d3435279912ccd4842c7806b096c348",
         "4ce481b24d387422d2bc2baa03d1afd55a1327939ff537c71eb9b38709268649", "7e5b16bfede2940cbed4da50b56da597"),
        (1000, "4bdd2c9cf31d797a81d245c989ffb7515143ca345c66f73087dd5c58bf642bf083ba16894eab79e3b08d5126404d833e7510271b50be36a7b7cbbb46f5c89fac",
         "d62b6c768ce1afc8367e0498ab2f8e3f7c178c35b1429f14c4604b545d200f52", "add263669b4eb2158678a360fa6f007a"),
    ];

    /// (hashlen, key length, input length, digest) of `caml_blake2_string hl (pat kl) (pat n)`.
    const KEYED: &[(usize, usize, usize, &str)] = &[
        (1, 0, 0, "2e"),
        (20, 0, 3, "8f148bd4c242f537b55ee7b7ba68153d17c49871"),
        (33, 5, 100, "19d00e0e4204f4a2f110774415d2fc8d11ea5b8261b24e9c9256f8923d746798dd"),
        (64, 64, 128, "d940ef21635d517702b9273dccb53c0f45de4725c7728353d51204b0d4b8361903ecdcdead5951e357df921418e70049107ee9b410d607790caa4bdea32dae69"),
        (64, 64, 0, "adc105be52948c798644551eab3bd7f8b867121c597efcd83649951b02fee1ef3f41a48cd496df98a4948dc96a62dc683fd4348864eb7b717b1834df1751685e"),
        (32, 65, 10, "4bfbaead60bdda528a7ef442d37f9696bd533a96b28d236afd217e0a46e09a97"),
        (32, 100, 200, "125e890711d1d1d7e3f98f77fc14c08a6ffa5406b6ed1b2c20f91605aed4a13d"),
        (17, 1, 129, "4d69d43172b528e813d8165ef16441923a"),
        (64, 300, 5, "9cfec59011cf274ce183a230af5728b0c42fa55dc21ed407b73e9e36baecab2615d488dd9a1cf7a512b079db0eef83cf2861c6d5795779a66e6371c088424cd1"),
        (48, 128, 256, "e3583f8f75a2c2cbbc00d0e6160d1e64b85258c856352f43b9b4c61869b27713e1351bb10f97d1335cba3d55bf927c92"),
    ];

    /// (hashlen, key length, update chunk sizes, digest) through create/update/final.
    const INCREMENTAL: &[(usize, usize, &[usize], &str)] = &[
        (64, 0, &[1, 127, 1, 128, 0, 300], "a0edf4afbc8ecccd87c78e49f16718eae09bc432e393d47c9213ce2aef346523a45d6ec28f12bd2c52bf490287dd7a69e3063e12ee92a8aa16275326f949aad6"),
        (32, 10, &[0, 0, 128, 1], "593ea4ab1078410dcca428154f13f26da85f79643795533d2013eb313409b26e"),
        (16, 64, &[], "ac91cb06db75794af269286d7925af53"),
        (64, 3, &[128], "a9ea5b79e16b3ad0ae39a5144b9f9b40739bb7c665427fffc1b6d7458ae83dfa3f1a7a492baf35450ad66501e7bc048dde84aa11661c41af441f608a7585d863"),
        (64, 0, &[129, 127, 128], "b85ac0e32670752c815046c650bdc8c88aa77c991d02cd3845129b539ad8a381043637dd0635f03ab2fc62125b76bc094e1ca15a762d1f3bf399468ec2e6ccc2"),
    ];

    #[test]
    fn unkeyed_known_answers() {
        for &(n, d512, d256, d128) in UNKEYED {
            let data = pat(n);
            assert_eq!(hex(&blake2b(64, b"", &data)), d512, "512, length {n}");
            assert_eq!(hex(&blake2b(32, b"", &data)), d256, "256, length {n}");
            assert_eq!(hex(&blake2b(16, b"", &data)), d128, "128, length {n}");
        }
    }

    #[test]
    fn keyed_and_odd_lengths() {
        for &(hl, kl, n, want) in KEYED {
            assert_eq!(hex(&blake2b(hl, &pat(kl), &pat(n))), want, "hl {hl} kl {kl} n {n}");
        }
    }

    #[test]
    fn incremental_known_answers() {
        for &(hl, kl, chunks, want) in INCREMENTAL {
            let total: usize = chunks.iter().sum();
            let data = pat(total);
            let mut s = Blake2b::new(hl, &pat(kl));
            let mut off = 0;
            for &c in chunks {
                s.update(&data[off..off + c]);
                off += c;
            }
            assert_eq!(hex(&s.finish()), want, "hl {hl} kl {kl} chunks {chunks:?}");
        }
    }

    #[test]
    fn state_bytes_round_trip_mid_stream() {
        let data = pat(700);
        for split in [0, 1, 127, 128, 129, 300, 700] {
            let mut s = Blake2b::new(48, &pat(9));
            s.update(&data[..split]);
            let image = s.to_state_bytes();
            assert_eq!(image.len(), STATE_BYTES);
            let mut t = Blake2b::from_state_bytes(&image).expect("valid image");
            assert_eq!(t, s);
            t.update(&data[split..]);
            assert_eq!(t.finish(), blake2b(48, &pat(9), &data), "split {split}");
        }
    }

    #[test]
    fn corrupt_state_bytes_are_rejected() {
        let image = Blake2b::new(32, b"").to_state_bytes();
        assert!(Blake2b::from_state_bytes(&image[1..]).is_none());
        let mut bad = image.clone();
        bad[80] = 129; // numbytes > 128
        assert!(Blake2b::from_state_bytes(&bad).is_none());
        let mut bad = image;
        bad[STATE_BYTES - 8] = 65; // hashlen > 64
        assert!(Blake2b::from_state_bytes(&bad).is_none());
    }

    #[test]
    fn final_mutates_state_like_the_stock_runtime() {
        let mut s = Blake2b::new(32, b"");
        s.update(b"abc");
        let first = s.final_in_place(32);
        let second = s.final_in_place(32);
        assert_eq!(first, blake2b(32, b"", b"abc"));
        assert_ne!(first, second);
    }

    #[test]
    fn out_of_range_lengths_do_not_panic() {
        assert_eq!(blake2b(1000, b"", b"x").len(), MAX_HASHLEN);
        assert_eq!(blake2b(0, b"", b"x").len(), 0);
        assert_eq!(Blake2b::new(16, &[7u8; 1000]).finish().len(), 16);
    }
}
