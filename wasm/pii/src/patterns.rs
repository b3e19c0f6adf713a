//! Regex sources of the built-in detectors. All are ASCII-only (the engine compiles them with
//! `(?-u)`), free of capture groups, and bounded in length except for trailing token runs,
//! whose extension is part of the match. `builtin.rs` explains how they are combined.

/// Local part of up to 64 bytes (RFC 5321 section 4.5.3.1.1), up to nine domain labels.
pub const EMAIL: &str = r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b";

/// Phone numbers, in order: international with `+`; bracketed area code; digit groups joined
/// by spaces, dashes or dots; ten bare digits. `validate::phone` decides which matches count.
pub const PHONE: &str = concat!(
    r"\+[1-9][0-9]{0,3}(?:[ .-]?\([0-9]{1,4}\))?(?:[ .-]?[0-9]{1,5}){1,5}(?: ?x[0-9]{1,5})?",
    r"|\([0-9]{2,4}\) ?[0-9]{2,5}(?:[ .-][0-9]{2,5}){0,3}(?: ?x[0-9]{1,5})?",
    r"|\b[0-9]{2,5}(?:[ .-][0-9]{2,8}){1,4}(?: ?x[0-9]{1,5})?",
    r"|\b[0-9]{10}(?: ?x[0-9]{1,5})?",
);

/// 12 to 19 digits, optionally separated by single spaces or dashes.
pub const CARD: &str = r"\b[0-9](?:[ -]?[0-9]){11,18}\b";

/// `AAA-GG-SSSS`; `validate::ssn` excludes the never-issued numbers.
pub const SSN: &str = r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b";

const OCTET: &str = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// Dotted quad with each octet at most 255.
pub fn ipv4() -> String {
    format!(r"\b(?:{o}\.){{3}}{o}\b", o = OCTET)
}

/// Start of an IPv6 address; `validate::ipv6` reads the rest.
pub const IPV6_START: &str = r"\b[0-9A-Fa-f]{1,4}:[0-9A-Fa-f:]|::[0-9A-Fa-f]";

/// Start of an IBAN; `validate::iban` reads the rest.
pub const IBAN_START: &str = r"\b[A-Za-z]{2}[0-9]{2} ?[A-Za-z0-9]{4}";

/// AWS access key ids: long-term (AKIA), temporary (ASIA) and the ABIA and ACCA variants.
pub const AWS_ACCESS_KEY: &str = r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b";

/// Vendor API keys with a recognisable prefix: OpenAI and Anthropic (`sk-`), Stripe
/// (`sk_live_`, `rk_test_`), GitHub (`ghp_` and siblings, `github_pat_`), Slack (`xoxb-`,
/// `xoxp-` and siblings), Google (`AIza`) and GitLab (`glpat-`).
pub const API_KEY: &str = concat!(
    r"\b(?:sk-[A-Za-z0-9_-]{20,}",
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
    r"|gh[pousr]_[A-Za-z0-9]{36,}",
    r"|github_pat_[A-Za-z0-9_]{22,}",
    r"|xox[abposr]-[A-Za-z0-9-]{10,}",
    r"|AIza[0-9A-Za-z_-]{35}",
    r"|glpat-[0-9A-Za-z_-]{20,})",
);

/// `Bearer <token>` as in an Authorization header (RFC 6750 section 2.1).
pub const BEARER: &str = r"\b[Bb]earer[ \t]{1,4}[A-Za-z0-9._~+/-]{16,}=*";

/// Start of a JWT: a base64url-encoded JSON object begins with `eyJ` (`{"`).
pub const JWT_START: &str = r"\beyJ[A-Za-z0-9_-]";

/// BEGIN line of a PEM private key: PKCS#8, PKCS#1 ("RSA"), SEC1 ("EC"), OpenSSH, encrypted
/// PKCS#8 and OpenPGP ("PGP ... BLOCK").
pub const PEM_BEGIN: &str = r"-----BEGIN (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----";
