//! C ABI for the TypeScript binding. The module imports nothing. The host calls `init` once,
//! copies each vector into memory it got from `alloc`, and reads a search's results at
//! `results_ptr` as `[slot: u32, score: f32]` pairs.
//!
//! Safety contract for the host: every pointer passed in came from `alloc` with room for at
//! least `dimension` f32 values, and no call runs concurrently (WebAssembly instances are
//! single-threaded).

use std::alloc::{alloc as raw_alloc, dealloc, Layout};
use std::cell::RefCell;

use crate::store::{Hit, Store, StoreError, MAX_DIMENSION};

const ALIGN: usize = 16;

/// Status codes below zero, shared by every call that returns an `i32`.
const NOT_INITIALISED: i32 = -1;
const INVALID_DIMENSION: i32 = -2;
const OUT_OF_MEMORY: i32 = -3;
const INVALID_VECTOR: i32 = -4;

struct State {
    store: Option<Store>,
    hits: Vec<Hit>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State { store: None, hits: Vec::new() });
}

fn status(error: StoreError) -> i32 {
    match error {
        StoreError::InvalidDimension => INVALID_DIMENSION,
        StoreError::OutOfMemory => OUT_OF_MEMORY,
        StoreError::InvalidVector => INVALID_VECTOR,
    }
}

/// Allocates `size` bytes (at least 1) aligned to 16; returns null when memory cannot grow.
#[export_name = "alloc"]
pub extern "C" fn vectors_alloc(size: usize) -> *mut u8 {
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
pub unsafe extern "C" fn vectors_free(ptr: *mut u8, size: usize) {
    if ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(size.max(1), ALIGN) {
        // SAFETY: the caller guarantees that `ptr` was allocated with this layout.
        unsafe { dealloc(ptr, layout) }
    }
}

/// Creates an empty store for `dimension`-lane vectors with room for `capacity` slots,
/// replacing any earlier one. Returns 0, -2 for a dimension outside 1..=`max_dimension`, or
/// -3 when memory cannot grow.
#[export_name = "init"]
pub extern "C" fn vectors_init(dimension: usize, capacity: usize) -> i32 {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.store = None;
        match Store::new(dimension, capacity) {
            Ok(store) => {
                state.store = Some(store);
                0
            }
            Err(error) => status(error),
        }
    })
}

/// Stores the vector at `ptr`, scaled to unit length, in `slot`, growing the store as needed.
/// Returns 0, or -1 before `init`, -3 when memory cannot grow, -4 for a vector of length zero
/// or one holding NaN or infinity.
///
/// # Safety
/// `ptr` must point to `dimension` readable f32 values from `alloc`.
#[export_name = "add"]
pub unsafe extern "C" fn vectors_add(slot: usize, ptr: *const f32) -> i32 {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        let store = match state.store.as_mut() {
            Some(store) => store,
            None => return NOT_INITIALISED,
        };
        // SAFETY: the caller guarantees `dimension` readable values at `ptr`.
        let vector = unsafe { std::slice::from_raw_parts(ptr, store.dimension()) };
        match store.add(slot, vector) {
            Ok(()) => 0,
            Err(error) => status(error),
        }
    })
}

/// Empties `slot`. Returns 1 when it held a vector, 0 when not, -1 before `init`.
#[export_name = "remove"]
pub extern "C" fn vectors_remove(slot: usize) -> i32 {
    STATE.with(|state| match state.borrow_mut().store.as_mut() {
        Some(store) => i32::from(store.remove(slot)),
        None => NOT_INITIALISED,
    })
}

/// Finds the `k` stored vectors most similar to the one at `query_ptr` with a cosine similarity
/// of at least `min_score`. Returns the hit count, written best first at `results_ptr`, or -1
/// before `init`, -4 for a query without direction.
///
/// # Safety
/// `query_ptr` must point to `dimension` readable f32 values from `alloc`.
#[export_name = "search"]
pub unsafe extern "C" fn vectors_search(query_ptr: *const f32, k: usize, min_score: f32) -> i32 {
    STATE.with(|state| {
        let state = &mut *state.borrow_mut();
        let store = match state.store.as_mut() {
            Some(store) => store,
            None => return NOT_INITIALISED,
        };
        // SAFETY: the caller guarantees `dimension` readable values at `query_ptr`.
        let query = unsafe { std::slice::from_raw_parts(query_ptr, store.dimension()) };
        match store.search(query, k, min_score, &mut state.hits) {
            Ok(()) => state.hits.len() as i32,
            Err(error) => status(error),
        }
    })
}

/// Address of the last search's `[slot, score]` pairs; valid until the next call.
#[export_name = "results_ptr"]
pub extern "C" fn vectors_results_ptr() -> *const Hit {
    STATE.with(|state| state.borrow().hits.as_ptr())
}

/// Number of slots the store has room for without growing; 0 before `init`.
#[export_name = "capacity"]
pub extern "C" fn vectors_capacity() -> usize {
    STATE.with(|state| state.borrow().store.as_ref().map_or(0, Store::capacity))
}

/// Number of entries the last search rescored in f32 after its int8 screening pass; 0 before
/// `init`.
#[export_name = "rescored"]
pub extern "C" fn vectors_rescored() -> usize {
    STATE.with(|state| state.borrow().store.as_ref().map_or(0, Store::rescored))
}

/// Largest dimension `init` accepts.
#[export_name = "max_dimension"]
pub extern "C" fn vectors_max_dimension() -> usize {
    MAX_DIMENSION
}
