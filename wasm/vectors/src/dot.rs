//! Dot products of padded rows. In WebAssembly they run on `f32x4` lanes with independent
//! accumulators. Elsewhere (native `cargo test`) a scalar loop computes the same sums in a
//! different order.

/// Four f32 lanes aligned to 16 bytes, so that a `v128` load of one chunk is aligned.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(16))]
pub struct Chunk(pub [f32; 4]);

/// Dot product of two rows of equal length.
#[cfg(target_arch = "wasm32")]
pub fn dot(a: &[Chunk], b: &[Chunk]) -> f32 {
    use core::arch::wasm32::*;

    debug_assert_eq!(a.len(), b.len());
    let len = a.len().min(b.len());
    let load = |row: &[Chunk], i: usize| -> v128 {
        // SAFETY: `i < len <= row.len()`, and `Chunk` is 16 bytes with 16-byte alignment, which
        // is the size and alignment of `v128`.
        unsafe { v128_load(row.as_ptr().add(i) as *const v128) }
    };

    // Four accumulators hide the latency of the add chain.
    let mut acc = [f32x4_splat(0.0); 4];
    let mut i = 0;
    while i + 4 <= len {
        for (lane, sum) in acc.iter_mut().enumerate() {
            *sum = f32x4_add(*sum, f32x4_mul(load(a, i + lane), load(b, i + lane)));
        }
        i += 4;
    }
    while i < len {
        acc[0] = f32x4_add(acc[0], f32x4_mul(load(a, i), load(b, i)));
        i += 1;
    }

    horizontal_sum(f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3])))
}

/// Dot products of two rows with the same query. Each query chunk is loaded once for both rows,
/// which saves a third of the loads of two `dot` calls.
#[cfg(target_arch = "wasm32")]
pub fn dot2(a: &[Chunk], b: &[Chunk], query: &[Chunk]) -> (f32, f32) {
    use core::arch::wasm32::*;

    let len = query.len().min(a.len()).min(b.len());
    let load = |row: &[Chunk], i: usize| -> v128 {
        // SAFETY: `i < len <= row.len()`, and `Chunk` has the size and alignment of `v128`.
        unsafe { v128_load(row.as_ptr().add(i) as *const v128) }
    };

    // Two accumulators per row hide the latency of the add chains.
    let mut acc = [f32x4_splat(0.0); 4];
    let mut i = 0;
    while i + 2 <= len {
        let q0 = load(query, i);
        let q1 = load(query, i + 1);
        acc[0] = f32x4_add(acc[0], f32x4_mul(load(a, i), q0));
        acc[1] = f32x4_add(acc[1], f32x4_mul(load(a, i + 1), q1));
        acc[2] = f32x4_add(acc[2], f32x4_mul(load(b, i), q0));
        acc[3] = f32x4_add(acc[3], f32x4_mul(load(b, i + 1), q1));
        i += 2;
    }
    if i < len {
        let q = load(query, i);
        acc[0] = f32x4_add(acc[0], f32x4_mul(load(a, i), q));
        acc[2] = f32x4_add(acc[2], f32x4_mul(load(b, i), q));
    }

    (horizontal_sum(f32x4_add(acc[0], acc[1])), horizontal_sum(f32x4_add(acc[2], acc[3])))
}

/// Dot products of four rows with the same query, each query chunk loaded once for all four.
#[cfg(target_arch = "wasm32")]
pub fn dot4(rows: [&[Chunk]; 4], query: &[Chunk]) -> [f32; 4] {
    use core::arch::wasm32::*;

    let len = rows.iter().fold(query.len(), |len, row| len.min(row.len()));
    let load = |row: &[Chunk], i: usize| -> v128 {
        // SAFETY: `i < len <= row.len()`, and `Chunk` has the size and alignment of `v128`.
        unsafe { v128_load(row.as_ptr().add(i) as *const v128) }
    };

    // One accumulator per row: four independent add chains already hide the add latency.
    let mut acc = [f32x4_splat(0.0); 4];
    for i in 0..len {
        let q = load(query, i);
        for (sum, row) in acc.iter_mut().zip(rows.iter()) {
            *sum = f32x4_add(*sum, f32x4_mul(load(row, i), q));
        }
    }
    [
        horizontal_sum(acc[0]),
        horizontal_sum(acc[1]),
        horizontal_sum(acc[2]),
        horizontal_sum(acc[3]),
    ]
}

#[cfg(target_arch = "wasm32")]
fn horizontal_sum(sum: core::arch::wasm32::v128) -> f32 {
    use core::arch::wasm32::f32x4_extract_lane;

    f32x4_extract_lane::<0>(sum)
        + f32x4_extract_lane::<1>(sum)
        + f32x4_extract_lane::<2>(sum)
        + f32x4_extract_lane::<3>(sum)
}

/// Dot products of four rows with the same query.
#[cfg(not(target_arch = "wasm32"))]
pub fn dot4(rows: [&[Chunk]; 4], query: &[Chunk]) -> [f32; 4] {
    [dot(rows[0], query), dot(rows[1], query), dot(rows[2], query), dot(rows[3], query)]
}

/// Dot products of two rows with the same query.
#[cfg(not(target_arch = "wasm32"))]
pub fn dot2(a: &[Chunk], b: &[Chunk], query: &[Chunk]) -> (f32, f32) {
    (dot(a, query), dot(b, query))
}

/// Dot product of two rows of equal length.
#[cfg(not(target_arch = "wasm32"))]
pub fn dot(a: &[Chunk], b: &[Chunk]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut sum = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        for lane in 0..4 {
            sum += x.0[lane] * y.0[lane];
        }
    }
    sum
}
