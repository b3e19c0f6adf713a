//! Merging spans from several detectors into one sorted, non-overlapping list.

use crate::span::Span;

/// Sorts `spans` by start and drops every span that overlaps one kept before it. Among spans
/// with the same start the longest wins, then the lowest kind id (built-ins before custom
/// patterns before dictionaries).
pub fn merge(spans: &mut Vec<Span>) {
    spans.sort_unstable_by(|a, b| {
        a.start.cmp(&b.start).then(b.end.cmp(&a.end)).then(a.kind.cmp(&b.kind))
    });
    let mut kept = 0;
    let mut last_end = 0u32;
    for i in 0..spans.len() {
        let span = spans[i];
        if kept > 0 && span.start < last_end {
            continue;
        }
        spans[kept] = span;
        kept += 1;
        last_end = span.end;
    }
    spans.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::merge;
    use crate::span::Span;

    #[test]
    fn keeps_leftmost_then_longest() {
        let mut spans = vec![Span::new(3, 5, 9), Span::new(0, 0, 4), Span::new(20, 0, 10)];
        spans.push(Span::new(1, 10, 12));
        merge(&mut spans);
        assert_eq!(spans, vec![Span::new(20, 0, 10), Span::new(1, 10, 12)]);
    }
}
