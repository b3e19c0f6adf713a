//! Cosine top-k search over unit-length f32 vectors, for the semantic cache's vector index.
//!
//! Vectors live in one flat, 16-byte aligned store, one row per slot. Each row is padded with
//! zeros to a multiple of four lanes, so the SIMD dot product needs no scalar tail. A search
//! visits every occupied row once and keeps the `k` best in a binary heap: O(n · d + n log k)
//! for n rows of dimension d.
//!
//! `ffi.rs` is the C ABI that the TypeScript binding calls. It and the SIMD loads in `dot.rs`
//! are the only `unsafe` code.

#![deny(unsafe_op_in_unsafe_fn)]
// Outside WebAssembly (native tests) neither the C ABI nor the SIMD dot product is compiled.
#![cfg_attr(not(target_arch = "wasm32"), forbid(unsafe_code))]

mod codes;
mod dot;
#[cfg(target_arch = "wasm32")]
mod ffi;
mod store;
mod top_k;

pub use store::{Hit, Store, StoreError};
