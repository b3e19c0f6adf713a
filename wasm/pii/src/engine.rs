//! The engine: built-in detectors, custom patterns and dictionaries behind one `scan`.

use crate::builtin::Builtins;
use crate::config::Config;
use crate::custom::CustomPattern;
use crate::dictionary::Dictionary;
use crate::kinds::BUILTIN_COUNT;
use crate::limits::MAX_INPUT_BYTES;
use crate::merge::merge;
use crate::span::Span;

/// Scan failure.
#[derive(Debug, PartialEq, Eq)]
pub enum ScanError {
    InputTooLarge,
    TooManySpans,
}

pub struct Engine {
    builtins: Builtins,
    patterns: Vec<CustomPattern>,
    dictionaries: Vec<Dictionary>,
}

impl Engine {
    /// Compiles every detector. Custom pattern `i` gets kind id `BUILTIN_COUNT + i`, and
    /// dictionary `j` gets the id after the last custom pattern plus `j`.
    pub fn new(config: &Config) -> Result<Engine, String> {
        let mut kind = BUILTIN_COUNT;
        let mut patterns = Vec::with_capacity(config.patterns.len());
        for (index, source) in config.patterns.iter().enumerate() {
            let pattern = CustomPattern::compile(kind, source)
                .map_err(|reason| format!("custom pattern {}: {}", index, reason))?;
            patterns.push(pattern);
            kind += 1;
        }

        let mut dictionaries = Vec::with_capacity(config.dictionaries.len());
        for list in &config.dictionaries {
            dictionaries.push(Dictionary::new(kind, &list.words, list.ignore_case));
            kind += 1;
        }
        Ok(Engine { builtins: Builtins::new(config.enabled), patterns, dictionaries })
    }

    /// Writes the spans found in `hay` into `out` (cleared first), sorted by start and
    /// non-overlapping.
    pub fn scan(&self, hay: &[u8], out: &mut Vec<Span>) -> Result<(), ScanError> {
        out.clear();
        if hay.len() > MAX_INPUT_BYTES {
            return Err(ScanError::InputTooLarge);
        }
        self.builtins.scan(hay, out).map_err(|_| ScanError::TooManySpans)?;

        // Built-in spans come out sorted and disjoint; only extra sources need a merge.
        if self.patterns.is_empty() && self.dictionaries.is_empty() {
            return Ok(());
        }
        for pattern in &self.patterns {
            pattern.scan(hay, out).map_err(|_| ScanError::TooManySpans)?;
        }
        for dictionary in &self.dictionaries {
            dictionary.scan(hay, out).map_err(|_| ScanError::TooManySpans)?;
        }
        merge(out);
        Ok(())
    }
}
