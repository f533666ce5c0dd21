//! Static sentence embeddings from local files, for the story level's optional semantic
//! evidence (`reprint stories --model PATH`).
//!
//! A static model is a tokenizer and one vector per token: a text's embedding is the mean of
//! its tokens' vectors, scaled to unit length. Two layouts are read, both a Hugging Face
//! `tokenizer.json` beside a `safetensors` file:
//!
//! - **model2vec** (`minishlab/potion-*`, and models distilled with the `model2vec` package):
//!   a directory with `tokenizer.json` and `model.safetensors` holding `embeddings`
//!   (tokens × dims), optionally per-token `weights` and a token → row `mapping`;
//! - **WordLlama** (the `wordllama` wheel on PyPI bundles `l2_supercat_256.safetensors`
//!   with `embedding.weight`, and `l2_supercat_tokenizer_config.json`): a directory (or the
//!   `.safetensors` file) whose only `*.safetensors` and only `*tokenizer*.json` are the pair.
//!
//! Nothing is downloaded: the path must hold the files. Tokenization is the `tokenizers`
//! crate (pure Rust, with its `fancy-regex` backend), so BPE, WordPiece, Unigram and
//! word-level vocabularies read exactly as they do in Python. Weights may be F32, F16, BF16
//! or F64; they are held as F32 (a 32,000 × 256 model is 33 MB in memory).
//!
//! A text is cut to its first [`StaticModel::max_tokens`] tokens (512, as model2vec does;
//! the bytes read are bounded too), so a huge document costs no more than a long one.

use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use tokenizers::Tokenizer;

/// A model that cannot be loaded, or a text it cannot tokenize.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file is missing, unreadable or not what a static model holds.
    #[error("model {}: {reason}", path.display())]
    Invalid {
        /// The file (or directory) at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The tokenizer rejected a text.
    #[error("the model's tokenizer failed: {0}")]
    Tokenize(String),
}

fn invalid(path: &Path, reason: impl Into<String>) -> ModelError {
    ModelError::Invalid {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Tokens read per text by default (model2vec's default `max_length`).
pub const DEFAULT_MAX_TOKENS: usize = 512;

/// A static embedding model in memory. Cheap to share across threads (`&self` everywhere).
pub struct StaticModel {
    tokenizer: Tokenizer,
    /// `rows × dim` vectors, row-major.
    vectors: Vec<f32>,
    dim: usize,
    rows: usize,
    /// Token id → row (model2vec vocabulary quantization); identity when absent.
    mapping: Option<Vec<u32>>,
    /// Per-token scale (model2vec `weights`).
    weights: Option<Vec<f32>>,
    /// Token ids that carry no meaning (the unknown token).
    skip: Vec<u32>,
    max_tokens: usize,
    weights_path: PathBuf,
    tokenizer_path: PathBuf,
}

impl std::fmt::Debug for StaticModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticModel")
            .field("weights", &self.weights_path)
            .field("tokenizer", &self.tokenizer_path)
            .field("rows", &self.rows)
            .field("dim", &self.dim)
            .finish()
    }
}

impl StaticModel {
    /// Loads the model at `path`: a directory holding the tokenizer and the weights, or the
    /// weights file itself (the tokenizer is then looked for beside it).
    pub fn load(path: &Path) -> Result<StaticModel, ModelError> {
        let (weights_path, tokenizer_path) = locate(path)?;
        let bytes = std::fs::read(&weights_path)
            .map_err(|e| invalid(&weights_path, format!("cannot read: {e}")))?;
        let tensors = SafeTensors::deserialize(&bytes)
            .map_err(|e| invalid(&weights_path, format!("not a safetensors file: {e}")))?;
        let (name, matrix) = embedding_tensor(&tensors, &weights_path)?;
        let (rows, dim) = (matrix.shape()[0], matrix.shape()[1]);
        if rows == 0 || dim == 0 {
            return Err(invalid(
                &weights_path,
                format!("tensor \"{name}\" is empty ({rows} × {dim})"),
            ));
        }
        let vectors = to_f32(&matrix, &weights_path, &name)?;
        if let Some(i) = vectors.iter().position(|x| !x.is_finite()) {
            return Err(invalid(
                &weights_path,
                format!(
                    "tensor \"{name}\" has a non-finite value in row {} (column {})",
                    i / dim,
                    i % dim
                ),
            ));
        }
        let tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| invalid(&tokenizer_path, format!("not a tokenizer.json: {e}")))?;
        let vocab = tokenizer.get_vocab_size(true);
        let mapping = match tensors.tensor("mapping") {
            Ok(t) => {
                let m = to_ids(&t, &weights_path)?;
                if let Some((id, &row)) = m.iter().enumerate().find(|(_, &r)| r as usize >= rows) {
                    return Err(invalid(
                        &weights_path,
                        format!("\"mapping\" sends token {id} to row {row}, past the {rows} rows"),
                    ));
                }
                Some(m)
            }
            Err(_) => None,
        };
        let covered = mapping.as_ref().map_or(rows, Vec::len);
        if covered < tokenizer.get_vocab_size(false) {
            return Err(invalid(
                &weights_path,
                format!(
                    "{covered} token vectors for a tokenizer of {} tokens ({}): not a pair",
                    tokenizer.get_vocab_size(false),
                    tokenizer_path.display()
                ),
            ));
        }
        let weights = match tensors.tensor("weights") {
            Ok(t) => {
                let w = to_f32(&t, &weights_path, "weights")?;
                if w.len() < covered.min(vocab) {
                    return Err(invalid(
                        &weights_path,
                        format!("\"weights\" has {} entries for {covered} tokens", w.len()),
                    ));
                }
                Some(w)
            }
            Err(_) => None,
        };
        let skip = ["[UNK]", "<unk>", "<UNK>"]
            .iter()
            .filter_map(|t| tokenizer.token_to_id(t))
            .collect();
        Ok(StaticModel {
            tokenizer,
            vectors,
            dim,
            rows,
            mapping,
            weights,
            skip,
            max_tokens: DEFAULT_MAX_TOKENS,
            weights_path,
            tokenizer_path,
        })
    }

    /// Sets how many tokens of a text are read (at least 1).
    pub fn with_max_tokens(mut self, max_tokens: usize) -> StaticModel {
        self.max_tokens = max_tokens.max(1);
        self
    }

    /// Tokens read per text.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Dimensions of an embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Token vectors held.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// One line for logs and summaries: the files and the shape.
    pub fn describe(&self) -> String {
        format!(
            "{} ({} vectors × {} dims; tokenizer {})",
            self.weights_path.display(),
            self.rows,
            self.dim,
            self.tokenizer_path.display()
        )
    }

    /// The unit-length embedding of `text`, or `None` when none of its tokens has a vector
    /// (an empty text, or only unknown tokens).
    pub fn embed(&self, text: &str) -> Result<Option<Vec<f32>>, ModelError> {
        // A token is rarely longer than 16 bytes: reading more than that per token cannot
        // change the first `max_tokens` tokens but for the one cut at the end.
        let text = prefix(text, self.max_tokens.saturating_mul(16));
        let enc = self
            .tokenizer
            .encode_fast(text, false)
            .map_err(|e| ModelError::Tokenize(e.to_string()))?;
        let mut sum = vec![0f32; self.dim];
        let mut n = 0usize;
        for &id in enc.get_ids().iter().take(self.max_tokens) {
            if self.skip.contains(&id) {
                continue;
            }
            let row = match &self.mapping {
                Some(m) => match m.get(id as usize) {
                    Some(&r) => r as usize,
                    None => continue,
                },
                None => id as usize,
            };
            if row >= self.rows {
                continue;
            }
            let scale = self
                .weights
                .as_ref()
                .and_then(|w| w.get(id as usize))
                .copied()
                .unwrap_or(1.0);
            let v = &self.vectors[row * self.dim..(row + 1) * self.dim];
            for (s, x) in sum.iter_mut().zip(v) {
                *s += scale * x;
            }
            n += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        let norm = sum.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return Ok(None);
        }
        Ok(Some(
            sum.iter().map(|&x| (x as f64 / norm) as f32).collect(),
        ))
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The weights file and the tokenizer file for `path`.
fn locate(path: &Path) -> Result<(PathBuf, PathBuf), ModelError> {
    let meta = std::fs::metadata(path).map_err(|e| invalid(path, format!("cannot open: {e}")))?;
    let (dir, weights) = if meta.is_dir() {
        let w = pick(path, "model.safetensors", |n| n.ends_with(".safetensors"))?;
        (path.to_path_buf(), w)
    } else {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        (dir, path.to_path_buf())
    };
    let tokenizer = pick(&dir, "tokenizer.json", |n| {
        n.ends_with(".json") && n.contains("tokenizer")
    })?;
    Ok((weights, tokenizer))
}

/// `preferred` in `dir`, or else the one file whose name `matches`.
fn pick(
    dir: &Path,
    preferred: &str,
    matches: impl Fn(&str) -> bool,
) -> Result<PathBuf, ModelError> {
    let p = dir.join(preferred);
    if p.is_file() {
        return Ok(p);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| invalid(dir, format!("cannot list: {e}")))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(&matches))
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.pop().expect("one")),
        0 => Err(invalid(
            dir,
            format!("no {preferred} (a static model is a tokenizer.json and a .safetensors file)"),
        )),
        _ => Err(invalid(
            dir,
            format!(
                "no {preferred} and several candidates ({}): pass the one to use",
                found
                    .iter()
                    .filter_map(|p| p.file_name()?.to_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The token-vector matrix: `embeddings` (model2vec), `embedding.weight` (WordLlama), or the
/// only two-dimensional tensor.
fn embedding_tensor<'a>(
    tensors: &'a SafeTensors<'a>,
    path: &Path,
) -> Result<(String, TensorView<'a>), ModelError> {
    for name in ["embeddings", "embedding.weight"] {
        if let Ok(t) = tensors.tensor(name) {
            if t.shape().len() != 2 {
                return Err(invalid(
                    path,
                    format!(
                        "tensor \"{name}\" has shape {:?}, not tokens × dims",
                        t.shape()
                    ),
                ));
            }
            return Ok((name.to_string(), t));
        }
    }
    let mut matrices: Vec<(String, TensorView<'a>)> = tensors
        .tensors()
        .into_iter()
        .filter(|(_, t)| t.shape().len() == 2)
        .collect();
    matrices.sort_by(|a, b| a.0.cmp(&b.0));
    match matrices.len() {
        1 => Ok(matrices.pop().expect("one")),
        0 => Err(invalid(path, "no two-dimensional tensor (tokens × dims)")),
        _ => Err(invalid(
            path,
            format!(
                "no \"embeddings\" tensor and several matrices ({})",
                matrices
                    .iter()
                    .map(|m| m.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn to_f32(t: &TensorView<'_>, path: &Path, name: &str) -> Result<Vec<f32>, ModelError> {
    let d = t.data();
    Ok(match t.dtype() {
        Dtype::F32 => d
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => d
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => d
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::F64 => d
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
            .collect(),
        other => {
            return Err(invalid(
                path,
                format!("tensor \"{name}\" is {other:?}; F32, F16, BF16 and F64 are read"),
            ))
        }
    })
}

fn to_ids(t: &TensorView<'_>, path: &Path) -> Result<Vec<u32>, ModelError> {
    let d = t.data();
    let wide: Vec<i64> = match t.dtype() {
        Dtype::I64 => d
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect(),
        Dtype::I32 => d
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes(b.try_into().expect("4 bytes")) as i64)
            .collect(),
        Dtype::U32 => d
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as i64)
            .collect(),
        other => {
            return Err(invalid(
                path,
                format!("tensor \"mapping\" is {other:?}; I64, I32 and U32 are read"),
            ))
        }
    };
    wide.into_iter()
        .map(|x| u32::try_from(x).map_err(|_| invalid(path, format!("\"mapping\" holds {x}"))))
        .collect()
}

#[cfg(test)]
mod tests;
