//! Int8 codes of the stored rows, for the screening pass of a search.
//!
//! Each row `x` is stored a second time as `x̂ = s · c`, with `c` in -127..=127 and one f32
//! scale `s = max|x| / 127` per row, so the screening pass reads a quarter of the bytes of the
//! f32 rows. The query is quantised the same way. For each row the exact error `‖x − x̂‖₂` is
//! kept, which bounds how far the screening score can be from the f32 score (see `margin`).

use crate::dot::Chunk;

/// Sixteen int8 codes, aligned so that one `v128` load reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(16))]
pub struct CodeChunk(pub [i8; 16]);

/// Eight query codes widened to i16, the operand type of `i32x4.dot_i16x8_s`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(16))]
pub struct WideChunk(pub [i16; 8]);

/// Largest code magnitude. -128 is never used, so that codes are symmetric around zero.
const MAX_CODE: f64 = 127.0;

/// The query of a running search in code form.
pub struct QueryCodes {
    /// Two `WideChunk`s per `CodeChunk` of a row.
    pub codes: Vec<WideChunk>,
    pub scale: f32,
    /// `‖q − q̂‖₂`, rounded up.
    pub error: f32,
}

impl QueryCodes {
    pub fn new(code_stride: usize) -> Self {
        QueryCodes {
            codes: vec![WideChunk::default(); code_stride * 2],
            scale: 0.0,
            error: 0.0,
        }
    }

    /// Quantises a unit query, padded like a row.
    pub fn encode(&mut self, query: &[Chunk]) {
        // Lanes past the f32 row (when its length is not a multiple of 16) stay zero.
        for chunk in self.codes.iter_mut() {
            *chunk = WideChunk::default();
        }
        let codes = &mut self.codes;
        let (scale, error) = quantise(flatten(query), |index, code| {
            codes[index / 8].0[index % 8] = i16::from(code);
        });
        self.scale = scale;
        self.error = error;
    }
}

/// Int8 codes, scales and quantisation errors of every slot.
pub struct Codes {
    /// `CodeChunk`s per row: the dimension rounded up to a multiple of 16.
    pub stride: usize,
    pub codes: Vec<CodeChunk>,
    pub scales: Vec<f32>,
    /// `‖x − x̂‖₂` per slot, rounded up.
    pub errors: Vec<f32>,
}

impl Codes {
    pub fn new(dimension: usize) -> Self {
        Codes {
            stride: (dimension + 15) / 16,
            codes: Vec::new(),
            scales: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Makes room for `capacity` slots; returns false when memory cannot grow.
    pub fn grow_to(&mut self, capacity: usize) -> bool {
        let chunks = match capacity.checked_mul(self.stride) {
            Some(chunks) => chunks,
            None => return false,
        };
        let reserved = reserve(&mut self.codes, chunks)
            && reserve(&mut self.scales, capacity)
            && reserve(&mut self.errors, capacity);
        if !reserved {
            return false;
        }
        self.codes.resize(chunks, CodeChunk::default());
        self.scales.resize(capacity, 0.0);
        self.errors.resize(capacity, 0.0);
        true
    }

    /// Encodes the unit row of `slot`.
    pub fn encode(&mut self, slot: usize, row: &[Chunk]) {
        let codes = &mut self.codes[slot * self.stride..(slot + 1) * self.stride];
        for chunk in codes.iter_mut() {
            *chunk = CodeChunk::default();
        }
        let (scale, error) = quantise(flatten(row), |index, code| {
            codes[index / 16].0[index % 16] = code;
        });
        self.scales[slot] = scale;
        self.errors[slot] = error;
    }

    pub fn row(&self, slot: usize) -> &[CodeChunk] {
        &self.codes[slot * self.stride..(slot + 1) * self.stride]
    }
}

/// Reserves room for `len` elements in total; returns false when memory cannot grow.
fn reserve<T>(vec: &mut Vec<T>, len: usize) -> bool {
    vec.try_reserve_exact(len.saturating_sub(vec.len())).is_ok()
}

/// Bound on `|f32 dot(x, q) − s_x · s_q · (c_x · c_q)|` for unit `x` and `q`.
///
/// `x·q − x̂·q̂ = (x − x̂)·q + x̂·(q − q̂)`, so by Cauchy-Schwarz the difference is at most
/// `e_x·‖q‖ + ‖x̂‖·e_q ≤ e_x + (1 + e_x)·e_q`, since `‖q‖ = 1` and `‖x̂‖ ≤ 1 + e_x`. The
/// relative factor covers norms off 1 by f32 rounding, and `rounding` covers the f32 dot
/// product and the f32 screening score (see `rounding_slack`).
pub fn margin(row_error: f32, query_error: f32, rounding: f32) -> f32 {
    const UP: f32 = 1.0 + 1.0 / 65_536.0;
    row_error * UP + (1.0 + row_error) * query_error * UP + rounding
}

/// Absolute rounding slack for a dimension. The f32 dot product of two unit vectors of `d`
/// lanes is within about `d · 2^-24` of the exact one. The screening estimate and the sums that
/// form each bound are within a few ulps of 1, which 2^-20 covers. The first term is doubled
/// for a safety factor.
pub fn rounding_slack(dimension: usize) -> f32 {
    (dimension as f32 + 16.0) * f32::EPSILON + 1.0 / 1_048_576.0
}

fn flatten(row: &[Chunk]) -> impl Iterator<Item = f32> + Clone + '_ {
    row.iter().flat_map(|chunk| chunk.0.iter().copied())
}

/// Writes the codes of `lanes` through `write(index, code)` and returns the scale and the
/// error `‖x − s·c‖₂`, computed in f64 and rounded up to f32.
fn quantise(
    lanes: impl Iterator<Item = f32> + Clone,
    mut write: impl FnMut(usize, i8),
) -> (f32, f32) {
    let max = lanes.clone().fold(0.0f32, |max, x| max.max(x.abs()));
    if max == 0.0 {
        return (0.0, 0.0);
    }
    let scale = (f64::from(max) / MAX_CODE) as f32;
    let mut squares = 0.0f64;
    for (index, x) in lanes.enumerate() {
        let code = (f64::from(x) / f64::from(scale))
            .round()
            .clamp(-MAX_CODE, MAX_CODE);
        write(index, code as i8);
        let difference = f64::from(x) - f64::from(scale) * code;
        squares += difference * difference;
    }
    let error = squares.sqrt();
    // Rounding to f32 may go down, so one ulp of headroom is added.
    (
        scale,
        (error as f32) * (1.0 + f32::EPSILON) + f32::MIN_POSITIVE,
    )
}

/// Integer dot products of four code rows with the widened query codes.
#[cfg(target_arch = "wasm32")]
pub fn code_dot4(rows: [&[CodeChunk]; 4], query: &[WideChunk]) -> [i32; 4] {
    use core::arch::wasm32::*;

    let len = rows
        .iter()
        .fold(query.len() / 2, |len, row| len.min(row.len()));
    // SAFETY (both loads): the index is below the slice length, and both chunk types have the
    // size and alignment of `v128`.
    let load_row =
        |row: &[CodeChunk], i: usize| unsafe { v128_load(row.as_ptr().add(i) as *const v128) };
    let load_query = |i: usize| unsafe { v128_load(query.as_ptr().add(i) as *const v128) };

    let mut acc = [i32x4_splat(0); 4];
    for i in 0..len {
        let low = load_query(2 * i);
        let high = load_query(2 * i + 1);
        for (sum, row) in acc.iter_mut().zip(rows.iter()) {
            let codes = load_row(row, i);
            let products = i32x4_add(
                i32x4_dot_i16x8(i16x8_extend_low_i8x16(codes), low),
                i32x4_dot_i16x8(i16x8_extend_high_i8x16(codes), high),
            );
            *sum = i32x4_add(*sum, products);
        }
    }
    [
        lane_sum(acc[0]),
        lane_sum(acc[1]),
        lane_sum(acc[2]),
        lane_sum(acc[3]),
    ]
}

#[cfg(target_arch = "wasm32")]
fn lane_sum(sum: core::arch::wasm32::v128) -> i32 {
    use core::arch::wasm32::i32x4_extract_lane;

    i32x4_extract_lane::<0>(sum)
        + i32x4_extract_lane::<1>(sum)
        + i32x4_extract_lane::<2>(sum)
        + i32x4_extract_lane::<3>(sum)
}

/// Integer dot products of four code rows with the widened query codes.
#[cfg(not(target_arch = "wasm32"))]
pub fn code_dot4(rows: [&[CodeChunk]; 4], query: &[WideChunk]) -> [i32; 4] {
    [
        code_dot(rows[0], query),
        code_dot(rows[1], query),
        code_dot(rows[2], query),
        code_dot(rows[3], query),
    ]
}

/// Integer dot product of one code row with the widened query codes. Exact: at most 65,536
/// lanes of |code| ≤ 127 sum to below 2^31.
pub fn code_dot(row: &[CodeChunk], query: &[WideChunk]) -> i32 {
    let mut sum = 0i32;
    for (i, chunk) in row.iter().enumerate() {
        for (lane, &code) in chunk.0.iter().enumerate() {
            let index = i * 16 + lane;
            sum += i32::from(code) * i32::from(query[index / 8].0[index % 8]);
        }
    }
    sum
}
