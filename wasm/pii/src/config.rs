//! The configuration blob `init` receives, as the TypeScript binding encodes it
//! (`runtime/pii/config-blob.ts`). All integers are little-endian u32:
//!
//! ```text
//! version (1) | enabled built-in kinds bit mask
//! pattern count | per pattern: byte length, UTF-8 source
//! dictionary count | per dictionary: flags (bit 0: ignore ASCII case), word count,
//!                                    per word: byte length, UTF-8 bytes
//! ```

use crate::limits::{
    MAX_CUSTOM_PATTERNS, MAX_DICTIONARIES, MAX_DICTIONARY_BYTES, MAX_DICTIONARY_WORDS,
    MAX_WORD_BYTES,
};

pub const VERSION: u32 = 1;

pub struct WordList {
    pub ignore_case: bool,
    pub words: Vec<Vec<u8>>,
}

pub struct Config {
    pub enabled: u32,
    pub patterns: Vec<String>,
    pub dictionaries: Vec<WordList>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn u32(&mut self) -> Result<u32, String> {
        let end = self.pos + 4;
        let chunk = self.bytes.get(self.pos..end).ok_or("config blob ends early")?;
        self.pos = end;
        Ok(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = self.u32()? as usize;
        let end = self.pos.checked_add(len).ok_or("config blob length overflows")?;
        let chunk = self.bytes.get(self.pos..end).ok_or("config blob ends early")?;
        self.pos = end;
        Ok(chunk)
    }
}

/// Parses and bounds-checks a configuration blob.
pub fn parse(bytes: &[u8]) -> Result<Config, String> {
    let mut reader = Reader { bytes, pos: 0 };
    let version = reader.u32()?;
    if version != VERSION {
        return Err(format!("config blob version {} is not {}", version, VERSION));
    }
    let enabled = reader.u32()?;

    let pattern_count = reader.u32()? as usize;
    if pattern_count > MAX_CUSTOM_PATTERNS {
        return Err(format!("more than {} custom patterns", MAX_CUSTOM_PATTERNS));
    }
    let mut patterns = Vec::with_capacity(pattern_count);
    for index in 0..pattern_count {
        let source = std::str::from_utf8(reader.bytes()?)
            .map_err(|_| format!("custom pattern {} is not valid UTF-8", index))?;
        patterns.push(source.to_string());
    }

    let dictionaries = parse_dictionaries(&mut reader)?;
    if reader.pos != bytes.len() {
        return Err("config blob has trailing bytes".to_string());
    }
    Ok(Config { enabled, patterns, dictionaries })
}

fn parse_dictionaries(reader: &mut Reader) -> Result<Vec<WordList>, String> {
    let count = reader.u32()? as usize;
    if count > MAX_DICTIONARIES {
        return Err(format!("more than {} dictionaries", MAX_DICTIONARIES));
    }
    let mut total_words = 0usize;
    let mut total_bytes = 0usize;
    let mut lists = Vec::with_capacity(count);
    for index in 0..count {
        let flags = reader.u32()?;
        let word_count = reader.u32()? as usize;
        total_words += word_count;
        if total_words > MAX_DICTIONARY_WORDS {
            return Err(format!("more than {} dictionary words", MAX_DICTIONARY_WORDS));
        }
        let mut words = Vec::with_capacity(word_count);
        for _ in 0..word_count {
            let word = reader.bytes()?;
            if word.is_empty() || word.len() > MAX_WORD_BYTES {
                return Err(format!(
                    "dictionary {} has a word that is empty or longer than {} bytes",
                    index, MAX_WORD_BYTES
                ));
            }
            total_bytes += word.len();
            if total_bytes > MAX_DICTIONARY_BYTES {
                return Err(format!("dictionaries exceed {} bytes", MAX_DICTIONARY_BYTES));
            }
            words.push(word.to_vec());
        }
        lists.push(WordList { ignore_case: flags & 1 != 0, words });
    }
    Ok(lists)
}
