//! Checks that a regex cannot express: checksums, number ranges, look-around and structure.
//! Each one reads a bounded window of the input, so its cost per candidate is a constant.

pub mod base64url;
pub mod card;
pub mod iban;
pub mod ipv4;
pub mod ipv6;
pub mod jwt;
pub mod luhn;
pub mod pem;
pub mod phone;
pub mod ssn;
