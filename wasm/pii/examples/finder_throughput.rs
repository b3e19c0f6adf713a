//! Compares the candidate finder with the reference alternation regex, natively:
//! `/usr/bin/cargo run --release --offline --example finder_throughput` from wasm/pii.

use std::time::Instant;

use nexus_pii::builtin::Builtins;
use nexus_pii::kinds::ALL_BUILTINS;

fn main() {
    let filler = "the quick brown fox jumps over the lazy dog and then some more words follow here ";
    let unit = format!(
        "{}jane.doe@example.com {}+1 (415) 555-2671 {}4111 1111 1111 1111 {}10.0.0.17 ",
        filler.repeat(2),
        filler.repeat(2),
        filler.repeat(2),
        filler.repeat(2)
    );
    let text = unit.repeat(16 * 1024 * 1024 / unit.len());
    let builtins = Builtins::new(ALL_BUILTINS);
    let finder = builtins.reference_finder().unwrap();
    let mut out = Vec::new();

    for round in 0..3 {
        let start = Instant::now();
        builtins.scan(text.as_bytes(), &mut out).unwrap();
        let fast = start.elapsed().as_secs_f64();
        let count = out.len();
        out.clear();

        let start = Instant::now();
        builtins.scan_with_regex(&finder, text.as_bytes(), &mut out).unwrap();
        let reference = start.elapsed().as_secs_f64();
        out.clear();

        let mb = text.len() as f64 / 1e6;
        println!(
            "round {}: {} spans; candidates {:.0} MB/s, alternation regex {:.0} MB/s",
            round,
            count,
            mb / fast,
            mb / reference
        );
    }
}
