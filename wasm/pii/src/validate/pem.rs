//! PEM private-key blocks (RFC 7468): a `-----BEGIN ... PRIVATE KEY-----` line, base64 body
//! lines and an `-----END ...-----` line. Keys pasted into JSON strings carry literal `\n`
//! escapes, so backslashes count as body bytes.

use memchr::memchr;

/// Maximum body length read after the BEGIN line; the span of a larger block ends early.
const MAX_BODY: usize = 64 * 1024;
/// Maximum END line label length read, e.g. " ENCRYPTED PRIVATE KEY".
const MAX_END_LABEL: usize = 64;

/// Returns the end of the key block whose BEGIN line ends at `header_end`. Without an END line
/// (a truncated paste) the block ends with its last body byte, so the key material is still
/// covered.
pub fn pem_end(hay: &[u8], header_end: usize) -> usize {
    let limit = (header_end + MAX_BODY).min(hay.len());
    let mut pos = header_end;
    while pos < limit && body_byte(hay, pos) {
        pos += 1;
    }

    let rest = &hay[pos..];
    if rest.starts_with(b"-----END ") {
        let label_start = pos + 9;
        let window = &hay[label_start..(label_start + MAX_END_LABEL).min(hay.len())];
        if let Some(dash) = memchr(b'-', window) {
            if window[dash..].starts_with(b"-----") {
                return label_start + dash + 5;
            }
        }
    }
    while pos > header_end && hay[pos - 1].is_ascii_whitespace() {
        pos -= 1;
    }
    pos
}

fn body_byte(hay: &[u8], pos: usize) -> bool {
    match hay[pos] {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => true,
        b' ' | b'\t' | b'\r' | b'\n' | b'\\' | b':' | b',' => true,
        // Header lines such as "Proc-Type: 4,ENCRYPTED" hold single dashes; "-----" ends the body.
        b'-' => hay.get(pos + 1) != Some(&b'-'),
        _ => false,
    }
}
