//! The ring file's layout and numbering, as `caml/runtime_events.h` (OCaml 5.3) defines
//! them: the metadata header, ring headers, the event header word, and the numbers of
//! phases, counters and lifecycle events (also the constructors' order in `Runtime_events`).

use std::sync::atomic::AtomicU64;

/// The file format version this producer writes.
pub const VERSION: u64 = 1;
/// User event names: slots, and bytes per slot (NUL included).
pub const MAX_CUSTOM_EVENTS: usize = 1 << 13;
pub const CUSTOM_EVENT_NAME_LENGTH: usize = 128;

/// Runtime message types (the `type` field of a runtime event's header).
pub const EV_INTERNAL: u32 = 0;
pub const EV_LIFECYCLE: u32 = 1;
pub const EV_BEGIN: u32 = 2;
pub const EV_EXIT: u32 = 3;
pub const EV_COUNTER: u32 = 4;
pub const EV_ALLOC: u32 = 5;

/// The file's first bytes (`struct runtime_events_metadata_header`); offsets are from it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MetadataHeader {
    pub version: u64,
    pub max_domains: u64,
    pub ring_header_size_bytes: u64,
    pub ring_size_bytes: u64,
    pub ring_size_elements: u64,
    pub headers_offset: u64,
    pub data_offset: u64,
    pub custom_events_offset: u64,
}

impl MetadataHeader {
    /// The layout for `max_domains` rings of `ring_words` words (a power of two).
    pub fn new(max_domains: usize, ring_words: usize) -> MetadataHeader {
        let headers_offset = size_of::<MetadataHeader>() as u64;
        let data_offset = headers_offset + (max_domains * size_of::<RingHeader>()) as u64;
        let ring_size_bytes = (ring_words * 8) as u64;
        MetadataHeader {
            version: VERSION,
            max_domains: max_domains as u64,
            ring_header_size_bytes: size_of::<RingHeader>() as u64,
            ring_size_bytes,
            ring_size_elements: ring_words as u64,
            headers_offset,
            data_offset,
            custom_events_offset: data_offset + max_domains as u64 * ring_size_bytes,
        }
    }

    /// The whole file's size in bytes.
    pub fn file_size(&self) -> usize {
        (self.custom_events_offset as usize) + MAX_CUSTOM_EVENTS * CUSTOM_EVENT_NAME_LENGTH
    }
}

/// A ring's positions (`struct runtime_events_buffer_header`), in words since the start,
/// padded to keep two rings' headers off one cache line.
#[repr(C)]
pub struct RingHeader {
    pub head: AtomicU64,
    pub tail: AtomicU64,
    padding: [u64; 8],
}

impl RingHeader {
    /// A ring with nothing in it.
    pub fn empty() -> RingHeader {
        RingHeader { head: AtomicU64::new(0), tail: AtomicU64::new(0), padding: [0; 8] }
    }
}

/// An event's header word: length in words (10 bits, from bit 54), user flag (bit 53),
/// message type (4 bits, from 49), event id (13 bits, from 36).
pub fn event_header(length: u64, is_runtime: bool, kind: u32, id: u32) -> u64 {
    (length << 54)
        | if is_runtime { 0 } else { 1 << 53 }
        | (u64::from(kind) << 49)
        | (u64::from(id) << 36)
}

pub fn item_length(header: u64) -> u64 {
    (header >> 54) & ((1 << 10) - 1)
}
pub fn item_is_runtime(header: u64) -> bool {
    header & (1 << 53) == 0
}
pub fn item_type(header: u64) -> u32 {
    ((header >> 49) & ((1 << 4) - 1)) as u32
}
pub fn item_id(header: u64) -> usize {
    ((header >> 36) & ((1 << 13) - 1)) as usize
}

/// Lifecycle events (`ev_lifecycle`, `Runtime_events.lifecycle`).
#[derive(Clone, Copy, Debug)]
pub enum Lifecycle {
    RingStart,
    RingStop,
    RingPause,
    RingResume,
    ForkParent,
    ForkChild,
    DomainSpawn,
    DomainTerminate,
}

/// User message types (`ev_user_message_type`).
#[derive(Clone, Copy, Debug)]
pub enum UserMessage {
    Unit,
    Int,
    SpanBegin,
    SpanEnd,
    Custom,
}

/// Runtime phases (`ev_runtime_phase`, `Runtime_events.runtime_phase`). Every variant is
/// listed, emitted or not, because the numbering is the file format's.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    ExplicitGcSet,
    ExplicitGcStat,
    ExplicitGcMinor,
    ExplicitGcMajor,
    ExplicitGcFullMajor,
    ExplicitGcCompact,
    Major,
    MajorSweep,
    MajorMarkRoots,
    MajorMemprofRoots,
    MajorMark,
    Minor,
    MinorLocalRoots,
    MinorMemprofRoots,
    MinorMemprofClean,
    MinorFinalized,
    ExplicitGcMajorSlice,
    FinaliseUpdateFirst,
    FinaliseUpdateLast,
    InterruptRemote,
    MajorEpheMark,
    MajorEpheSweep,
    MajorFinishMarking,
    MajorGcCycleDomains,
    MajorGcPhaseChange,
    MajorGcStw,
    MajorMarkOpportunistic,
    MajorSlice,
    MajorFinishCycle,
    MinorClear,
    MinorFinalizersOldify,
    MinorGlobalRoots,
    MinorLeaveBarrier,
    StwApiBarrier,
    StwHandler,
    StwLeader,
    MajorFinishSweeping,
    MajorMemprofClean,
    MinorFinalizersAdmin,
    MinorRememberedSet,
    MinorRememberedSetPromote,
    MinorLocalRootsPromote,
    DomainConditionWait,
    DomainResizeHeapReservation,
    Compact,
    CompactEvacuate,
    CompactForward,
    CompactRelease,
}

/// Runtime counters (`ev_runtime_counter`, `Runtime_events.runtime_counter`); all listed,
/// as the phases (named as the C enum names them).
#[allow(dead_code, clippy::enum_variant_names)]
#[derive(Clone, Copy, Debug)]
pub enum Counter {
    ForceMinorAllocSmall,
    ForceMinorMakeVect,
    ForceMinorSetMinorHeapSize,
    ForceMinorMemprof,
    MinorPromoted,
    MinorAllocated,
    RequestMajorAllocShr,
    RequestMajorAdjustGcSpeed,
    RequestMinorReallocRefTable,
    RequestMinorReallocEpheRefTable,
    RequestMinorReallocCustomTable,
    MajorHeapPoolWords,
    MajorHeapPoolLiveWords,
    MajorHeapLargeWords,
    MajorHeapPoolFragWords,
    MajorHeapPoolLiveBlocks,
    MajorHeapLargeBlocks,
    MajorHeapWords,
    MajorAllocatedWords,
    MajorAllocatedWork,
    MajorDependentWork,
    MajorExtraWork,
    MajorWorkCounter,
    MajorAllocCounter,
    MajorSliceTarget,
    MajorSliceBudget,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_round_trip() {
        let h = event_header(7, false, 4, 8191);
        assert_eq!(item_length(h), 7);
        assert!(!item_is_runtime(h));
        assert_eq!(item_type(h), 4);
        assert_eq!(item_id(h), 8191);
        assert!(item_is_runtime(event_header(2, true, EV_BEGIN, Phase::Minor as u32)));
    }

    #[test]
    fn layout_matches_the_c_structs() {
        assert_eq!(size_of::<MetadataHeader>(), 64);
        assert_eq!(size_of::<RingHeader>(), 80);
        let m = MetadataHeader::new(128, 1 << 16);
        assert_eq!(m.data_offset, 64 + 128 * 80);
        assert_eq!(m.file_size(), 64 + 128 * 80 + 128 * (1 << 19) + (1 << 13) * 128);
        assert_eq!(Phase::CompactRelease as u32, 47);
        assert_eq!(Counter::MajorSliceBudget as u32, 25);
    }
}
