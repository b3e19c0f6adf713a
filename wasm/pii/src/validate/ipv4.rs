//! Look-around for IPv4 addresses; the regex already limits each octet to 0-255.

use crate::ascii::{before, number_continues, word_at};

/// Reports whether the dotted quad at `start..end` stands alone, so that `1.2.3.4` inside
/// `1.2.3.4.5` or `9.1.2.3.4` (version strings, OIDs) is not taken for an address.
pub fn ipv4_standalone(hay: &[u8], start: usize, end: usize) -> bool {
    if let Some(b) = before(hay, start) {
        if b == b'.' || b.is_ascii_alphanumeric() {
            return false;
        }
    }
    !word_at(hay, end) && !number_continues(hay, end, b".")
}
