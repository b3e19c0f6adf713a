//! Finds the positions where a built-in span can start, without running a regex over the
//! whole input. A lazy DFA over the alternation of every pattern visits every byte. This scan
//! jumps between the few bytes that can trigger a span (see `skip`), so the detectors run
//! anchored at each candidate only.
//!
//! A span can start only at:
//! - a word start (an ASCII word byte after a non-word byte): digits for numbers and IPv4,
//!   letters for keys and tokens, filtered by their first bytes; letters for IBANs, found from
//!   their check digits, and IPv6 hex groups, found from the `:` after them;
//! - `+` or `(` before a digit (phone numbers), `::` (IPv6), `-----BEGIN ` (PEM);
//! - the start of an e-mail local part, found from the `@` after it.
//!
//! The candidates are a superset of the span starts; `tests/candidates.rs` checks this against
//! the alternation regex on generated text.

use memchr::memchr;

use crate::ascii::{at, before, word_before};

/// Maximum length of an e-mail local part (RFC 5321 section 4.5.3.1.1).
const MAX_LOCAL_PART: usize = 64;

/// Scan state: the next `@`, so that each byte is searched for `@` once.
pub struct Candidates<'h> {
    hay: &'h [u8],
    /// Offset of the first `@` at or after the last search start, or `hay.len()`.
    next_at: usize,
}

impl<'h> Candidates<'h> {
    pub fn new(hay: &'h [u8]) -> Candidates<'h> {
        Candidates { hay, next_at: find_at_sign(hay, 0) }
    }

    /// Returns the first candidate at or after `pos`, and whether it is the start of the local
    /// part before the `@` at `email_at()`.
    pub fn next(&mut self, pos: usize) -> Option<(usize, bool)> {
        let email = self.email_candidate(pos);
        let limit = email.unwrap_or(self.hay.len());
        match next_trigger(self.hay, pos, limit) {
            Some(start) => Some((start, email == Some(start))),
            None => email.map(|start| (start, true)),
        }
    }

    /// Offset of the `@` that the current e-mail candidate belongs to.
    pub fn email_at(&self) -> usize {
        self.next_at
    }

    /// Moves past the current `@` once the address starting at its candidate was rejected: a
    /// later start in the same local part meets the same domain and fails the same way.
    pub fn skip_email(&mut self) {
        self.next_at = find_at_sign(self.hay, self.next_at + 1);
    }

    /// Start of the local part before the first `@` at or after `pos`, clamped to `pos`.
    fn email_candidate(&mut self, pos: usize) -> Option<usize> {
        if self.next_at < pos {
            self.next_at = find_at_sign(self.hay, pos);
        }
        loop {
            let at_sign = self.next_at;
            if at_sign >= self.hay.len() {
                return None;
            }
            let floor = pos.max(at_sign.saturating_sub(MAX_LOCAL_PART));
            let mut start = at_sign;
            while start > floor && local_part_byte(self.hay[start - 1]) {
                start -= 1;
            }
            if start < at_sign {
                return Some(start);
            }
            // An `@` with no local part before it cannot start an address.
            self.skip_email();
        }
    }
}

fn find_at_sign(hay: &[u8], from: usize) -> usize {
    if from >= hay.len() {
        return hay.len();
    }
    memchr(b'@', &hay[from..]).map_or(hay.len(), |i| from + i)
}

fn local_part_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Maximum distance from a trigger byte back to the span start it implies (`github_`).
const MAX_LOOKBACK: usize = 6;

/// First position in `pos..=limit` where a non-e-mail span may start. Trigger bytes up to
/// `MAX_LOOKBACK` past `limit` are read too, because their span may start before `limit`.
fn next_trigger(hay: &[u8], pos: usize, limit: usize) -> Option<usize> {
    let scan_end = limit.saturating_add(MAX_LOOKBACK + 1).min(hay.len());
    let mut i = pos;
    loop {
        i = skip::next_trigger_byte(hay, i, scan_end);
        if i >= scan_end {
            return None;
        }
        if let Some(start) = candidate_at(hay, pos, i) {
            return (start <= limit).then(|| start);
        }
        i += 1;
    }
}

/// The span start that the trigger byte at `i` implies, if any. Some triggers sit inside the
/// span's first word: the `-` of `sk-`, the `J` of `eyJ`, an IBAN's check digits, the `:`
/// after an IPv6 hex group. Their start is that word's start, which must not be before `pos`.
fn candidate_at(hay: &[u8], pos: usize, i: usize) -> Option<usize> {
    let word_start = |start: usize| (start >= pos && !word_before(hay, start)).then(|| start);
    let after = |text: &[u8]| hay[i + 1..].starts_with(text);
    let before_is = |text: &[u8]| i >= text.len() && &hay[i - text.len()..i] == text;
    let next = at(hay, i + 1).unwrap_or(0);
    let previous_word = word_before(hay, i);

    match hay[i] {
        b'0'..=b'9' if !previous_word => Some(i),
        b'0'..=b'9' if i >= 2 && iban_check_digits(hay, i) => word_start(i - 2),
        b'A' if !previous_word && matches!(next, b'K' | b'S' | b'B' | b'C' | b'I') => Some(i),
        b'B' | b'b' if !previous_word && after(b"earer") => Some(i),
        b'J' if before_is(b"ey") => word_start(i - 2),
        b'-' if after(b"----BEGIN ") => Some(i),
        b'-' if before_is(b"sk") => word_start(i - 2),
        b'-' if i >= 4 && &hay[i - 4..i - 1] == b"xox" => word_start(i - 4),
        b'-' if before_is(b"glpat") => word_start(i - 5),
        b'_' if before_is(b"sk") || before_is(b"rk") => word_start(i - 2),
        b'_' if i >= 3 && &hay[i - 3..i - 1] == b"gh" => word_start(i - 3),
        b'_' if before_is(b"github") => word_start(i - 6),
        b'+' | b'(' if next.is_ascii_digit() => Some(i),
        b':' if next == b':' && !previous_word && before(hay, i) != Some(b':') => Some(i),
        b':' if previous_word => {
            let run = hay[..i].iter().rev().take(5).take_while(|b| b.is_ascii_hexdigit()).count();
            if (1..=4).contains(&run) {
                word_start(i - run)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Reports whether the digit at `i` is the first check digit of an IBAN, after a two-letter
/// country code.
fn iban_check_digits(hay: &[u8], i: usize) -> bool {
    hay[i - 1].is_ascii_alphabetic()
        && hay[i - 2].is_ascii_alphabetic()
        && at(hay, i + 1).map_or(false, |b| b.is_ascii_digit())
}

/// Finding the next byte that can trigger a candidate: digits, `+ ( - : _`, and `A B J b`.
/// In prose these are a few percent of the bytes, so most of the input is skipped 16 bytes at
/// a time with WebAssembly SIMD.
mod skip {
    /// Set membership by nibbles: byte `b` is a trigger when
    /// `LOW[b & 15] & HIGH[b >> 4] != 0`. Each bit stands for one high nibble in use:
    /// 0 for 0x2_ (`( + -`), 1 for 0x3_ (digits, `:`), 2 for 0x4_ (`A B J`), 3 for 0x5_ (`_`),
    /// 4 for 0x6_ (`b`).
    const LOW: [u8; 16] = [
        0b00010, 0b00110, 0b10110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, //
        0b00011, 0b00010, 0b00110, 0b00001, 0b00000, 0b00001, 0b00000, 0b01000,
    ];
    const HIGH: [u8; 16] = [0, 0, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    pub fn is_trigger(b: u8) -> bool {
        LOW[usize::from(b & 15)] & HIGH[usize::from(b >> 4)] != 0
    }

    /// First trigger byte in `from..limit`, or `limit`.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub fn next_trigger_byte(hay: &[u8], from: usize, limit: usize) -> usize {
        use core::arch::wasm32::*;

        let low = u8x16(
            LOW[0], LOW[1], LOW[2], LOW[3], LOW[4], LOW[5], LOW[6], LOW[7], LOW[8], LOW[9],
            LOW[10], LOW[11], LOW[12], LOW[13], LOW[14], LOW[15],
        );
        let high = u8x16(
            HIGH[0], HIGH[1], HIGH[2], HIGH[3], HIGH[4], HIGH[5], HIGH[6], HIGH[7], HIGH[8],
            HIGH[9], HIGH[10], HIGH[11], HIGH[12], HIGH[13], HIGH[14], HIGH[15],
        );
        let mut i = from;
        while i + 16 <= limit {
            // SAFETY: `i + 16 <= limit <= hay.len()`, and v128_load allows unaligned reads.
            let chunk = unsafe { v128_load(hay.as_ptr().add(i) as *const v128) };
            let low_hits = i8x16_swizzle(low, v128_and(chunk, u8x16_splat(15)));
            let high_hits = i8x16_swizzle(high, u8x16_shr(chunk, 4));
            let mask = i8x16_bitmask(i8x16_ne(v128_and(low_hits, high_hits), u8x16_splat(0)));
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
        while i < limit && !is_trigger(hay[i]) {
            i += 1;
        }
        i
    }

    /// First trigger byte in `from..limit`, or `limit`.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    pub fn next_trigger_byte(hay: &[u8], from: usize, limit: usize) -> usize {
        let mut i = from;
        while i < limit && !is_trigger(hay[i]) {
            i += 1;
        }
        i
    }

    #[cfg(test)]
    mod tests {
        use super::is_trigger;

        #[test]
        fn trigger_set() {
            let expected: Vec<u8> = b"0123456789+(-:_ABJb".to_vec();
            let found: Vec<u8> = (0..=255u8).filter(|&b| is_trigger(b)).collect();
            let mut sorted = expected.clone();
            sorted.sort_unstable();
            assert_eq!(found, sorted);
        }
    }
}
