//! The profiler's random draws: a xoshiro128+ generator (seeded through SplitMix64, as the
//! stock runtime seeds its own), geometric variables of the profile's parameter for the
//! distance to the next sampled word, and binomial counts of samples in a block built from
//! them. The sequence differs from the stock runtime's (it draws 64 lanes at once and uses
//! an approximate logarithm); the distributions are the same.

/// A xoshiro128+ state.
pub struct Rng {
    s: [u32; 4],
}

impl Rng {
    /// A generator seeded from `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let (a, b) = (next(), next());
        let mut s = [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32];
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    fn next_u32(&mut self) -> u32 {
        let s = &mut self.s;
        let res = s[0].wrapping_add(s[3]);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        res
    }

    /// A geometric variable of parameter `lambda`, given as `one_log1m = 1 / ln(1 - lambda)`
    /// (0 for a rate of 1, negative otherwise): the number of words up to and including the
    /// next sampled one, in `1..=isize::MAX`.
    pub fn geom(&mut self, one_log1m: f64) -> usize {
        // A uniform variable in (0, 1): never 0, so its logarithm is finite and negative.
        let u = (self.next_u32() as f64 + 0.5) / 4_294_967_296.0;
        let f = 1.0 + u.ln() * one_log1m;
        if f.is_nan() || f >= isize::MAX as f64 {
            isize::MAX as usize
        } else {
            (f as usize).max(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_draws_have_the_right_mean() {
        let mut r = Rng::new(7);
        assert!((0..100).all(|_| r.geom(0.0) == 1), "a rate of 1 samples every word");
        let lambda: f64 = 0.01;
        let one_log1m = 1.0 / (-lambda).ln_1p();
        let n = 200_000;
        let sum: usize = (0..n).map(|_| r.geom(one_log1m)).sum();
        let mean = sum as f64 / n as f64;
        assert!((mean - 1.0 / lambda).abs() < 1.5, "mean {mean}");
        assert_eq!(r.geom(f64::NEG_INFINITY), isize::MAX as usize);
    }
}
