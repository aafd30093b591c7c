//! GC statistics counters, in words, as `Gc.quick_stat` reports them. The heap's occupancy
//! comes from the pool sets' counters and the directory (`MajorHeap::occupancy`, kept as
//! blocks come and go), so no statistic walks the heap; a domain sees its own pools exactly
//! and the others' as of the last stopped world (`Gc::occupancy_seen_by`).

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
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 2);
        let mut y = gc.new_young(0);
        let a = y.alloc_major(3, 0);
        let b = y.alloc_major(1000, 0);
        for i in 0..3 {
            y.initialize(a, i, crate::heap::value::Value::UNIT);
        }
        for i in 0..1000 {
            y.initialize(b, i, crate::heap::value::Value::UNIT);
        }
        let o = gc.occupancy_seen_by(&y);
        assert_eq!((o.pool_live_words, o.pool_live_blocks), (4, 1));
        assert_eq!((o.large_words, o.large_blocks), (1001, 1));
        assert!(o.pool_words >= o.pool_live_words + o.pool_frag_words);
        assert_eq!(gc.major.note_size(o.heap_words()), o.heap_words());
        // The other domains see it after the next stopped world.
        assert_eq!(gc.occupancy_seen_by(&gc.new_young(1)).pool_live_blocks, 0);
        gc.snapshot_pools(&[&mut y as *mut _]);
        assert_eq!(gc.occupancy_seen_by(&gc.new_young(1)), o);
    }
}
