//! Runs the shared detection table in `tests/cases.tsv` against the engine.

use nexus_pii::config::Config;
use nexus_pii::engine::Engine;
use nexus_pii::kinds::{Kind, ALL_BUILTINS, BUILTIN_COUNT};
use nexus_pii::span::Span;

/// Expands `\n`, `\t` and `\\` in a table cell.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn kind_name(span: &Span) -> &'static str {
    Kind::from_id(span.kind).map_or("custom", Kind::name)
}

#[test]
fn shared_cases() {
    let config = Config { enabled: ALL_BUILTINS, patterns: Vec::new(), dictionaries: Vec::new() };
    let engine = Engine::new(&config).expect("engine builds");
    let mut spans = Vec::new();
    let mut failures = Vec::new();

    for line in include_str!("cases.tsv").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(columns.len(), 3, "row needs three columns: {}", line);
        let (kind, input, expected) = (columns[0], unescape(columns[1]), unescape(columns[2]));

        engine.scan(input.as_bytes(), &mut spans).expect("scan succeeds");
        let got: Vec<(&str, &str)> = spans
            .iter()
            .map(|s| (kind_name(s), &input[s.start as usize..s.end as usize]))
            .collect();
        let ok = if kind == "none" {
            got.is_empty()
        } else {
            got == vec![(kind, expected.as_str())]
        };
        if !ok {
            failures.push(format!("{} {:?}: got {:?}", kind, input, got));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(BUILTIN_COUNT, 12);
}
