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

#[cfg(all(test, not(warden_asan)))]
mod pool_tests {
    use super::super::{DomainGc, Gc};
    use crate::heap::value::{Header, Value};

    /// Two domains allocate major blocks at once, each from its own pools (fresh pools and
    /// large blocks through the directory's lock); then, as in a stopped world, the counters
    /// equal a walk of every set, and an exiting domain's pools join the other's unchanged.
    #[test]
    fn domains_allocate_major_blocks_in_parallel_from_their_own_pools() {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 2);
        let ys: Vec<DomainGc> = (0..2).map(|i| gc.new_young(i)).collect();
        let threads: Vec<_> = ys
            .into_iter()
            .enumerate()
            .map(|(k, mut y)| {
                std::thread::spawn(move || {
                    for i in 0..4000usize {
                        let wosize = if i % 97 == 0 { 200 + k } else { 1 + (i * 7 + k) % 120 };
                        let v: Value = y.alloc_major(wosize, 0);
                        for f in 0..wosize {
                            y.initialize(v, f, Value::UNIT);
                        }
                    }
                    y
                })
            })
            .collect();
        let mut ys: Vec<DomainGc> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let ptrs: Vec<*mut DomainGc> = ys.iter_mut().map(|y| y as *mut _).collect();
        for &y in &ptrs {
            // SAFETY: the threads are done; the young states are ours.
            gc.flush_alloc(unsafe { &mut *y });
        }
        let o = gc.occupancy_all(&ptrs);
        let (mut words, mut blocks) = (0, 0);
        gc.major.for_each_block(&[&ys[0].pools, &ys[1].pools], |hp| {
            // SAFETY: hp is the header of a block of the heap.
            words += unsafe { Header(*hp) }.wosize() + 1 - crate::check::MAJOR_EXTRA;
            blocks += 1;
        });
        assert_eq!(blocks, 8000);
        assert_eq!(
            (o.pool_live_words + o.large_words, o.pool_live_blocks + o.large_blocks),
            (words, blocks)
        );
        assert_eq!(o.large_blocks, 2 * 4000usize.div_ceil(97));
        let pools = ys[0].pools.counters.pools + ys[1].pools.counters.pools;
        assert_eq!(pools, gc.major.dir.lock().pools.len());
        assert_eq!(ys.iter().map(|y| y.alloc.major_words_direct).sum::<usize>(), words);
        // The second domain exits: the first adopts its pools.
        let (a, b) = ys.split_at_mut(1);
        let (first, second): (*mut DomainGc, *mut DomainGc) = (&mut a[0], &mut b[0]);
        gc.adopt_pools(&[second, first]);
        assert_eq!(gc.occupancy_all(&[first]), o);
        assert_eq!(ys[1].pools.counters, Default::default());
        assert_eq!(ys[0].pools.counters.pools, pools);
    }
}
