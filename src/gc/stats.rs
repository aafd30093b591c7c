//! GC statistics counters, in words, as `Gc.quick_stat` reports them.

#[derive(Default, Clone, Debug)]
pub struct GcStats {
    /// The allocation counters of the domains that exited (each live domain keeps its own in
    /// its `Young`).
    pub exited: super::AllocStats,
    pub minor_collections: usize,
    pub major_collections: usize,
    pub forced_major_collections: usize,
    pub compactions: usize,
    pub live_words: usize,
    pub live_blocks: usize,
}

/// Heap occupancy as the stock runtime's pool and large-block statistics define it, in words,
/// with the checker's framing words (hardened builds) left out, so that `Gc.stat` reports
/// production's figures for the same blocks.
#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub struct HeapCensus {
    /// Pool memory, framing words excluded.
    pub pool_words: usize,
    pub pool_live_words: usize,
    pub pool_live_blocks: usize,
    /// Pool headers, the waste at the start of each pool, and slot space beyond each block.
    pub pool_frag_words: usize,
    /// Words of large blocks (headers included, framing excluded).
    pub large_words: usize,
    pub large_blocks: usize,
}

impl super::Gc {
    /// Counts the major heap's blocks (see `HeapCensus`).
    pub fn heap_census(&self) -> HeapCensus {
        use crate::check;
        use crate::heap::pool::{self, POOL_HEADER_WSIZE, POOL_WSIZE, SIZE_CLASSES};
        use crate::heap::value::Header;
        let major = &self.major;
        let large: std::collections::HashSet<usize> =
            major.large.iter().map(|&s| s as usize).collect();
        let mut c = HeapCensus { large_blocks: major.large.len(), ..HeapCensus::default() };
        let mut framing = 0usize;
        let mut last_pool = 0usize;
        major.for_each_block(|slot| {
            // SAFETY: slot is an allocated slot or large block; its block's header is there.
            let whsize = unsafe { Header(*check::header_of_slot(slot)) }.wosize() + 1;
            if large.contains(&(slot as usize)) {
                c.large_words += whsize;
                return;
            }
            let p = pool::pool_of(slot as usize);
            // SAFETY: slot lies in a live pool, whose header holds its size class.
            let sz = SIZE_CLASSES[unsafe { (*p).class }];
            if p as usize != last_pool {
                // The walk visits a pool's slots together; every pool holds a block.
                last_pool = p as usize;
                c.pool_frag_words += POOL_HEADER_WSIZE + (POOL_WSIZE - POOL_HEADER_WSIZE) % sz;
            }
            c.pool_live_words += whsize;
            c.pool_live_blocks += 1;
            c.pool_frag_words += sz.saturating_sub(whsize + check::MAJOR_EXTRA);
            framing += check::MAJOR_EXTRA;
        });
        c.pool_words = major.pool_count * POOL_WSIZE - framing;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::super::Gc;

    #[test]
    fn census_counts_blocks_without_framing() {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 1);
        let mut y = gc.new_young(0);
        let a = gc.alloc_shr(&mut y, 3, 0);
        let b = gc.alloc_shr(&mut y, 1000, 0);
        for i in 0..3 {
            y.initialize(a, i, crate::heap::value::Value::UNIT);
        }
        for i in 0..1000 {
            y.initialize(b, i, crate::heap::value::Value::UNIT);
        }
        let c = gc.heap_census();
        assert_eq!((c.pool_live_words, c.pool_live_blocks), (4, 1));
        assert_eq!((c.large_words, c.large_blocks), (1001, 1));
        assert!(c.pool_words >= c.pool_live_words + c.pool_frag_words);
    }
}
