//! Payment card numbers: 13 to 19 digits (12 for Maestro prefixes), optionally grouped with
//! one kind of separator, passing the Luhn check.

use super::luhn::luhn_valid;

/// Reports whether `text` (digits with optional spaces or dashes) is a plausible card number.
pub fn card_valid(text: &[u8]) -> bool {
    let mut digits = [0u8; 19];
    let mut count = 0usize;
    let mut separator: Option<u8> = None;
    for &b in text {
        if b.is_ascii_digit() {
            if count == digits.len() {
                return false;
            }
            digits[count] = b;
            count += 1;
            continue;
        }

        // Mixed separators ("4111-1111 1111-1111") are more often two numbers side by side.
        match separator {
            None => separator = Some(b),
            Some(s) if s == b => {}
            Some(_) => return false,
        }
    }
    let digits = &digits[..count];

    if count < 12 || (count == 12 && !maestro_prefix(digits)) {
        return false;
    }

    // A run of one repeated digit passes Luhn for some lengths but is a placeholder.
    if digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    luhn_valid(digits)
}

/// Maestro issues 12-digit numbers under the 50 and 56-69 prefixes (and the legacy 0604 range).
fn maestro_prefix(digits: &[u8]) -> bool {
    match (digits[0], digits[1]) {
        (b'5', b'0') | (b'5', b'6'..=b'9') | (b'6', _) => true,
        (b'0', b'6') => digits[2] == b'0' && digits[3] == b'4',
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::card_valid;

    #[test]
    fn card_numbers() {
        assert!(card_valid(b"4111 1111 1111 1111"));
        assert!(card_valid(b"4111-1111-1111-1111"));
        assert!(card_valid(b"378282246310005"));
        assert!(card_valid(b"630427373398"));
        assert!(!card_valid(b"4111-1111 1111-1111"));
        assert!(!card_valid(b"4111111111111112"));
        assert!(!card_valid(b"0000000000000000"));
        assert!(!card_valid(b"123456789012"));
    }
}
