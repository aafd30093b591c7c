//! Code pointers as values: how a bytecode address is stored in a closure's code field, a
//! return address on a stack, a trap frame or a Marshal'd closure.
//!
//! A code address is an OCaml integer whose high bits are [`CODE_MARK`] and whose low bits are
//! the instruction's index in the program's code (in words). So a scanner tells a code
//! address from a heap pointer by its tag bit alone, with no lookup of code ranges: the class
//! of bug behind OCaml issue 13512 (a heap pointer taken for a code pointer once a stale
//! code range covered it) cannot arise. Heap pointers, shifted right by one, lie far below
//! `CODE_MARK`, so `code_index_below` needs one compare.

use super::value::Value;

/// High bits that mark an OCaml integer as a code address.
pub const CODE_MARK: isize = 0x3C0DE << 40;
/// Largest program the code-pointer encoding allows, in words.
pub const MAX_CODE_WORDS: usize = 1 << 40;

/// The code address of instruction `index`.
#[inline(always)]
pub const fn code_value(index: usize) -> Value {
    Value::of_int(CODE_MARK + index as isize)
}

/// The instruction index of a code address value, if `v` is one.
#[inline(always)]
pub fn code_index(v: Value) -> Option<usize> {
    if v.is_int() {
        let n = v.int() - CODE_MARK;
        if (0..MAX_CODE_WORDS as isize).contains(&n) {
            return Some(n as usize);
        }
    }
    None
}

/// The instruction index of `v` if it is a code address below `len`, decoded with one
/// compare (the interpreter's fast path; [`code_index`] is the general decoder). Any other
/// value — an integer, a heap pointer, an address past `len` — gives `None`.
#[inline(always)]
pub fn code_index_below(v: Value, len: usize) -> Option<usize> {
    let i = (v.0 as isize >> 1).wrapping_sub(CODE_MARK) as usize;
    // A pointer (tag bit clear) is a user-space address below 2^47, so half of it minus
    // CODE_MARK (about 2^57) wraps far above any code length; so does any integer outside the
    // code range. No tag test is needed.
    (i < len).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_values_round_trip_and_pointers_do_not_decode() {
        assert_eq!(code_index(code_value(0)), Some(0));
        assert_eq!(code_index(code_value(12345)), Some(12345));
        assert_eq!(code_index(Value::of_int(7)), None);
        assert_eq!(code_index_below(code_value(9), 10), Some(9));
        assert_eq!(code_index_below(code_value(10), 10), None);
        assert_eq!(code_index_below(Value(0x7f00_0000_1000), usize::MAX >> 2), None);
    }
}
