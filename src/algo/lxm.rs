//! The L64X128 member of the LXM generator family (Steele and Vigna, OOPSLA 2021): one
//! step of `caml_lxm_next`, the only C code behind the stdlib `Random` module.
//!
//! This module owns the step function. A `Random.State.t` is a one-dimensional `int64`
//! Bigarray of 4 elements in C layout; its elements, in order, are
//!
//! | index | name | role |
//! |---|---|---|
//! | 0 | `a` | additive constant of the LCG (kept odd by `Random.State.set`) |
//! | 1 | `s` | state of the LCG |
//! | 2 | `x0` | first word of the xoroshiro128 state (never 0 together with `x1`) |
//! | 3 | `x1` | second word of the xoroshiro128 state |
//!
//! The caller (the bigarray-aware primitive wrapper) must check that the Bigarray really has
//! 4 elements of kind `int64` before handing them here as `&mut [u64; 4]`: the stock runtime
//! trusts the OCaml type and would read out of bounds otherwise. Everything else about
//! `Random` (seeding with MD5, `int`, `float`, `split` ...) is OCaml code in the stdlib and
//! runs as bytecode; the tests replay it to check this step against the stock runtime.

/// The LCG multiplier.
const M: u64 = 0xd134_2543_de82_ef95;
/// The multiplier of the output mixing function.
const MIX: u64 = 0xdaba_0b6e_b093_22e3;

/// Index of `a` in the state words.
pub const A: usize = 0;
/// Index of `s` in the state words.
pub const S: usize = 1;
/// Index of `x0` in the state words.
pub const X0: usize = 2;
/// Index of `x1` in the state words.
pub const X1: usize = 3;

/// Advances the generator by one step and returns 64 fresh bits (`caml_lxm_next`, which
/// boxes them as an `int64`; `caml_lxm_next_unboxed` returns them raw).
pub fn lxm_next(state: &mut [u64; 4]) -> u64 {
    // Combine the two sub-generators' current states, then scramble.
    let mut z = state[S].wrapping_add(state[X0]);
    z = (z ^ (z >> 32)).wrapping_mul(MIX);
    z = (z ^ (z >> 32)).wrapping_mul(MIX);
    z ^= z >> 32;
    // LCG step.
    state[S] = state[S].wrapping_mul(M).wrapping_add(state[A]);
    // xoroshiro128 step (rotations 24 and 37, shift 16).
    let mut q0 = state[X0];
    let mut q1 = state[X1];
    q1 ^= q0;
    q0 = q0.rotate_left(24) ^ q1 ^ (q1 << 16);
    q1 = q1.rotate_left(37);
    state[X0] = q0;
    state[X1] = q1;
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algo::md5::md5;

    // The expected values were printed by the stock OCaml 5.3.0 `ocamlrun`; the state images
    // are `Random.State.to_binary_string` in hex ("lxm1:" then the 4 words little-endian).

    /// `Random.State.set`: forces `a` odd and the xoroshiro words non-zero.
    fn set(i1: u64, i2: u64, i3: u64, i4: u64) -> [u64; 4] {
        [i1 | 1, i2, if i3 != 0 { i3 } else { 1 }, if i4 != 0 { i4 } else { 2 }]
    }

    /// `Random.State.reinit`: the seed array as int64 LE words plus a suffix byte 1 or 2,
    /// hashed twice with MD5.
    fn reinit(seed: &[i64]) -> [u64; 4] {
        let mut b: Vec<u8> = seed.iter().flat_map(|x| x.to_le_bytes()).collect();
        b.push(1);
        let d1 = md5(&b);
        *b.last_mut().unwrap() = 2;
        let d2 = md5(&b);
        let w = |d: &[u8; 16], i: usize| u64::from_le_bytes(d[i..i + 8].try_into().unwrap());
        set(w(&d1, 0), w(&d1, 8), w(&d2, 0), w(&d2, 8))
    }

    fn binary_string_hex(st: &[u64; 4]) -> String {
        let mut s: String = b"lxm1:".iter().map(|b| format!("{b:02x}")).collect();
        for w in st {
            for b in w.to_le_bytes() {
                s.push_str(&format!("{b:02x}"));
            }
        }
        s
    }

    /// `Random.State.bits`: the low 30 bits.
    fn bits(st: &mut [u64; 4]) -> i64 {
        (lxm_next(st) & 0x3FFF_FFFF) as i64
    }

    /// `Random.State.int` for bounds below 2^30 (rejection sampling on 30-bit draws).
    fn int(st: &mut [u64; 4], n: i64) -> i64 {
        let mask = 0x3FFF_FFFFi64;
        loop {
            let r = (lxm_next(st) as i64) & mask;
            let v = r % n;
            if r - v <= mask - n + 1 {
                return v;
            }
        }
    }

    /// `Random.State.float`: 53 random bits scaled into (0, 1), times the bound.
    fn float(st: &mut [u64; 4], bound: f64) -> f64 {
        loop {
            let n = lxm_next(st) >> 11;
            if n != 0 {
                return n as f64 * f64::from_bits(0x3CA0_0000_0000_0000) * bound;
            }
        }
    }

    #[test]
    fn default_state_is_make_314159265() {
        // stdlib/random.ml's mk_default constants, and State.make [| 314159265 |].
        let default = set(
            -6196874289567705097i64 as u64,
            586573249833713189,
            -8591268803865043407i64 as u64,
            6388613595849772044,
        );
        assert_eq!(reinit(&[314159265]), default);
        assert_eq!(
            binary_string_hex(&default),
            "6c786d313af7d79084aa4700aa25be154f43ed2308319eba978aaec5880c4cdb9337eaa858"
        );
        let mut st = default;
        assert_eq!(
            [bits(&mut st), bits(&mut st), bits(&mut st)],
            [691769754, 1061553262, 344373510]
        );
    }

    #[test]
    fn init_42_stream() {
        let mut st = reinit(&[42]);
        assert_eq!(
            binary_string_hex(&st),
            "6c786d313a9b78ac386cde474922ff2074e1c1975548b2f4809d779272aac8b7ea42275aa2"
        );
        assert_eq!(
            [bits(&mut st), bits(&mut st), bits(&mut st)],
            [975943864, 389489320, 740341147]
        );
        assert_eq!(
            [int(&mut st, 100), int(&mut st, 1000000), int(&mut st, 0x3FFFFFFF)],
            [96, 68351, 12775386]
        );
        // 0x1.ebfcc6c6cffeap-2 and 0x1.76134eb58b091p+2
        assert_eq!(float(&mut st, 1.0).to_bits(), 0x3FDE_BFCC_6C6C_FFEA);
        assert_eq!(float(&mut st, 10.0).to_bits(), 0x4017_6134_EB58_B091);
        assert_eq!(
            [lxm_next(&mut st) as i64, lxm_next(&mut st) as i64],
            [-2822039432064479262, 4421012532729926034]
        );
        assert_eq!(
            binary_string_hex(&st),
            "6c786d313a9b78ac386cde4749cc23eb263018b1549d81604a09c1cc527ffc1d9b695cca24"
        );
    }

    #[test]
    fn full_init_and_empty_seed() {
        let mut st = reinit(&[1, -2, 3, (1i64 << 62) - 1]);
        assert_eq!(
            binary_string_hex(&st),
            "6c786d313a2f74d39f75e62990fc1f3b064de76e635a3f9daf244226ed5dd72bcabbac57a2"
        );
        assert_eq!([bits(&mut st), bits(&mut st)], [838475267, 1045649629]);
        assert_eq!(
            binary_string_hex(&reinit(&[])),
            "6c786d313a55a54008ad1ba589aa210d2629c1df419e688c58a5487b8eaf69c9e1005ad0bf"
        );
    }

    #[test]
    fn degenerate_state_does_not_panic() {
        let mut st = [0u64; 4];
        assert_eq!(lxm_next(&mut st), 0);
        let mut st = [u64::MAX; 4];
        let _ = lxm_next(&mut st);
    }
}
