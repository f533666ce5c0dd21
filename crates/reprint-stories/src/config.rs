//! Configuration and errors.

/// Settings for features, similarity and clustering. Build once, check with
/// [`StoriesConfig::validate`] (every entry point does).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoriesConfig {
    /// Weight of the TF-IDF term cosine in [`crate::pair_similarity`].
    pub term_weight: f64,
    /// Weight of the named-entity cosine (used only when both sides have entities).
    pub entity_weight: f64,
    /// Weight of the dense embedding cosine (used only when both sides have embeddings).
    pub embedding_weight: f64,
    /// Half-life of the time decay, in days: documents this far apart keep half of the
    /// decaying part of their similarity.
    pub half_life_days: f64,
    /// Share of the content similarity that does not decay with time, in `[0, 1]`; the rest
    /// decays with [`Self::half_life_days`]. `1.0` turns the time feature off.
    pub time_floor: f64,
    /// Term multiplier for words of the title.
    pub title_boost: f32,
    /// Term multiplier for words of the lead (the first [`Self::lead_sentences`] sentences).
    pub lead_boost: f32,
    /// Sentences of the body that count as the lead.
    pub lead_sentences: usize,
    /// Terms kept per document (highest weights); bounds memory and time per document.
    pub max_terms: usize,
    /// Terms kept per story centroid.
    pub max_story_terms: usize,
    /// Document frequency smoothing: `idf = ln((n + prior) / (df + 1)) + 1` with `prior`
    /// pseudo-documents that contain nothing, so a handful of documents still give
    /// useful weights.
    pub idf_prior_docs: f64,
    /// A document joins the best story when its similarity reaches this threshold.
    pub join_threshold: f64,
    /// In [`crate::cluster`], two stories whose centroids reach this similarity are merged.
    /// Values above `1.0` turn the merge pass off.
    pub merge_threshold: f64,
    /// Only stories seen within this many days of a document are candidates for it.
    pub window_days: i64,
    /// Keys (top terms and entities) of a story put into the candidate index.
    pub index_keys: usize,
    /// Candidate stories read from each posting list (the most recent ones).
    pub max_postings: usize,
}

impl Default for StoriesConfig {
    fn default() -> StoriesConfig {
        StoriesConfig {
            term_weight: 0.6,
            entity_weight: 0.25,
            embedding_weight: 0.5,
            half_life_days: 3.0,
            time_floor: 0.3,
            title_boost: 2.0,
            lead_boost: 1.5,
            lead_sentences: 2,
            max_terms: 100,
            max_story_terms: 200,
            idf_prior_docs: 2.0,
            join_threshold: 0.4,
            merge_threshold: 0.55,
            window_days: 7,
            index_keys: 12,
            max_postings: 256,
        }
    }
}

/// What can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoriesError {
    /// A configuration value is out of range.
    #[error("invalid stories config: {field} {reason}")]
    InvalidConfig {
        /// Name of the field.
        field: &'static str,
        /// Why it is rejected.
        reason: &'static str,
    },
}

impl StoriesConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), StoriesError> {
        let bad = |field, reason| Err(StoriesError::InvalidConfig { field, reason });
        for (field, w) in [
            ("term_weight", self.term_weight),
            ("entity_weight", self.entity_weight),
            ("embedding_weight", self.embedding_weight),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return bad(field, "must be a finite number >= 0");
            }
        }
        if self.term_weight <= 0.0 {
            return bad("term_weight", "must be > 0");
        }
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return bad("half_life_days", "must be > 0");
        }
        if !(0.0..=1.0).contains(&self.time_floor) {
            return bad("time_floor", "must be in [0, 1]");
        }
        if !(self.title_boost.is_finite() && self.title_boost > 0.0) {
            return bad("title_boost", "must be > 0");
        }
        if !(self.lead_boost.is_finite() && self.lead_boost > 0.0) {
            return bad("lead_boost", "must be > 0");
        }
        if self.max_terms == 0 || self.max_story_terms == 0 {
            return bad("max_terms", "max_terms and max_story_terms must be > 0");
        }
        if !(self.idf_prior_docs.is_finite() && self.idf_prior_docs >= 0.0) {
            return bad("idf_prior_docs", "must be >= 0");
        }
        if !(self.join_threshold.is_finite() && self.join_threshold >= 0.0) {
            return bad("join_threshold", "must be >= 0");
        }
        if self.merge_threshold.is_nan() {
            return bad("merge_threshold", "must be a number");
        }
        if self.window_days < 0 {
            return bad("window_days", "must be >= 0");
        }
        if self.index_keys == 0 || self.max_postings == 0 {
            return bad("index_keys", "index_keys and max_postings must be > 0");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        StoriesConfig::default().validate().unwrap();
    }

    #[test]
    fn rejects_bad_values() {
        type Edit = fn(&mut StoriesConfig);
        let cases: Vec<(Edit, &str)> = vec![
            (|c| c.half_life_days = 0.0, "half_life_days"),
            (|c| c.time_floor = 1.5, "time_floor"),
            (|c| c.term_weight = 0.0, "term_weight"),
            (|c| c.entity_weight = f64::NAN, "entity_weight"),
            (|c| c.window_days = -1, "window_days"),
            (|c| c.max_terms = 0, "max_terms"),
        ];
        for (edit, field) in cases {
            let mut c = StoriesConfig::default();
            edit(&mut c);
            match c.validate() {
                Err(StoriesError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
