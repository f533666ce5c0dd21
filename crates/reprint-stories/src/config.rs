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
    /// [`crate::StoryStream`]: a document joins the best story when its similarity to the
    /// story's centroid reaches this threshold.
    pub join_threshold: f64,
    /// [`crate::cluster`]: two stories are linked while the average similarity over all
    /// pairs of their documents reaches this threshold (average-link clustering; a pair that
    /// was not retrieved as a candidate counts as 0).
    #[serde(default = "defaults::link_threshold")]
    pub link_threshold: f64,
    /// [`crate::cluster`]: most similar documents kept per document in the similarity graph.
    #[serde(default = "defaults::neighbors")]
    pub neighbors: usize,
    /// Term multiplier for numbers of two or more digits (years, counts, scores): specifics
    /// that tell two events of one kind apart. `0` leaves numbers out (and is what a stored
    /// configuration from before this setting reads as).
    #[serde(default)]
    pub number_boost: f32,
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
            link_threshold: defaults::link_threshold(),
            neighbors: defaults::neighbors(),
            number_boost: 0.0,
            window_days: 7,
            index_keys: 12,
            max_postings: 256,
        }
    }
}

mod defaults {
    pub fn link_threshold() -> f64 {
        0.425
    }
    pub fn neighbors() -> usize {
        24
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
        if !(self.link_threshold.is_finite() && self.link_threshold > 0.0) {
            return bad("link_threshold", "must be > 0");
        }
        if self.neighbors == 0 {
            return bad("neighbors", "must be > 0");
        }
        if !(self.number_boost.is_finite() && self.number_boost >= 0.0) {
            return bad("number_boost", "must be >= 0");
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
