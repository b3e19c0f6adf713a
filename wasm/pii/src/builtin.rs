//! Built-in detectors. `Candidates` finds the next position where a span may start. The
//! detectors then try that position in priority order, each with an anchored regex or a
//! hand-written reader plus a validator, and the first that accepts it yields the span. When
//! none accepts it, the search resumes one byte later (or, after a rejected token, at the end
//! of that token).
//!
//! `scan_with_regex` finds the candidates with one regex, the alternation of all patterns,
//! instead; it is the reference the tests compare `Candidates` against. A `RegexSet` or capture
//! groups would name the matching pattern directly, but in regex 1.7 both run several times
//! slower than a plain search.

use regex::bytes::{Regex, RegexBuilder};

use crate::ascii::{at, before, is_word, number_continues, word_before};
use crate::candidates::Candidates;
use crate::kinds::Kind;
use crate::limits::MAX_SPANS;
use crate::patterns;
use crate::span::Span;
use crate::validate::card::card_valid;
use crate::validate::iban::iban_end;
use crate::validate::ipv4::ipv4_standalone;
use crate::validate::ipv6::ipv6_end;
use crate::validate::jwt::{read_jwt, Jwt};
use crate::validate::pem::pem_end;
use crate::validate::phone::phone_valid;
use crate::validate::ssn::ssn_valid;

/// Error returned when a scan finds more than `MAX_SPANS` items.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManySpans;

/// Anchored regexes that confirm a candidate and give its end.
struct Anchored {
    email: Regex,
    phone: Regex,
    card: Regex,
    ssn: Regex,
    ipv4: Regex,
    aws: Regex,
    api_key: Regex,
    bearer: Regex,
    pem_begin: Regex,
}

pub struct Builtins {
    enabled: u32,
    anchored: Anchored,
}

/// Result of trying every detector at one candidate start.
enum Step {
    Found(Span),
    Resume(usize),
}

fn compile(source: &str) -> Regex {
    // The sources are constants covered by tests, so a failure here is a programming error.
    RegexBuilder::new(source)
        .unicode(false)
        .size_limit(8 << 20)
        .dfa_size_limit(8 << 20)
        .build()
        .expect("built-in pattern compiles")
}

fn anchored(source: &str) -> Regex {
    compile(&format!("^(?:{})", source))
}

impl Builtins {
    /// Builds the detectors whose bit (1 << kind id) is set in `enabled`.
    pub fn new(enabled: u32) -> Builtins {
        let ipv4 = patterns::ipv4();
        Builtins {
            enabled,
            anchored: Anchored {
                email: anchored(patterns::EMAIL),
                phone: anchored(patterns::PHONE),
                card: anchored(patterns::CARD),
                ssn: anchored(patterns::SSN),
                ipv4: anchored(&ipv4),
                aws: anchored(patterns::AWS_ACCESS_KEY),
                api_key: anchored(patterns::API_KEY),
                bearer: anchored(patterns::BEARER),
                pem_begin: anchored(patterns::PEM_BEGIN),
            },
        }
    }

    /// Appends the spans found in `hay` to `out`, sorted and non-overlapping.
    pub fn scan(&self, hay: &[u8], out: &mut Vec<Span>) -> Result<(), TooManySpans> {
        if self.enabled == 0 {
            return Ok(());
        }
        let mut candidates = Candidates::new(hay);
        let mut pos = 0;
        while pos < hay.len() {
            let (start, email_start) = match candidates.next(pos) {
                Some(candidate) => candidate,
                None => break,
            };
            let at_sign = candidates.email_at();
            let step = self.classify(hay, start, email_start);

            // Every detector that outranks e-mail starts at a word or "-----": if none of them
            // matched here, the address for this `@` was tried and rejected.
            let email_tried = match &step {
                Step::Found(span) => !outranks_email(span.kind),
                Step::Resume(_) => true,
            };
            if email_start && email_tried && !found_email_through(&step, at_sign) {
                candidates.skip_email();
            }

            match step {
                Step::Found(span) => {
                    if out.len() == MAX_SPANS {
                        return Err(TooManySpans);
                    }
                    out.push(span);
                    pos = span.end as usize;
                }
                Step::Resume(next) => pos = next,
            }
        }
        Ok(())
    }

    /// Appends spans using one regex, the alternation of every enabled pattern, to find
    /// candidates. This is the slower reference that `Candidates` must agree with; only tests
    /// call it, with the regex from `reference_finder`.
    #[doc(hidden)]
    pub fn scan_with_regex(
        &self,
        finder: &Regex,
        hay: &[u8],
        out: &mut Vec<Span>,
    ) -> Result<(), TooManySpans> {
        let mut pos = 0;
        while pos < hay.len() {
            let start = match finder.find_at(hay, pos) {
                Some(m) => m.start(),
                None => break,
            };
            match self.classify(hay, start, true) {
                Step::Found(span) => {
                    if out.len() == MAX_SPANS {
                        return Err(TooManySpans);
                    }
                    out.push(span);
                    pos = span.end as usize;
                }
                Step::Resume(next) => pos = next,
            }
        }
        Ok(())
    }

    /// Compiles the alternation of every enabled pattern, for `scan_with_regex`.
    #[doc(hidden)]
    pub fn reference_finder(&self) -> Option<Regex> {
        let ipv4 = patterns::ipv4();
        let starts: [(Kind, &str); 12] = [
            (Kind::PrivateKey, patterns::PEM_BEGIN),
            (Kind::Jwt, patterns::JWT_START),
            (Kind::AwsAccessKey, patterns::AWS_ACCESS_KEY),
            (Kind::ApiKey, patterns::API_KEY),
            (Kind::BearerToken, patterns::BEARER),
            (Kind::Iban, patterns::IBAN_START),
            (Kind::Ipv6, patterns::IPV6_START),
            (Kind::Ipv4, &ipv4),
            (Kind::UsSsn, patterns::SSN),
            (Kind::CreditCard, patterns::CARD),
            (Kind::Phone, patterns::PHONE),
            (Kind::Email, patterns::EMAIL),
        ];
        let alternatives: Vec<String> = starts
            .iter()
            .filter(|(kind, _)| self.on(*kind))
            .map(|(_, source)| format!("(?:{})", source))
            .collect();
        if alternatives.is_empty() {
            None
        } else {
            Some(compile(&alternatives.join("|")))
        }
    }

    fn on(&self, kind: Kind) -> bool {
        self.enabled & (1 << kind.id()) != 0
    }

    /// Tries each detector at `start`, in priority order. Each runs only if its pattern can
    /// begin with the byte at `start`, which saves most anchored regex calls. `email_possible`
    /// is false when no `@` follows within one local part.
    fn classify(&self, hay: &[u8], start: usize, email_possible: bool) -> Step {
        let rest = &hay[start..];
        let after_word = word_before(hay, start);
        let mut resume = start + 1;

        if self.on(Kind::PrivateKey) && rest[0] == b'-' {
            if let Some(m) = self.anchored.pem_begin.find(rest) {
                return found(Kind::PrivateKey, start, pem_end(hay, start + m.end()));
            }
        }
        if self.on(Kind::Jwt) && !after_word && rest.starts_with(b"eyJ") {
            match read_jwt(hay, start) {
                Jwt::Found(end) => return found(Kind::Jwt, start, end),
                Jwt::Rejected(next) => resume = resume.max(next),
            }
        }
        if let Some(step) = self.classify_token(hay, start, after_word, &mut resume) {
            return step;
        }
        if self.on(Kind::Email) && email_possible {
            if let Some(m) = self.anchored.email.find(rest) {
                return found(Kind::Email, start, start + m.end());
            }
        }
        if let Some(step) = self.classify_address(hay, start, after_word) {
            return step;
        }
        self.classify_number(hay, start, after_word).unwrap_or(Step::Resume(resume))
    }

    /// AWS access key ids, vendor API keys and bearer tokens.
    fn classify_token(
        &self,
        hay: &[u8],
        start: usize,
        after_word: bool,
        resume: &mut usize,
    ) -> Option<Step> {
        if after_word {
            return None;
        }
        let rest = &hay[start..];
        let first = rest[0];
        if self.on(Kind::AwsAccessKey) && first == b'A' {
            if let Some(m) = self.anchored.aws.find(rest) {
                return Some(found(Kind::AwsAccessKey, start, start + m.end()));
            }
        }
        if self.on(Kind::ApiKey) && matches!(first, b's' | b'r' | b'g' | b'x' | b'A') {
            if let Some(m) = self.anchored.api_key.find(rest) {
                let end = start + m.end();
                if looks_random(m.as_bytes()) && !token_continues(hay, end) {
                    return Some(found(Kind::ApiKey, start, end));
                }
                *resume = (*resume).max(end);
            }
        }
        if self.on(Kind::BearerToken) && (first == b'B' || first == b'b') {
            if let Some(m) = self.anchored.bearer.find(rest) {
                let end = start + m.end();
                let token_start = start + bearer_token_offset(m.as_bytes());
                if looks_random(&hay[token_start..end]) {
                    return Some(found(Kind::BearerToken, token_start, end));
                }
                *resume = (*resume).max(end);
            }
        }
        None
    }

    /// IBANs, IPv6 and IPv4 addresses.
    fn classify_address(&self, hay: &[u8], start: usize, after_word: bool) -> Option<Step> {
        let first = hay[start];
        if self.on(Kind::Iban) && !after_word && first.is_ascii_alphabetic() {
            if let Some(end) = iban_end(hay, start) {
                return Some(found(Kind::Iban, start, end));
            }
        }
        if self.on(Kind::Ipv6) && (first.is_ascii_hexdigit() || first == b':') {
            if let Some(end) = ipv6_end(hay, start) {
                return Some(found(Kind::Ipv6, start, end));
            }
        }
        if self.on(Kind::Ipv4) && first.is_ascii_digit() {
            if let Some(m) = self.anchored.ipv4.find(&hay[start..]) {
                let end = start + m.end();
                if ipv4_standalone(hay, start, end) {
                    return Some(found(Kind::Ipv4, start, end));
                }
            }
        }
        None
    }

    /// SSNs, card numbers and phone numbers, which share digit-group shapes.
    fn classify_number(&self, hay: &[u8], start: usize, after_word: bool) -> Option<Step> {
        let rest = &hay[start..];
        let digit = rest[0].is_ascii_digit();
        let after_joiner = matches!(before(hay, start), Some(b'-' | b'.'))
            && start >= 2
            && hay[start - 2].is_ascii_digit();
        if self.on(Kind::UsSsn) && digit && !after_word && !after_joiner {
            if let Some(m) = self.anchored.ssn.find(rest) {
                let end = start + m.end();
                if ssn_valid(m.as_bytes()) && !number_continues(hay, end, b"-.") {
                    return Some(found(Kind::UsSsn, start, end));
                }
            }
        }
        if self.on(Kind::CreditCard) && digit && !after_word && !after_joiner {
            if let Some(m) = self.anchored.card.find(rest) {
                let end = start + m.end();
                if card_valid(m.as_bytes()) && !number_continues(hay, end, b"-.") {
                    return Some(found(Kind::CreditCard, start, end));
                }
            }
        }
        if self.on(Kind::Phone) && (digit || rest[0] == b'+' || rest[0] == b'(') {
            if let Some(m) = self.anchored.phone.find(rest) {
                let end = start + m.end();
                if phone_valid(hay, start, end) {
                    return Some(found(Kind::Phone, start, end));
                }
            }
        }
        None
    }
}

/// Reports whether `classify` tries this kind before e-mail.
fn outranks_email(kind: u32) -> bool {
    use Kind::*;
    matches!(Kind::from_id(kind), Some(PrivateKey | Jwt | AwsAccessKey | ApiKey | BearerToken))
}

/// Reports whether `step` is an e-mail span that covers the `@` at `at_sign`.
fn found_email_through(step: &Step, at_sign: usize) -> bool {
    match step {
        Step::Found(span) => span.kind == Kind::Email.id() && (span.end as usize) > at_sign,
        Step::Resume(_) => false,
    }
}

fn found(kind: Kind, start: usize, end: usize) -> Step {
    Step::Found(Span::new(kind.id(), start, end))
}

/// Reports whether a token contains both a letter and a digit. Real keys are random strings;
/// `sk-learn-style-names` or `Bearer authentication-required` are prose.
fn looks_random(token: &[u8]) -> bool {
    token.iter().any(u8::is_ascii_digit) && token.iter().any(u8::is_ascii_alphabetic)
}

/// Reports whether a fixed-length key such as `AIza...` runs on into more token bytes.
fn token_continues(hay: &[u8], end: usize) -> bool {
    at(hay, end).map_or(false, |b| is_word(b) || b == b'-')
}

/// Offset of the token after "Bearer" and its blanks.
fn bearer_token_offset(text: &[u8]) -> usize {
    6 + text[6..].iter().take_while(|&&b| b == b' ' || b == b'\t').count()
}
