//! The vector store: rows of unit vectors indexed by slot, and the top-k search over them.

use crate::dot::{dot, dot2, dot4, Chunk};
use crate::top_k::TopK;

/// Largest dimension `Store::new` accepts. Embedding models in use stay below 4,096.
pub const MAX_DIMENSION: usize = 65_536;

/// One search result as the host reads it: slot, then cosine similarity.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Hit {
    pub slot: u32,
    pub score: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The dimension is 0 or above `MAX_DIMENSION`.
    InvalidDimension,
    /// Memory could not grow to hold the slot.
    OutOfMemory,
    /// The vector has length zero or contains NaN or infinity, so it has no direction.
    InvalidVector,
}

pub struct Store {
    dimension: usize,
    /// Chunks per row: the dimension rounded up to a multiple of four lanes.
    stride: usize,
    rows: Vec<Chunk>,
    occupied: Vec<bool>,
    /// One past the highest occupied slot; searches stop there.
    end: usize,
    /// The normalised query of the running search, padded like a row.
    query: Vec<Chunk>,
}

impl Store {
    /// Creates a store for vectors of `dimension` lanes with room for `capacity` slots.
    pub fn new(dimension: usize, capacity: usize) -> Result<Store, StoreError> {
        if dimension == 0 || dimension > MAX_DIMENSION {
            return Err(StoreError::InvalidDimension);
        }
        let stride = (dimension + 3) / 4;
        let mut store = Store {
            dimension,
            stride,
            rows: Vec::new(),
            occupied: Vec::new(),
            end: 0,
            query: vec![Chunk::default(); stride],
        };
        store.grow_to(capacity)?;
        Ok(store)
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    pub fn capacity(&self) -> usize {
        self.occupied.len()
    }

    /// Stores `vector` scaled to unit length in `slot`, replacing what was there and growing the
    /// store when `slot` is past its capacity.
    pub fn add(&mut self, slot: usize, vector: &[f32]) -> Result<(), StoreError> {
        let scale = inverse_norm(vector, self.dimension)?;
        if slot >= self.capacity() {
            let doubled = self.capacity().saturating_mul(2);
            self.grow_to(doubled.max(slot.saturating_add(1)))?;
        }

        let row = &mut self.rows[slot * self.stride..(slot + 1) * self.stride];
        write_scaled(row, vector, self.dimension, scale);
        self.occupied[slot] = true;
        self.end = self.end.max(slot + 1);
        Ok(())
    }

    /// Empties `slot`; returns whether it held a vector.
    pub fn remove(&mut self, slot: usize) -> bool {
        if slot >= self.end || !self.occupied[slot] {
            return false;
        }
        self.occupied[slot] = false;
        while self.end > 0 && !self.occupied[self.end - 1] {
            self.end -= 1;
        }
        true
    }

    /// Writes into `out` the `k` occupied slots most similar to `query` with a score of at least
    /// `min_score`, best first. Equal scores keep the lower slot first.
    pub fn search(
        &mut self,
        query: &[f32],
        k: usize,
        min_score: f32,
        out: &mut Vec<Hit>,
    ) -> Result<(), StoreError> {
        let scale = inverse_norm(query, self.dimension)?;
        write_scaled(&mut self.query, query, self.dimension, scale);

        let mut top = TopK::new(k, out);
        let rows = &self.rows[..self.end * self.stride];
        let query = &self.query[..];
        let stride = self.stride;
        let row = |slot: usize| &rows[slot * stride..(slot + 1) * stride];
        let mut offer = |slot: usize, score: f32| {
            // `!(score >= min_score)` is also true for every score when min_score is NaN.
            if !(score >= min_score) || top.threshold().map_or(false, |floor| score < floor) {
                return;
            }
            top.offer(Hit { slot: slot as u32, score });
        };

        // Rows go in fours (or pairs), so that each query chunk is loaded once for several rows.
        let mut slot = 0;
        while slot + 2 <= self.end {
            if slot + 4 <= self.end && self.occupied[slot..slot + 4].iter().all(|&used| used) {
                let scores = dot4([row(slot), row(slot + 1), row(slot + 2), row(slot + 3)], query);
                for (offset, score) in scores.iter().enumerate() {
                    offer(slot + offset, *score);
                }
                slot += 4;
                continue;
            }
            match (self.occupied[slot], self.occupied[slot + 1]) {
                (true, true) => {
                    let (first, second) = dot2(row(slot), row(slot + 1), query);
                    offer(slot, first);
                    offer(slot + 1, second);
                }
                (true, false) => offer(slot, dot(row(slot), query)),
                (false, true) => offer(slot + 1, dot(row(slot + 1), query)),
                (false, false) => {}
            }
            slot += 2;
        }
        if slot < self.end && self.occupied[slot] {
            offer(slot, dot(row(slot), query));
        }
        top.finish();
        Ok(())
    }

    fn grow_to(&mut self, capacity: usize) -> Result<(), StoreError> {
        if capacity <= self.capacity() {
            return Ok(());
        }
        let chunks = capacity.checked_mul(self.stride).ok_or(StoreError::OutOfMemory)?;
        let extra_chunks = chunks - self.rows.len();
        let extra_slots = capacity - self.occupied.len();
        self.rows.try_reserve_exact(extra_chunks).map_err(|_| StoreError::OutOfMemory)?;
        self.occupied.try_reserve_exact(extra_slots).map_err(|_| StoreError::OutOfMemory)?;
        self.rows.resize(chunks, Chunk::default());
        self.occupied.resize(capacity, false);
        Ok(())
    }
}

/// Returns 1 / |vector| over the first `dimension` lanes, summed in f64 so that the stored unit
/// vector is accurate to f32 rounding.
fn inverse_norm(vector: &[f32], dimension: usize) -> Result<f64, StoreError> {
    let squares: f64 = vector[..dimension].iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    let norm = squares.sqrt();
    if norm > 0.0 && norm.is_finite() {
        Ok(1.0 / norm)
    } else {
        Err(StoreError::InvalidVector)
    }
}

/// Writes `vector · scale` into a padded row and zeroes the padding lanes.
fn write_scaled(row: &mut [Chunk], vector: &[f32], dimension: usize, scale: f64) {
    for (i, chunk) in row.iter_mut().enumerate() {
        for lane in 0..4 {
            let index = i * 4 + lane;
            chunk.0[lane] = if index < dimension {
                (f64::from(vector[index]) * scale) as f32
            } else {
                0.0
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(hits: &[Hit]) -> Vec<u32> {
        hits.iter().map(|hit| hit.slot).collect()
    }

    #[test]
    fn finds_nearest_with_odd_dimension() {
        let mut store = Store::new(5, 2).unwrap();
        store.add(0, &[1.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
        store.add(1, &[0.0, 0.0, 0.0, 0.0, 3.0]).unwrap();
        store.add(2, &[1.0, 0.0, 0.0, 0.0, 1.0]).unwrap();
        let mut out = Vec::new();
        store.search(&[0.0, 0.0, 0.0, 0.0, 2.0], 10, -1.0, &mut out).unwrap();
        assert_eq!(slots(&out), vec![1, 2, 0]);
        assert!((out[0].score - 1.0).abs() < 1e-6);
        assert!((out[1].score - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert_eq!(out[2].score, 0.0);
        assert_eq!(store.capacity(), 4);
    }

    #[test]
    fn remove_and_min_score() {
        let mut store = Store::new(2, 4).unwrap();
        store.add(0, &[1.0, 0.0]).unwrap();
        store.add(3, &[0.0, 1.0]).unwrap();
        assert!(store.remove(3));
        assert!(!store.remove(3));
        assert_eq!(store.end, 1);
        let mut out = Vec::new();
        store.search(&[0.0, 1.0], 5, -1.0, &mut out).unwrap();
        assert_eq!(slots(&out), vec![0]);
        store.search(&[0.0, 1.0], 5, 0.5, &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn rejects_vectors_without_direction() {
        let mut store = Store::new(2, 1).unwrap();
        assert_eq!(store.add(0, &[0.0, 0.0]), Err(StoreError::InvalidVector));
        assert_eq!(store.add(0, &[f32::NAN, 1.0]), Err(StoreError::InvalidVector));
        assert_eq!(store.add(0, &[f32::INFINITY, 1.0]), Err(StoreError::InvalidVector));
        assert!(matches!(Store::new(0, 1), Err(StoreError::InvalidDimension)));
    }
}
