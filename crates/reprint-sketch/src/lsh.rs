//! LSH banding: which signature slots form a band, and how many bands a threshold needs.

use reprint_text::hash::{combine, fmix64};

/// Bands and rows for LSH over a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LshParams {
    /// Number of bands; each band yields one bucket key per document.
    pub bands: usize,
    /// Signature slots per band.
    pub rows: usize,
}

/// No banding satisfies the request.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LshError {
    /// Threshold outside (0, 1].
    #[error("threshold must be in (0, 1], got {0}")]
    BadThreshold(f64),
    /// Band shape does not fit the signature.
    #[error("{bands} bands of {rows} rows need {need} slots but the signature has {slots}")]
    TooBig {
        /// Bands asked for.
        bands: usize,
        /// Rows asked for.
        rows: usize,
        /// bands * rows.
        need: usize,
        /// Slots available.
        slots: usize,
    },
}

impl LshParams {
    /// Explicit banding, checked against the signature length.
    pub fn new(bands: usize, rows: usize, slots: usize) -> Result<LshParams, LshError> {
        if bands == 0 || rows == 0 || bands * rows > slots {
            return Err(LshError::TooBig {
                bands,
                rows,
                need: bands * rows,
                slots,
            });
        }
        Ok(LshParams { bands, rows })
    }

    /// Banding tuned for recall at `threshold`: among shapes that fit `slots` and at most
    /// `max_bands` bands, the one with the fewest candidate pairs below the threshold (least
    /// false-positive area) whose chance to miss a pair AT the threshold is at most
    /// `miss_at_threshold` (e.g. 0.005). Pairs above the threshold are missed even less.
    /// When nothing qualifies, the shape with the lowest miss probability wins.
    pub fn for_threshold(
        threshold: f64,
        slots: usize,
        max_bands: usize,
        miss_at_threshold: f64,
    ) -> Result<LshParams, LshError> {
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(LshError::BadThreshold(threshold));
        }
        let mut best: Option<(f64, LshParams)> = None;
        let mut fallback: Option<(f64, LshParams)> = None;
        for rows in 1..=slots {
            let bands = (slots / rows).min(max_bands.max(1));
            if bands == 0 {
                break;
            }
            let p = LshParams { bands, rows };
            let miss = 1.0 - p.probability(threshold);
            if fallback.is_none_or(|(m, _)| miss < m) {
                fallback = Some((miss, p));
            }
            if miss <= miss_at_threshold {
                let fp = p.false_positive_area(threshold);
                if best.is_none_or(|(f, _)| fp < f) {
                    best = Some((fp, p));
                }
            }
        }
        Ok(best.or(fallback).expect("slots >= 1").1)
    }

    /// Probability that a pair with Jaccard `j` shares at least one bucket.
    pub fn probability(&self, j: f64) -> f64 {
        1.0 - (1.0 - j.powi(self.rows as i32)).powi(self.bands as i32)
    }

    fn false_positive_area(&self, threshold: f64) -> f64 {
        let steps = 200;
        (0..steps)
            .map(|i| self.probability(threshold * (i as f64 + 0.5) / steps as f64))
            .sum::<f64>()
            * threshold
            / steps as f64
    }

    /// Bucket keys of a signature, one per band, written into `out` (length `bands`).
    /// The band index is mixed in, so equal keys in different bands never collide.
    pub fn band_keys(&self, signature: &[u32], out: &mut [u32]) {
        debug_assert!(signature.len() >= self.bands * self.rows);
        for (b, key) in out.iter_mut().enumerate().take(self.bands) {
            let mut acc = b as u64 + 1;
            for &v in &signature[b * self.rows..(b + 1) * self.rows] {
                acc = combine(acc, v as u64);
            }
            *key = (fmix64(acc) >> 32) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_threshold_gives_high_recall_and_fits_memory() {
        let p = LshParams::for_threshold(0.8, 128, 24, 0.005).unwrap();
        assert!(p.bands * p.rows <= 128);
        assert!(p.bands <= 24);
        assert!(p.probability(0.8) >= 0.995, "{p:?}");
        assert!(p.probability(0.3) < 0.1, "{p:?}");
    }

    #[test]
    fn lower_thresholds_use_shorter_bands() {
        let hi = LshParams::for_threshold(0.9, 128, 64, 0.005).unwrap();
        let lo = LshParams::for_threshold(0.5, 128, 64, 0.005).unwrap();
        assert!(lo.rows < hi.rows);
        assert!(lo.probability(0.5) >= 0.995);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(LshParams::for_threshold(0.0, 128, 20, 0.01).is_err());
        assert!(LshParams::for_threshold(1.5, 128, 20, 0.01).is_err());
        assert!(LshParams::new(20, 7, 128).is_err());
    }

    #[test]
    fn equal_bands_give_equal_keys() {
        let p = LshParams::new(2, 2, 4).unwrap();
        let (mut a, mut b) = ([0u32; 2], [0u32; 2]);
        p.band_keys(&[1, 2, 3, 4], &mut a);
        p.band_keys(&[1, 2, 9, 9], &mut b);
        assert_eq!(a[0], b[0]);
        assert_ne!(a[1], b[1]);
        // Same values in different bands do not collide.
        p.band_keys(&[5, 6, 5, 6], &mut a);
        assert_ne!(a[0], a[1]);
    }
}
