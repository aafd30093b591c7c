//! The Marshal wire format (the stock `intern.h`): header magic numbers and the item codes
//! that both directions share. `loader::intern` reads it, `prims::marshal::extern_` writes
//! it; neither defines a code of its own.
//!
//! An item is either a one-byte prefix carrying a small int, string or block (`PREFIX_*`,
//! the payload in the low bits) or a code byte (`CODE_*`) followed by its operands, in
//! big-endian order. The `*_BIG` float codes are only read (warden writes little-endian, as
//! the stock runtime does on x86-64); `OLD_CODE_CUSTOM` is refused on input.

/// Header magic numbers: small header (32-bit sizes), big header (64-bit sizes),
/// compressed (refused: the oracle build has no zstd).
pub const MAGIC_SMALL: u32 = 0x8495_A6BE;
pub const MAGIC_BIG: u32 = 0x8495_A6BF;
pub const MAGIC_COMPRESSED: u32 = 0x8495_A6BD;

/// A block of tag < 16 and size < 8: `0x80 | tag | size << 4`.
pub const PREFIX_SMALL_BLOCK: u8 = 0x80;
/// An int in 0..64: `0x40 | n`.
pub const PREFIX_SMALL_INT: u8 = 0x40;
/// A string shorter than 32 bytes: `0x20 | len`, then the bytes.
pub const PREFIX_SMALL_STRING: u8 = 0x20;
/// Codes followed by operands.
pub const CODE_INT8: u8 = 0x0;
pub const CODE_INT16: u8 = 0x1;
pub const CODE_INT32: u8 = 0x2;
pub const CODE_INT64: u8 = 0x3;
pub const CODE_SHARED8: u8 = 0x4;
pub const CODE_SHARED16: u8 = 0x5;
pub const CODE_SHARED32: u8 = 0x6;
pub const CODE_DOUBLE_ARRAY32_LITTLE: u8 = 0x7;
pub const CODE_BLOCK32: u8 = 0x8;
pub const CODE_STRING8: u8 = 0x9;
pub const CODE_STRING32: u8 = 0xA;
pub const CODE_DOUBLE_BIG: u8 = 0xB;
pub const CODE_DOUBLE_LITTLE: u8 = 0xC;
pub const CODE_DOUBLE_ARRAY8_BIG: u8 = 0xD;
pub const CODE_DOUBLE_ARRAY8_LITTLE: u8 = 0xE;
pub const CODE_DOUBLE_ARRAY32_BIG: u8 = 0xF;
pub const CODE_CODEPOINTER: u8 = 0x10;
pub const CODE_INFIXPOINTER: u8 = 0x11;
pub const OLD_CODE_CUSTOM: u8 = 0x12;
pub const CODE_BLOCK64: u8 = 0x13;
pub const CODE_SHARED64: u8 = 0x14;
pub const CODE_STRING64: u8 = 0x15;
pub const CODE_DOUBLE_ARRAY64_BIG: u8 = 0x16;
pub const CODE_DOUBLE_ARRAY64_LITTLE: u8 = 0x17;
pub const CODE_CUSTOM_LEN: u8 = 0x18;
pub const CODE_CUSTOM_FIXED: u8 = 0x19;
