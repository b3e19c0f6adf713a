//! Phone numbers. The regex finds digit groups; this module decides which of them are phone
//! numbers. Strong shapes (a leading `+`, a bracketed area code, an extension, three or more
//! groups joined by `-` or `.`) count on their own. Weak shapes (space-separated groups, a bare
//! run of ten digits) count only near a word such as "phone", "call" or "fax", because the same
//! shapes are street numbers, amounts and ids.

use crate::ascii::{before, is_word, number_continues, word_at};

/// Words that mark a nearby weak-shaped number as a phone number (matched case-insensitively).
const CONTEXT_WORDS: &[&[u8]] = &[
    b"phone", b"tel", b"mobile", b"cell", b"fax", b"call", b"desk", b"office", b"contact",
    b"number", b"reach", b"text", b"sms", b"whatsapp", b"message", b"answering", b"dial",
];

/// Bytes searched for a context word before and after the number.
const CONTEXT_BEFORE: usize = 48;
const CONTEXT_AFTER: usize = 16;

/// Digit groups of the number, after parsing.
struct Shape {
    digits: usize,
    groups: [u8; 8],
    group_count: usize,
    separators: u8,
    separator: u8,
    plus: bool,
    bracketed: bool,
    extension: bool,
}

/// Reports whether `hay[start..end]`, a match of one of the phone regexes, is a phone number.
pub fn phone_valid(hay: &[u8], start: usize, end: usize) -> bool {
    if !standalone(hay, start, end) {
        return false;
    }
    let shape = match parse(&hay[start..end]) {
        Some(shape) => shape,
        None => return false,
    };
    if !digit_count_ok(&shape, &hay[start..end]) || looks_like_other(&shape) {
        return false;
    }
    strong(&shape) || has_context(hay, start, end)
}

fn standalone(hay: &[u8], start: usize, end: usize) -> bool {
    if let Some(b) = before(hay, start) {
        if is_word(b) || b == b'+' || b == b'.' || b == b'-' || b == b'/' {
            return false;
        }
    }

    // "1 234 567": a digit group to the left means the match is the tail of a longer number.
    if start >= 2 && hay[start - 1] == b' ' && hay[start - 2].is_ascii_digit() {
        return false;
    }
    !word_at(hay, end) && !number_continues(hay, end, b".-/")
}

fn parse(text: &[u8]) -> Option<Shape> {
    let mut shape = Shape {
        digits: 0,
        groups: [0; 8],
        group_count: 0,
        separators: 0,
        separator: 0,
        plus: text.first() == Some(&b'+'),
        bracketed: text.first() == Some(&b'('),
        extension: false,
    };
    let mut run = 0u8;
    let mut in_bracket = false;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'0'..=b'9' => run += 1,
            b'x' => {
                shape.extension = true;
                break;
            }
            b' ' if text.get(i + 1) == Some(&b'x') => {}
            _ => {
                close_group(&mut shape, &mut run)?;
                if text[i..].starts_with(b"(0)") {
                    // The trunk prefix in "+46 (0)8 ..." is dialled only from inside the country.
                                        i += 3;
                    continue;
                }
                if b == b'(' {
                    in_bracket = true;
                } else if b == b')' {
                    in_bracket = false;
                } else if (b == b' ' || b == b'-' || b == b'.') && !in_bracket && i > 0 {
                    note_separator(&mut shape, b, text[i - 1]);
                }
            }
        }
        i += 1;
    }
    close_group(&mut shape, &mut run)?;
    Some(shape)
}

fn close_group(shape: &mut Shape, run: &mut u8) -> Option<()> {
    if *run == 0 {
        return Some(());
    }
    if shape.group_count == shape.groups.len() {
        return None;
    }
    shape.groups[shape.group_count] = *run;
    shape.group_count += 1;
    shape.digits += usize::from(*run);
    *run = 0;
    Some(())
}

/// Records a separator between digit groups. The space after a closing bracket or after the
/// country code is not counted, so "(08) 8747-6301" has one separator kind.
fn note_separator(shape: &mut Shape, b: u8, previous: u8) {
    let after_prefix = previous == b')' || (shape.plus && shape.group_count == 1);
    if after_prefix && b == b' ' {
        return;
    }
    if shape.separators == 0 || shape.separator != b {
        shape.separators += 1;
        shape.separator = b;
    }
}

fn digit_count_ok(shape: &Shape, text: &[u8]) -> bool {
    if shape.plus {
        // E.164 allows at most 15 digits including the country code.
        return (8..=15).contains(&shape.digits);
    }
    if text.starts_with(b"00") {
        // "00" or "001" is an international call prefix in front of a full number.
        return (9..=15).contains(&shape.digits);
    }
    (7..=12).contains(&shape.digits)
}

/// Rejects shapes that belong to dates, SSNs and IPv4 addresses.
fn looks_like_other(shape: &Shape) -> bool {
    if shape.plus {
        return false;
    }

    // Mixed separators ("12-34.56 78") join numbers that belong apart.
    if shape.separators > 1 {
        return true;
    }
    if shape.bracketed {
        return false;
    }

    let g = &shape.groups[..shape.group_count];
    let dotted_or_dashed = shape.separator == b'.' || shape.separator == b'-';
    if g.len() == 3 && dotted_or_dashed {
        let year_first = g[0] == 4 && g[1] <= 2 && g[2] <= 2;
        let year_last = g[0] <= 2 && g[1] <= 2 && g[2] == 4;
        let ssn = g == [3, 2, 4] && shape.separator == b'-';
        if year_first || year_last || ssn {
            return true;
        }
    }
    g.len() == 4 && shape.separator == b'.' && g.iter().all(|&n| n <= 3)
}

fn strong(shape: &Shape) -> bool {
    let joined = shape.separator == b'-' || shape.separator == b'.';
    shape.plus || shape.bracketed || shape.extension || (shape.group_count >= 3 && joined)
}

fn has_context(hay: &[u8], start: usize, end: usize) -> bool {
    let before = &hay[start.saturating_sub(CONTEXT_BEFORE)..start];
    let after = &hay[end..(end + CONTEXT_AFTER).min(hay.len())];
    CONTEXT_WORDS
        .iter()
        .any(|word| contains_ignore_case(before, word) || contains_ignore_case(after, word))
}

fn contains_ignore_case(window: &[u8], word: &[u8]) -> bool {
    window.windows(word.len()).any(|w| w.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::phone_valid;

    fn check(text: &str) -> bool {
        phone_valid(text.as_bytes(), 0, text.len())
    }

    #[test]
    fn strong_shapes() {
        assert!(check("+1-984-182-0190"));
        assert!(check("+46 (0)8 928 571 38"));
        assert!(check("(579)888-3058"));
        assert!(check("345-899-3560x4587"));
        assert!(check("03.93.92.16.85"));
        assert!(check("001-518-640-0854"));
    }

    #[test]
    fn dates_ssns_and_short_numbers() {
        assert!(!check("2023-10-12"));
        assert!(!check("12.05.2023"));
        assert!(!check("123-45-6789"));
        assert!(!check("192.168.100.200"));
        assert!(!check("555-1234"));
        assert!(!check("415 555 2671"));
    }

    #[test]
    fn weak_shapes_need_context() {
        let text = b"Phone: 415 555 2671";
        assert!(phone_valid(text, 7, text.len()));
        let text = b"Suite 4150 5552 Main";
        assert!(!phone_valid(text, 6, 15));
    }
}
