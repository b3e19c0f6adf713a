//! The f32 dot product of padded rows, which gives the scores a search returns. In WebAssembly
//! it runs on `f32x4` lanes with independent accumulators. Elsewhere (native `cargo test`) a
//! scalar loop computes the same sum in a different order.

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

#[cfg(target_arch = "wasm32")]
fn horizontal_sum(sum: core::arch::wasm32::v128) -> f32 {
    use core::arch::wasm32::f32x4_extract_lane;

    f32x4_extract_lane::<0>(sum)
        + f32x4_extract_lane::<1>(sum)
        + f32x4_extract_lane::<2>(sum)
        + f32x4_extract_lane::<3>(sum)
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
