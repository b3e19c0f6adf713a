//! IBANs (ISO 13616): a country code, two check digits and the country's BBAN, written plain
//! or in groups of four, with the mod-97 check of ISO 7064.

use crate::ascii::at;

/// IBAN length per country, from the SWIFT IBAN registry.
const LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AT", 20), (b"AZ", 28), (b"BA", 20), (b"BE", 16),
    (b"BG", 22), (b"BH", 22), (b"BR", 29), (b"BY", 28), (b"CH", 21), (b"CR", 22), (b"CY", 28),
    (b"CZ", 24), (b"DE", 22), (b"DK", 18), (b"DO", 28), (b"EE", 20), (b"EG", 29), (b"ES", 24),
    (b"FI", 18), (b"FO", 18), (b"FR", 27), (b"GB", 22), (b"GE", 22), (b"GI", 23), (b"GL", 18),
    (b"GR", 27), (b"GT", 28), (b"HR", 21), (b"HU", 28), (b"IE", 22), (b"IL", 23), (b"IQ", 23),
    (b"IS", 26), (b"IT", 27), (b"JO", 30), (b"KW", 30), (b"KZ", 20), (b"LB", 28), (b"LC", 32),
    (b"LI", 21), (b"LT", 20), (b"LU", 20), (b"LV", 21), (b"MC", 27), (b"MD", 24), (b"ME", 22),
    (b"MK", 19), (b"MR", 27), (b"MT", 31), (b"MU", 30), (b"NL", 18), (b"NO", 15), (b"PK", 24),
    (b"PL", 28), (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22), (b"SA", 24),
    (b"SC", 31), (b"SE", 24), (b"SI", 19), (b"SK", 24), (b"SM", 27), (b"ST", 25), (b"SV", 28),
    (b"TL", 23), (b"TN", 24), (b"TR", 26), (b"UA", 29), (b"VA", 22), (b"VG", 24), (b"XK", 20),
];

fn country_length(code: [u8; 2]) -> Option<usize> {
    let upper = [code[0].to_ascii_uppercase(), code[1].to_ascii_uppercase()];
    LENGTHS.iter().find(|(c, _)| **c == upper).map(|&(_, n)| n)
}

/// Reads an IBAN starting at `start` and returns its end, or `None` when the text there is not
/// a valid IBAN. Letters must be all upper case or all lower case; a space may follow every
/// fourth character. Reads at most 40 bytes.
pub fn iban_end(hay: &[u8], start: usize) -> Option<usize> {
    let code = [at(hay, start)?, at(hay, start + 1)?];
    let length = country_length(code)?;

    let mut chars = [0u8; 34];
    let mut count = 0usize;
    let mut pos = start;
    while count < length {
        let b = at(hay, pos)?;
        if b == b' ' && count % 4 == 0 && count > 0 && at(hay, pos + 1) != Some(b' ') {
            pos += 1;
            continue;
        }
        if !b.is_ascii_alphanumeric() {
            return None;
        }
        chars[count] = b;
        count += 1;
        pos += 1;
    }
    if at(hay, pos).map_or(false, |b| b.is_ascii_alphanumeric()) {
        return None;
    }

    let chars = &chars[..length];
    if !chars[2].is_ascii_digit() || !chars[3].is_ascii_digit() || !one_case(chars) {
        return None;
    }
    if mod97(chars) == 1 {
        Some(pos)
    } else {
        None
    }
}

fn one_case(chars: &[u8]) -> bool {
    let upper = chars.iter().any(|b| b.is_ascii_uppercase());
    let lower = chars.iter().any(|b| b.is_ascii_lowercase());
    !(upper && lower)
}

/// ISO 7064 MOD 97-10 over the IBAN with its first four characters moved to the end and each
/// letter replaced by its value 10-35.
fn mod97(chars: &[u8]) -> u32 {
    let rotated = chars[4..].iter().chain(chars[..4].iter());
    let mut remainder = 0u32;
    for &b in rotated {
        if b.is_ascii_digit() {
            remainder = (remainder * 10 + u32::from(b - b'0')) % 97;
        } else {
            let value = u32::from(b.to_ascii_uppercase() - b'A') + 10;
            remainder = (remainder * 100 + value) % 97;
        }
    }
    remainder
}

#[cfg(test)]
mod tests {
    use super::iban_end;

    #[test]
    fn iban_forms() {
        assert_eq!(iban_end(b"GB82WEST12345698765432", 0), Some(22));
        assert_eq!(iban_end(b"GB82 WEST 1234 5698 7654 32 x", 0), Some(27));
        assert_eq!(iban_end(b"gb42nawi04454264788619", 0), Some(22));
        assert_eq!(iban_end(b"DE89370400440532013000", 0), Some(22));
        assert_eq!(iban_end(b"GB82WEST12345698765433", 0), None);
        assert_eq!(iban_end(b"GB82West12345698765432", 0), None);
        assert_eq!(iban_end(b"GB82WEST123456987654321", 0), None);
        assert_eq!(iban_end(b"ZZ82WEST12345698765432", 0), None);
    }
}
