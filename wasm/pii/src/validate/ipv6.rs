//! IPv6 addresses in the text forms of RFC 4291 section 2.2: eight groups of one to four hex
//! digits, one `::` standing for a run of zero groups, and an optional dotted IPv4 tail.

use crate::ascii::{at, before, is_word};

/// Longest text form: eight four-digit groups and seven colons, or six groups and an IPv4 tail.
const MAX_LEN: usize = 45;

/// Reads an IPv6 address starting at `start` and returns its end, or `None`. A compressed
/// form must contain a decimal digit, so that words such as "dead::beef" or `abc::def` paths
/// are not taken for addresses.
pub fn ipv6_end(hay: &[u8], start: usize) -> Option<usize> {
    if let Some(b) = before(hay, start) {
        if is_word(b) || b == b':' || b == b'.' {
            return None;
        }
    }
    let limit = (start + MAX_LEN + 1).min(hay.len());
    let text = &hay[start..limit];

    let (groups, compressed, len) = parse(text)?;
    let complete = if compressed { groups <= 7 } else { groups == 8 };
    if !complete || groups == 0 && !compressed {
        return None;
    }
    if compressed && !text[..len].iter().any(u8::is_ascii_digit) {
        return None;
    }

    let end = start + len;
    match at(hay, end) {
        Some(b) if is_word(b) || b == b':' => None,
        _ => Some(end),
    }
}

/// Returns the number of groups (an IPv4 tail counts as two), whether `::` occurred, and the
/// length of the address text.
fn parse(text: &[u8]) -> Option<(usize, bool, usize)> {
    let mut pos = 0;
    let mut groups = 0;
    let mut compressed = false;
    if text.starts_with(b"::") {
        compressed = true;
        pos = 2;
    }
    loop {
        let digits = text[pos..].iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits == 0 {
            break;
        }
        if at(text, pos + digits) == Some(b'.') {
            let tail = ipv4_tail(&text[pos..])?;
            return Some((groups + 2, compressed, pos + tail));
        }
        if digits > 4 {
            return None;
        }
        groups += 1;
        pos += digits;

        if text[pos..].starts_with(b"::") {
            if compressed {
                return None;
            }
            compressed = true;
            pos += 2;
        } else if at(text, pos) == Some(b':') && at(text, pos + 1).map_or(false, |b| b.is_ascii_hexdigit()) {
            pos += 1;
        } else {
            break;
        }
    }
    Some((groups, compressed, pos))
}

/// Length of a dotted-quad IPv4 tail at the start of `text`, or `None`.
fn ipv4_tail(text: &[u8]) -> Option<usize> {
    let mut pos = 0;
    for octet in 0..4 {
        let digits = text[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let value: u32 = text[pos..pos + digits].iter().fold(0, |v, b| v * 10 + u32::from(b - b'0'));
        if value > 255 {
            return None;
        }
        pos += digits;
        if octet < 3 {
            if at(text, pos) != Some(b'.') {
                return None;
            }
            pos += 1;
        }
    }
    Some(pos)
}

#[cfg(test)]
mod tests {
    use super::ipv6_end;

    fn whole(text: &str) -> bool {
        ipv6_end(text.as_bytes(), 0) == Some(text.len())
    }

    #[test]
    fn ipv6_forms() {
        assert!(whole("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
        assert!(whole("2001:db8::8a2e:370:7334"));
        assert!(whole("::1"));
        assert!(whole("fe80::1"));
        assert!(whole("::ffff:192.0.2.128"));
        assert!(whole("6e40:4041:c617:e898:c11:40d2:c669:2eb4"));
    }

    #[test]
    fn ipv6_rejects() {
        assert!(!whole("12:30:45"));
        assert!(!whole("00:1a:2b:3c:4d:5e"));
        assert!(!whole("dead::beef"));
        assert!(!whole("1::2::3"));
        assert!(!whole("12345::1"));
        assert!(!whole("1:2:3:4:5:6:7:8:9"));
    }
}
