//! GC statistics counters, in words, as `Gc.quick_stat` reports them.

#[derive(Default, Clone, Debug)]
pub struct GcStats {
    /// Words allocated in the minor heap by completed minor collections' arenas.
    pub minor_words: usize,
    pub promoted_words: usize,
    /// Words allocated directly in the major heap.
    pub major_words_direct: usize,
    pub minor_collections: usize,
    pub major_collections: usize,
    pub forced_major_collections: usize,
    pub compactions: usize,
    pub live_words: usize,
    pub live_blocks: usize,
}
