//! Caller-supplied regular expressions, each compiled on its own. Iterating a regex 1.7
//! search over the whole input can take quadratic time: for a pattern like `a+b|a` on a long
//! run of `a`, every search scans to the end of the run before settling on a one-byte match.
//! So each search runs in a window of `CUSTOM_WINDOW_BYTES`.

use regex::bytes::{Regex, RegexBuilder};

use crate::limits::{
    CUSTOM_MATCH_MAX_BYTES, CUSTOM_PATTERN_DFA_LIMIT, CUSTOM_PATTERN_SIZE_LIMIT, CUSTOM_WINDOW_BYTES,
    MAX_PATTERN_SOURCE_BYTES, MAX_SPANS,
};
use crate::span::Span;

pub struct CustomPattern {
    kind: u32,
    regex: Regex,
}

impl CustomPattern {
    /// Compiles `source` with the regex crate's syntax, Unicode-aware unless it turns that off with `(?-u)`.
    pub fn compile(kind: u32, source: &str) -> Result<CustomPattern, String> {
        if source.len() > MAX_PATTERN_SOURCE_BYTES {
            return Err(format!("is longer than {} bytes", MAX_PATTERN_SOURCE_BYTES));
        }
        let regex = RegexBuilder::new(source)
            .size_limit(CUSTOM_PATTERN_SIZE_LIMIT)
            .dfa_size_limit(CUSTOM_PATTERN_DFA_LIMIT)
            .build()
            .map_err(|error| error.to_string())?;
        Ok(CustomPattern { kind, regex })
    }

    /// Appends this pattern's non-empty matches in `hay` to `out`.
    ///
    /// Each search reads at most `CUSTOM_WINDOW_BYTES` from its start. A match that starts in
    /// the last `CUSTOM_MATCH_MAX_BYTES` of a window could have been cut by the window's end,
    /// so the search repeats from that match's start with a fresh window. Matches shorter than
    /// `CUSTOM_MATCH_MAX_BYTES` are therefore the same as a whole-input search would give.
    pub fn scan(&self, hay: &[u8], out: &mut Vec<Span>) -> Result<(), ()> {
        let mut pos = 0;
        while pos < hay.len() {
            let window_end = (pos + CUSTOM_WINDOW_BYTES).min(hay.len());
            let trusted_end = if window_end == hay.len() {
                hay.len()
            } else {
                window_end - CUSTOM_MATCH_MAX_BYTES
            };

            let m = match self.regex.find_at(&hay[..window_end], pos) {
                Some(m) => m,
                None if window_end == hay.len() => break,
                None => {
                    pos = trusted_end;
                    continue;
                }
            };
            if m.start() >= trusted_end && m.start() > pos {
                pos = m.start();
                continue;
            }

            if m.end() == m.start() {
                pos = next_char(hay, m.end());
                continue;
            }
            if out.len() >= MAX_SPANS {
                return Err(());
            }
            out.push(Span::new(self.kind, m.start(), m.end()));
            pos = m.end();
        }
        Ok(())
    }
}

/// Offset of the next UTF-8 character boundary after `pos`.
fn next_char(hay: &[u8], pos: usize) -> usize {
    let mut next = pos + 1;
    while next < hay.len() && hay[next] & 0xC0 == 0x80 {
        next += 1;
    }
    next
}
