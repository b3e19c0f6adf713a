//! C ABI for the TypeScript binding. The module imports nothing. The host copies bytes into
//! memory it gets from `alloc`, calls `init` once and `scan` per text, and reads the results
//! at `results_ptr` as `[kind, start, end]` u32 triples.
//!
//! Safety contract for the host: every pointer passed in came from `alloc` with at least the
//! given length, and no call runs concurrently (WebAssembly instances are single-threaded).

use std::alloc::{alloc as raw_alloc, dealloc, Layout};
use std::cell::RefCell;

use crate::config;
use crate::engine::{Engine, ScanError};
use crate::limits::MAX_INPUT_BYTES;
use crate::span::Span;

const ALIGN: usize = 8;

/// `scan` status codes below zero.
const NOT_INITIALISED: i32 = -1;
const INPUT_TOO_LARGE: i32 = -2;
const TOO_MANY_SPANS: i32 = -3;

struct State {
    engine: Option<Engine>,
    spans: Vec<Span>,
    error: String,
}

thread_local! {
    static STATE: RefCell<State> =
        RefCell::new(State { engine: None, spans: Vec::new(), error: String::new() });
}

/// Allocates `size` bytes (at least 1) aligned to 8; returns null when memory cannot grow.
#[export_name = "alloc"]
pub extern "C" fn pii_alloc(size: usize) -> *mut u8 {
    match Layout::from_size_align(size.max(1), ALIGN) {
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { raw_alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Frees memory from `alloc`; `size` must be the size passed to `alloc`.
///
/// # Safety
/// `ptr` must come from `alloc(size)` and not have been freed.
#[export_name = "free"]
pub unsafe extern "C" fn pii_free(ptr: *mut u8, size: usize) {
    if ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(size.max(1), ALIGN) {
        // SAFETY: the caller guarantees that `ptr` was allocated with this layout.
        unsafe { dealloc(ptr, layout) }
    }
}

/// Compiles the detectors from a config blob (see `config.rs`). Returns 0 on success, or 1 with
/// the reason at `error_ptr` / `error_len`.
///
/// # Safety
/// `ptr..ptr + len` must be readable memory from `alloc`.
#[export_name = "init"]
pub unsafe extern "C" fn pii_init(ptr: *const u8, len: usize) -> i32 {
    // SAFETY: the caller guarantees the range is valid.
    let blob = unsafe { std::slice::from_raw_parts(ptr, len) };
    let result = config::parse(blob).and_then(|config| Engine::new(&config));
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        match result {
            Ok(engine) => {
                state.engine = Some(engine);
                state.error.clear();
                0
            }
            Err(reason) => {
                state.engine = None;
                state.error = reason;
                1
            }
        }
    })
}

/// Scans `len` bytes of UTF-8 at `ptr`. Returns the number of spans, or a negative status:
/// -1 not initialised, -2 input longer than `max_input_bytes`, -3 too many spans.
///
/// # Safety
/// `ptr..ptr + len` must be readable memory from `alloc`.
#[export_name = "scan"]
pub unsafe extern "C" fn pii_scan(ptr: *const u8, len: usize) -> i32 {
    // SAFETY: the caller guarantees the range is valid.
    let hay = unsafe { std::slice::from_raw_parts(ptr, len) };
    STATE.with(|state| {
        let state = &mut *state.borrow_mut();
        let engine = match &state.engine {
            Some(engine) => engine,
            None => return NOT_INITIALISED,
        };
        match engine.scan(hay, &mut state.spans) {
            Ok(()) => state.spans.len() as i32,
            Err(ScanError::InputTooLarge) => INPUT_TOO_LARGE,
            Err(ScanError::TooManySpans) => TOO_MANY_SPANS,
        }
    })
}

/// Address of the last scan's `[kind, start, end]` triples; valid until the next `scan`.
#[export_name = "results_ptr"]
pub extern "C" fn pii_results_ptr() -> *const u32 {
    STATE.with(|state| state.borrow().spans.as_ptr() as *const u32)
}

/// Address and length of the last `init` error message (UTF-8).
#[export_name = "error_ptr"]
pub extern "C" fn pii_error_ptr() -> *const u8 {
    STATE.with(|state| state.borrow().error.as_ptr())
}

#[export_name = "error_len"]
pub extern "C" fn pii_error_len() -> usize {
    STATE.with(|state| state.borrow().error.len())
}

/// Largest input `scan` accepts, in bytes.
#[export_name = "max_input_bytes"]
pub extern "C" fn pii_max_input_bytes() -> usize {
    MAX_INPUT_BYTES
}
