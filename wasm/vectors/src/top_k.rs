//! Bounded selection of the `k` best hits: a binary min-heap whose root is the worst hit kept.

use crate::store::Hit;

/// True when `a` ranks before `b`: higher score first, then lower slot.
fn ranks_before(a: &Hit, b: &Hit) -> bool {
    a.score > b.score || (a.score == b.score && a.slot < b.slot)
}

/// Keeps the `k` best hits offered so far. `out` contains the heap and, after `finish`, the hits
/// best first.
pub struct TopK<'a> {
    k: usize,
    heap: &'a mut Vec<Hit>,
}

impl<'a> TopK<'a> {
    pub fn new(k: usize, out: &'a mut Vec<Hit>) -> Self {
        out.clear();
        TopK { k, heap: out }
    }

    /// Lowest score that could still enter, or None while fewer than `k` hits are kept.
    pub fn threshold(&self) -> Option<f32> {
        if self.heap.len() < self.k {
            None
        } else {
            self.heap.first().map(|hit| hit.score)
        }
    }

    pub fn offer(&mut self, hit: Hit) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(hit);
            self.sift_up(self.heap.len() - 1);
        } else if ranks_before(&hit, &self.heap[0]) {
            self.heap[0] = hit;
            self.sift_down(0);
        }
    }

    /// Sorts the kept hits best first.
    pub fn finish(self) {
        self.heap.sort_unstable_by(|a, b| {
            if ranks_before(a, b) {
                core::cmp::Ordering::Less
            } else if ranks_before(b, a) {
                core::cmp::Ordering::Greater
            } else {
                core::cmp::Ordering::Equal
            }
        });
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            // The root is the worst hit, so a child that ranks before its parent is in place.
            if ranks_before(&self.heap[parent], &self.heap[i]) {
                self.heap.swap(parent, i);
                i = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let len = self.heap.len();
        loop {
            let left = 2 * i + 1;
            let right = left + 1;
            let mut worst = i;
            if left < len && ranks_before(&self.heap[worst], &self.heap[left]) {
                worst = left;
            }
            if right < len && ranks_before(&self.heap[worst], &self.heap[right]) {
                worst = right;
            }
            if worst == i {
                break;
            }
            self.heap.swap(i, worst);
            i = worst;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_best_k_sorted() {
        let mut out = Vec::new();
        let mut top = TopK::new(3, &mut out);
        for (slot, score) in [0.1f32, 0.9, 0.5, 0.7, 0.2, 0.95].iter().enumerate() {
            top.offer(Hit { slot: slot as u32, score: *score });
        }
        top.finish();
        let slots: Vec<u32> = out.iter().map(|hit| hit.slot).collect();
        assert_eq!(slots, vec![5, 1, 3]);
    }

    #[test]
    fn equal_scores_prefer_lower_slot() {
        let mut out = Vec::new();
        let mut top = TopK::new(2, &mut out);
        for slot in 0..5 {
            top.offer(Hit { slot, score: 0.5 });
        }
        top.finish();
        let slots: Vec<u32> = out.iter().map(|hit| hit.slot).collect();
        assert_eq!(slots, vec![0, 1]);
    }
}
