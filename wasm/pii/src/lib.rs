//! PII and secret detection for Nexus, built for `wasm32-unknown-unknown`.
//!
//! The engine finds e-mail addresses, phone numbers, payment card numbers, IBANs, US social
//! security numbers, IPv4 and IPv6 addresses, AWS access key ids, vendor API keys, bearer
//! tokens, JWTs and PEM private-key blocks, plus caller-supplied regular expressions and word
//! lists. It returns non-overlapping spans sorted by start, as UTF-8 byte offsets.
//!
//! Matching is linear in the input: the `regex` crate runs finite automata, every built-in
//! pattern has a bounded length, the validators look at a bounded window around each candidate,
//! and custom patterns are searched in bounded windows (see `custom.rs`). `wasm/README.md`
//! states the worst-case cost on untrusted input.
//!
//! `ffi.rs` contains the C ABI that the TypeScript binding calls. It and the SIMD load in
//! `candidates.rs` are the only `unsafe` code.

#![deny(unsafe_op_in_unsafe_fn)]
// Outside WebAssembly (native tests) neither the C ABI nor the SIMD scan is compiled.
#![cfg_attr(not(target_arch = "wasm32"), forbid(unsafe_code))]

pub mod ascii;
pub mod builtin;
pub mod candidates;
pub mod config;
pub mod custom;
pub mod dictionary;
pub mod engine;
pub mod kinds;
pub mod limits;
pub mod merge;
pub mod patterns;
pub mod span;
pub mod validate;

#[cfg(target_arch = "wasm32")]
mod ffi;
