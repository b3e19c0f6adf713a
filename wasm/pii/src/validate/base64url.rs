//! Base64url decoding (RFC 4648 section 5) without padding, for JWT headers.

fn value(b: u8) -> Option<u32> {
    match b {
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// Reports whether `b` belongs to the base64url alphabet.
pub fn is_base64url(b: u8) -> bool {
    value(b).is_some()
}

/// Decodes `text` into `out` and returns the number of bytes written, or `None` if `text` contains
/// a byte outside the alphabet, has an impossible length, or does not fit `out`.
pub fn decode(text: &[u8], out: &mut [u8]) -> Option<usize> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut written = 0;
    let mut buffer = 0u32;
    let mut bits = 0;
    for &b in text {
        buffer = (buffer << 6) | value(b)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(written)? = (buffer >> bits) as u8;
            written += 1;
            buffer &= (1 << bits) - 1;
        }
    }
    Some(written)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_jwt_header() {
        let mut out = [0u8; 64];
        let n = decode(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", &mut out).unwrap();
        assert_eq!(&out[..n], br#"{"alg":"HS256","typ":"JWT"}"#);
    }
}
