//! GC statistics counters, in words, as `Gc.quick_stat` reports them. The heap's occupancy
//! is the major heap's own (`MajorHeap::occupancy`, kept as blocks come and go), so no
//! statistic walks the heap.

#[derive(Default, Clone, Debug)]
pub struct GcStats {
    /// The allocation counters of the domains that exited (each live domain keeps its own in
    /// its `DomainGc`).
    pub exited: super::AllocStats,
    pub minor_collections: usize,
    pub major_collections: usize,
    pub forced_major_collections: usize,
    pub compactions: usize,
    pub live_words: usize,
    pub live_blocks: usize,
}

#[cfg(test)]
mod tests {
    use super::super::Gc;

    #[test]
    fn occupancy_leaves_framing_out() {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 1);
        let mut y = gc.new_young(0);
        let a = gc.alloc_major(&mut y, 3, 0);
        let b = gc.alloc_major(&mut y, 1000, 0);
        for i in 0..3 {
            y.initialize(a, i, crate::heap::value::Value::UNIT);
        }
        for i in 0..1000 {
            y.initialize(b, i, crate::heap::value::Value::UNIT);
        }
        let o = gc.major.occupancy();
        assert_eq!((o.pool_live_words, o.pool_live_blocks), (4, 1));
        assert_eq!((o.large_words, o.large_blocks), (1001, 1));
        assert!(o.pool_words >= o.pool_live_words + o.pool_frag_words);
        assert_eq!(gc.major.max_words, o.heap_words());
    }
}
