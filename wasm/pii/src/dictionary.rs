//! Word lists: exact words and phrases found with an Aho-Corasick automaton, optionally
//! ignoring ASCII case. A match counts only at word boundaries, so "ann" does not match inside
//! "annual".

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::ascii::{before, is_word, word_at};
use crate::limits::MAX_SPANS;
use crate::span::Span;

pub struct Dictionary {
    kind: u32,
    automaton: AhoCorasick,
}

impl Dictionary {
    /// Builds the automaton. `ignore_case` folds ASCII letters only; other letters must match
    /// exactly.
    pub fn new(kind: u32, words: &[Vec<u8>], ignore_case: bool) -> Dictionary {
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(ignore_case)
            .dfa(words.len() <= 2000)
            .build(words);
        Dictionary { kind, automaton }
    }

    /// Appends the leftmost-longest, non-overlapping matches that sit on word boundaries.
    ///
    /// NOTE: a match rejected for its boundaries still hides any overlapping match of a shorter
    /// word, because the automaton reports non-overlapping matches only.
    pub fn scan(&self, hay: &[u8], out: &mut Vec<Span>) -> Result<(), ()> {
        for m in self.automaton.find_iter(hay) {
            if !on_boundaries(hay, m.start(), m.end()) {
                continue;
            }
            if out.len() >= MAX_SPANS {
                return Err(());
            }
            out.push(Span::new(self.kind, m.start(), m.end()));
        }
        Ok(())
    }
}

/// A word edge must not touch another word byte. An edge that is itself punctuation or a
/// non-ASCII byte (as in CJK text, which has no spaces) needs no boundary.
fn on_boundaries(hay: &[u8], start: usize, end: usize) -> bool {
    let first = hay[start];
    let last = hay[end - 1];
    let left_ok = !is_word(first) || !before(hay, start).map_or(false, is_word);
    let right_ok = !is_word(last) || !word_at(hay, end);
    left_ok && right_ok
}
