//! JSON Web Tokens in compact serialisation (RFC 7519, RFC 7515 section 7.1): base64url
//! segments joined by dots, whose first segment decodes to a JSON object with an "alg" member.
//! Five-segment JWE tokens (RFC 7516) are accepted too.

use super::base64url::{decode, is_base64url};
use crate::ascii::{at, is_word};

/// Maximum header segment length read. Headers that carry certificate chains are longer and
/// are missed.
const MAX_HEADER: usize = 1024;
/// Maximum payload or signature segment length read.
const MAX_SEGMENT: usize = 64 * 1024;

/// Outcome of reading a candidate token.
pub enum Jwt {
    /// A token ending at this offset.
    Found(usize),
    /// Not a token; scanning resumes at this offset, past the header segment, so a second
    /// `eyJ` inside a rejected header is not tried again.
    Rejected(usize),
}

/// Reads a JWT starting at `start`, where the text begins with `eyJ`.
pub fn read_jwt(hay: &[u8], start: usize) -> Jwt {
    let header_end = segment_end(hay, start, MAX_HEADER);
    let resume = header_end.max(start + 1);
    if header_end == start || at(hay, header_end) != Some(b'.') {
        return Jwt::Rejected(resume);
    }
    if !header_has_alg(&hay[start..header_end]) {
        return Jwt::Rejected(resume);
    }

    let mut end = header_end;
    let mut segments = 1;
    while segments < 5 && at(hay, end) == Some(b'.') {
        let next = segment_end(hay, end + 1, MAX_SEGMENT);
        if segments == 1 && next == end + 1 {
            return Jwt::Rejected(resume);
        }
        end = next;
        segments += 1;
    }
    if segments != 3 && segments != 5 {
        return Jwt::Rejected(resume);
    }
    if at(hay, end).map_or(false, is_word) {
        return Jwt::Rejected(resume);
    }
    Jwt::Found(end)
}

fn segment_end(hay: &[u8], start: usize, max: usize) -> usize {
    let limit = (start + max).min(hay.len());
    let len = hay[start..limit].iter().take_while(|&&b| is_base64url(b)).count();
    start + len
}

/// Reports whether the header segment decodes to a JSON object that names "alg".
fn header_has_alg(segment: &[u8]) -> bool {
    let mut json = [0u8; MAX_HEADER];
    let len = match decode(segment, &mut json) {
        Some(len) => len,
        None => return false,
    };
    let text = trim(&json[..len]);
    if text.first() != Some(&b'{') || text.last() != Some(&b'}') {
        return false;
    }
    text.windows(5).enumerate().any(|(i, w)| w == b"\"alg\"" && colon_follows(&text[i + 5..]))
}

fn colon_follows(rest: &[u8]) -> bool {
    trim(rest).first() == Some(&b':')
}

fn trim(text: &[u8]) -> &[u8] {
    let start = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let end = text.len() - text[start..].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    &text[start..end]
}
