//! US social security numbers in the `AAA-GG-SSSS` form, with the Social Security
//! Administration's never-issued values excluded: area 000, 666 and 900-999, group 00 and
//! serial 0000.

/// Reports whether `text`, shaped `ddd-dd-dddd`, is an SSN that could have been issued.
pub fn ssn_valid(text: &[u8]) -> bool {
    if text.len() != 11 {
        return false;
    }
    let area = &text[0..3];
    let group = &text[4..6];
    let serial = &text[7..11];
    if area == b"000" || area == b"666" || area[0] == b'9' {
        return false;
    }
    group != b"00" && serial != b"0000"
}

#[cfg(test)]
mod tests {
    use super::ssn_valid;

    #[test]
    fn ssn_rules() {
        assert!(ssn_valid(b"123-45-6789"));
        assert!(ssn_valid(b"853-37-1694"));
        assert!(!ssn_valid(b"000-12-3456"));
        assert!(!ssn_valid(b"666-12-3456"));
        assert!(!ssn_valid(b"912-12-3456"));
        assert!(!ssn_valid(b"123-00-3456"));
        assert!(!ssn_valid(b"123-45-0000"));
    }
}
