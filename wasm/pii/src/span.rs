//! A detected item: kind id and half-open UTF-8 byte range.

/// Laid out as three u32 values so the binding reads the result array straight from memory.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub kind: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(kind: u32, start: usize, end: usize) -> Span {
        Span { kind, start: start as u32, end: end as u32 }
    }
}
