//! Byte-level helpers for the look-behind and look-ahead checks the regex crate lacks.

/// Reports whether `b` is an ASCII word byte, as `(?-u:\w)` defines it.
pub fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The byte before `at`, if any.
pub fn before(hay: &[u8], at: usize) -> Option<u8> {
    if at == 0 {
        None
    } else {
        hay.get(at - 1).copied()
    }
}

/// The byte at `at`, if any.
pub fn at(hay: &[u8], at: usize) -> Option<u8> {
    hay.get(at).copied()
}

/// Reports whether the byte before `at` is a word byte.
pub fn word_before(hay: &[u8], at: usize) -> bool {
    before(hay, at).map_or(false, is_word)
}

/// Reports whether the byte at `at` is a word byte.
pub fn word_at(hay: &[u8], pos: usize) -> bool {
    at(hay, pos).map_or(false, is_word)
}

/// Reports whether `hay[pos]` is one of `set` and the byte after it is an ASCII digit, which
/// means a number continues past `pos` (as in `1.2.3.4.5` or `555-1234-9`).
pub fn number_continues(hay: &[u8], pos: usize, set: &[u8]) -> bool {
    match (at(hay, pos), at(hay, pos + 1)) {
        (Some(sep), Some(next)) => set.contains(&sep) && next.is_ascii_digit(),
        _ => false,
    }
}
