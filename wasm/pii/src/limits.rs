//! Caps on per-call work and on the configuration, so that untrusted input or a large config
//! cannot make one call run or allocate without bound.

/// Largest input `scan` accepts, in bytes.
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// Maximum number of spans one `scan` returns. A call that finds more fails instead of
/// truncating.
pub const MAX_SPANS: usize = 1 << 21;

/// Maximum number of custom patterns, and maximum pattern source length in bytes.
pub const MAX_CUSTOM_PATTERNS: usize = 64;
pub const MAX_PATTERN_SOURCE_BYTES: usize = 4096;

/// Compiled-program and lazy-DFA cache limits per custom pattern (see `regex::RegexBuilder`).
pub const CUSTOM_PATTERN_SIZE_LIMIT: usize = 1 << 20;
pub const CUSTOM_PATTERN_DFA_LIMIT: usize = 2 << 20;

/// Custom patterns are searched in windows of this many bytes. Matches shorter than
/// `CUSTOM_MATCH_MAX_BYTES` are found exactly, and longer ones may be cut short. One search costs
/// at most one window, so a smaller window lowers the worst case (see `custom.rs`).
pub const CUSTOM_WINDOW_BYTES: usize = 512;
pub const CUSTOM_MATCH_MAX_BYTES: usize = 256;

/// Dictionary caps: lists, words over all lists, bytes per word, bytes over all words.
pub const MAX_DICTIONARIES: usize = 32;
pub const MAX_DICTIONARY_WORDS: usize = 100_000;
pub const MAX_WORD_BYTES: usize = 256;
pub const MAX_DICTIONARY_BYTES: usize = 4 << 20;
