//! The vector store: rows of unit vectors indexed by slot, and the top-k search over them.
//!
//! A search runs in two passes. The screening pass reads the int8 codes of every row (a
//! quarter of the bytes of the f32 rows) and gives each slot an interval that surely contains
//! its f32 score. The rescoring pass computes the f32 score of every slot whose interval reaches
//! the k-th best lower bound (and `min_score`). Every other slot has k slots surely above it,
//! so the result is the same as a full f32 scan, scores included.

use crate::codes::{code_dot, code_dot4, margin, rounding_slack, Codes, QueryCodes};
use crate::dot::{dot, Chunk};
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
    codes: Codes,
    query_codes: QueryCodes,
    /// Upper bound of each slot's score from the screening pass; negative infinity when free.
    upper: Vec<f32>,
    /// The screening pass's k best lower bounds.
    lower: Vec<Hit>,
    /// Slots whose f32 score the last search computed.
    rescored: usize,
}

impl Store {
    /// Creates a store for vectors of `dimension` lanes with room for `capacity` slots.
    pub fn new(dimension: usize, capacity: usize) -> Result<Store, StoreError> {
        if dimension == 0 || dimension > MAX_DIMENSION {
            return Err(StoreError::InvalidDimension);
        }
        let stride = (dimension + 3) / 4;
        let codes = Codes::new(dimension);
        let mut store = Store {
            dimension,
            stride,
            rows: Vec::new(),
            occupied: Vec::new(),
            end: 0,
            query: vec![Chunk::default(); stride],
            query_codes: QueryCodes::new(codes.stride),
            codes,
            upper: Vec::new(),
            lower: Vec::new(),
            rescored: 0,
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

    /// Number of slots the last search rescored in f32 after screening.
    pub fn rescored(&self) -> usize {
        self.rescored
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
        self.codes.encode(slot, row);
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
    /// `min_score`, best first. Equal scores keep the lower slot first. A NaN `min_score`
    /// matches nothing.
    pub fn search(
        &mut self,
        query: &[f32],
        k: usize,
        min_score: f32,
        out: &mut Vec<Hit>,
    ) -> Result<(), StoreError> {
        let scale = inverse_norm(query, self.dimension)?;
        write_scaled(&mut self.query, query, self.dimension, scale);
        out.clear();
        self.rescored = 0;
        if k == 0 || min_score.is_nan() {
            return Ok(());
        }

        self.query_codes.encode(&self.query);
        let floor = self.screen(k).max(min_score);
        self.rescore(k, min_score, floor, out);
        Ok(())
    }

    /// Fills `upper` for the slots below `end` (the screening pass) and returns the k-th best
    /// lower bound, or negative infinity when fewer than `k` slots are occupied.
    fn screen(&mut self, k: usize) -> f32 {
        let rounding = rounding_slack(self.dimension);
        let query = &self.query_codes;
        let codes = &self.codes;
        let occupied = &self.occupied;
        let upper = &mut self.upper;
        let mut lower = TopK::new(k, &mut self.lower);
        let mut visit = |slot: usize, product: i32| {
            if !occupied[slot] {
                upper[slot] = f32::NEG_INFINITY;
                return;
            }
            let estimate = product as f32 * (codes.scales[slot] * query.scale);
            let margin = margin(codes.errors[slot], query.error, rounding);
            upper[slot] = estimate + margin;
            let bound = estimate - margin;
            if lower.threshold().map_or(true, |floor| bound > floor) {
                lower.offer(Hit {
                    slot: slot as u32,
                    score: bound,
                });
            }
        };

        // Rows go in fours, so that each query chunk is loaded once for four rows. Free slots
        // are computed too (their codes are stale or zero) and then ignored.
        let mut slot = 0;
        while slot + 4 <= self.end {
            let rows = [
                codes.row(slot),
                codes.row(slot + 1),
                codes.row(slot + 2),
                codes.row(slot + 3),
            ];
            for (offset, product) in code_dot4(rows, &query.codes).iter().enumerate() {
                visit(slot + offset, *product);
            }
            slot += 4;
        }
        while slot < self.end {
            visit(slot, code_dot(codes.row(slot), &query.codes));
            slot += 1;
        }
        lower.threshold().unwrap_or(f32::NEG_INFINITY)
    }

    /// Computes the f32 score of every occupied slot whose upper bound reaches `floor` and
    /// writes the best `k` of at least `min_score` into `out`, best first.
    fn rescore(&mut self, k: usize, min_score: f32, floor: f32, out: &mut Vec<Hit>) {
        let mut top = TopK::new(k, out);
        for slot in 0..self.end {
            // Checking `occupied` matters when `floor` is negative infinity.
            if !self.occupied[slot] || !(self.upper[slot] >= floor) {
                continue;
            }
            let row = &self.rows[slot * self.stride..(slot + 1) * self.stride];
            let score = dot(row, &self.query);
            self.rescored += 1;
            if score < min_score || top.threshold().map_or(false, |kept| score < kept) {
                continue;
            }
            top.offer(Hit {
                slot: slot as u32,
                score,
            });
        }
        top.finish();
    }

    fn grow_to(&mut self, capacity: usize) -> Result<(), StoreError> {
        if capacity <= self.capacity() {
            return Ok(());
        }
        let chunks = capacity
            .checked_mul(self.stride)
            .ok_or(StoreError::OutOfMemory)?;
        let extra_chunks = chunks - self.rows.len();
        let extra_slots = capacity - self.occupied.len();
        self.rows
            .try_reserve_exact(extra_chunks)
            .map_err(|_| StoreError::OutOfMemory)?;
        self.occupied
            .try_reserve_exact(extra_slots)
            .map_err(|_| StoreError::OutOfMemory)?;
        self.upper
            .try_reserve_exact(extra_slots)
            .map_err(|_| StoreError::OutOfMemory)?;
        if !self.codes.grow_to(capacity) {
            return Err(StoreError::OutOfMemory);
        }
        self.rows.resize(chunks, Chunk::default());
        self.occupied.resize(capacity, false);
        self.upper.resize(capacity, f32::NEG_INFINITY);
        Ok(())
    }
}

/// Returns 1 / |vector| over the first `dimension` lanes, summed in f64 so that the stored unit
/// vector is accurate to f32 rounding.
fn inverse_norm(vector: &[f32], dimension: usize) -> Result<f64, StoreError> {
    let squares: f64 = vector[..dimension]
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum();
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
        store
            .search(&[0.0, 0.0, 0.0, 0.0, 2.0], 10, -1.0, &mut out)
            .unwrap();
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

    /// xorshift64*, seeded, for lanes uniform in [-1, 1).
    struct Random(u64);

    impl Random {
        fn lane(&mut self) -> f32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
            (bits as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }

        fn vector(&mut self, dimension: usize) -> Vec<f32> {
            (0..dimension).map(|_| self.lane()).collect()
        }

        /// `centre` plus noise of `spread` per lane.
        fn near(&mut self, centre: &[f32], spread: f32) -> Vec<f32> {
            centre.iter().map(|&x| x + spread * self.lane()).collect()
        }
    }

    /// Full f32 scan with the same `dot`, sorted by score then slot: what `search` must return.
    fn full_scan(store: &Store, k: usize, min_score: f32) -> Vec<Hit> {
        let mut all: Vec<Hit> = (0..store.end)
            .filter(|&slot| store.occupied[slot])
            .map(|slot| {
                let row = &store.rows[slot * store.stride..(slot + 1) * store.stride];
                Hit {
                    slot: slot as u32,
                    score: dot(row, &store.query),
                }
            })
            .filter(|hit| hit.score >= min_score)
            .collect();
        all.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap()
                .then(a.slot.cmp(&b.slot))
        });
        all.truncate(k);
        all
    }

    fn expect_full_scan(store: &mut Store, query: &[f32], k: usize, min_score: f32) -> usize {
        let mut out = Vec::new();
        store.search(query, k, min_score, &mut out).unwrap();
        assert_eq!(
            out,
            full_scan(store, k, min_score),
            "k {} min_score {}",
            k,
            min_score
        );
        store.rescored()
    }

    #[test]
    fn screening_matches_full_scan_on_random_data() {
        let mut random = Random(0x5eed);
        for &dimension in &[1, 7, 16, 17, 384, 385] {
            let mut store = Store::new(dimension, 8).unwrap();
            for slot in 0..800 {
                store.add(slot, &random.vector(dimension)).unwrap();
            }
            for slot in (0..800).filter(|slot| slot % 3 == 0 || slot % 7 == 0) {
                store.remove(slot);
            }
            let mut rescored = 0;
            for _ in 0..10 {
                let query = random.vector(dimension);
                rescored += expect_full_scan(&mut store, &query, 10, -1.0);
                expect_full_scan(&mut store, &query, 1, 0.1);
                expect_full_scan(&mut store, &query, 800, 0.05);
                expect_full_scan(&mut store, &query, 3, f32::NEG_INFINITY);
            }
            // At dimension 384 the int8 bounds leave few of the 457 rows to rescore.
            if dimension >= 384 {
                assert!(
                    rescored < 10 * 50,
                    "rescored {} rows in 10 searches",
                    rescored
                );
            }
        }
    }

    #[test]
    fn screening_matches_full_scan_on_clusters() {
        let dimension = 384;
        let mut random = Random(7);
        let centres: Vec<Vec<f32>> = (0..20).map(|_| random.vector(dimension)).collect();
        let mut store = Store::new(dimension, 64).unwrap();
        for slot in 0..1_500 {
            // Tight clusters put many scores within the quantisation margin of each other.
            let spread = if slot % 2 == 0 { 0.05 } else { 0.3 };
            store
                .add(slot, &random.near(&centres[slot % 20], spread))
                .unwrap();
        }
        // Exact duplicates tie, and ties must keep the lower slot first.
        let duplicate = random.near(&centres[3], 0.01);
        store.add(1_500, &duplicate).unwrap();
        store.add(1_501, &duplicate).unwrap();
        for _ in 0..15 {
            let centre = &centres[(random.lane().abs() * 19.0) as usize];
            let query = random.near(centre, 0.02);
            expect_full_scan(&mut store, &query, 1, 0.95);
            expect_full_scan(&mut store, &query, 10, -1.0);
            expect_full_scan(&mut store, &query, 50, 0.9);
        }
        let mut out = Vec::new();
        store.search(&duplicate, 2, 0.99, &mut out).unwrap();
        assert_eq!(slots(&out), vec![1_500, 1_501]);
        assert_eq!(out[0].score, out[1].score);
    }

    #[test]
    fn rejects_vectors_without_direction() {
        let mut store = Store::new(2, 1).unwrap();
        assert_eq!(store.add(0, &[0.0, 0.0]), Err(StoreError::InvalidVector));
        assert_eq!(
            store.add(0, &[f32::NAN, 1.0]),
            Err(StoreError::InvalidVector)
        );
        assert_eq!(
            store.add(0, &[f32::INFINITY, 1.0]),
            Err(StoreError::InvalidVector)
        );
        assert!(matches!(
            Store::new(0, 1),
            Err(StoreError::InvalidDimension)
        ));
    }
}
