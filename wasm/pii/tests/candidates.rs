//! Differential test: the hand-written candidate finder must yield exactly the spans that the
//! reference (one alternation regex over the whole input) yields, on generated text built from
//! fragments near every detector's edge cases.

use nexus_pii::builtin::Builtins;
use nexus_pii::kinds::ALL_BUILTINS;

const FRAGMENTS: &[&str] = &[
    " ", " ", " ", "\n", ".", ",", "-", "_", ":", "::", "@", "+", "(", ")", "/", "é", "😀", "x",
    "word", "call", "Phone:", "4111", "1111", "4111 1111 1111 1111", "123-45-6789", "900-",
    "10.0.0.1", "256.", "1.", "12", "2001:db8::1", "fe80", "abc", "dead:", "GB82", "WEST",
    "GB82 WEST 1234 5698 7654 32", "AKIAIOSFODNN7EXAMPLE", "AKIA", "sk-", "sk-proj-4f9XkQ2mZr7Lb",
    "N1vT8yW3cHs", "ghp_", "xoxb-", "Bearer ", "abc123def456ghi789jkl", "eyJ", "eyJhbGciOiJIUzI1NiJ9",
    ".eyJzdWIiOiIxIn0.c2ln", "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----",
    "john", ".doe", "@example.com", "@ex", "a@b.co", "+1 (415) 555-2671", "(08) 8747 6301",
    "0490 75 40 81", "2023-10-12", "%", "a.b+c", "MIIE", "==",
];

/// xorshift64*, seeded, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn candidates_match_reference_regex() {
    let builtins = Builtins::new(ALL_BUILTINS);
    let finder = builtins.reference_finder().expect("all kinds enabled");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut fast, mut reference) = (Vec::new(), Vec::new());
    let mut nonempty = 0;

    for round in 0..10_000 {
        let pieces = 1 + (rng.next() % 40) as usize;
        let text: String =
            (0..pieces).map(|_| FRAGMENTS[(rng.next() % FRAGMENTS.len() as u64) as usize]).collect();
        fast.clear();
        reference.clear();
        builtins.scan(text.as_bytes(), &mut fast).unwrap();
        builtins.scan_with_regex(&finder, text.as_bytes(), &mut reference).unwrap();
        assert_eq!(fast, reference, "round {} text {:?}", round, text);
        if !fast.is_empty() {
            nonempty += 1;
        }
    }
    assert!(nonempty > 3000, "only {} inputs had spans", nonempty);
}
