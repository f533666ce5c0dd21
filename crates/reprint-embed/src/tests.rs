use super::*;
use std::collections::HashMap;

const VOCAB: [&str; 5] = ["[UNK]", "moscow", "kyiv", "talks", "rain"];

fn tokenizer_json(vocab: &[&str]) -> String {
    let v: serde_json::Map<String, serde_json::Value> = vocab
        .iter()
        .enumerate()
        .map(|(i, w)| (w.to_string(), serde_json::Value::from(i)))
        .collect();
    serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": v, "unk_token": "[UNK]"}
    })
    .to_string()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes a model directory: `tensors` as (name, dtype, shape, bytes).
fn write_model(
    dir: &Path,
    weights_name: &str,
    tok_name: &str,
    tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)>,
) {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    let bytes = safetensors::serialize(views, None::<HashMap<String, String>>).unwrap();
    std::fs::write(dir.join(weights_name), bytes).unwrap();
    std::fs::write(dir.join(tok_name), tokenizer_json(&VOCAB)).unwrap();
}

/// A model2vec directory whose only tensor is `embeddings`.
fn write_embeddings(dir: &Path, dtype: Dtype, shape: Vec<usize>, bytes: Vec<u8>) {
    let name = "model.safetensors";
    write_model(
        dir,
        name,
        "tokenizer.json",
        vec![("embeddings", dtype, shape, bytes)],
    );
}

/// Token i's vector is the unit vector on axis i-1 (3 dims; "rain" is (1, 1, 0)).
fn matrix() -> Vec<f32> {
    vec![
        9.0, 9.0, 9.0, // [UNK]: never read
        1.0, 0.0, 0.0, // moscow
        0.0, 1.0, 0.0, // kyiv
        0.0, 0.0, 1.0, // talks
        1.0, 1.0, 0.0, // rain
    ]
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3)
}

#[test]
fn model2vec_layout_means_tokens_and_skips_unknown() {
    let dir = tempfile::tempdir().unwrap();
    write_embeddings(dir.path(), Dtype::F32, vec![5, 3], f32_bytes(&matrix()));
    let m = StaticModel::load(dir.path()).unwrap();
    assert_eq!((m.rows(), m.dim()), (5, 3));
    let e = m.embed("Moscow  TALKS zebra").unwrap().unwrap();
    let r = 0.5f32.sqrt();
    assert!(close(&e, &[r, 0.0, r]), "{e:?}");
    assert_eq!(m.embed("").unwrap(), None);
    assert_eq!(m.embed("zebra okapi").unwrap(), None, "only unknown tokens");
    assert!(m.describe().contains("5 vectors × 3 dims"));
}

#[test]
fn max_tokens_cuts_the_text() {
    let dir = tempfile::tempdir().unwrap();
    write_embeddings(dir.path(), Dtype::F32, vec![5, 3], f32_bytes(&matrix()));
    let m = StaticModel::load(dir.path()).unwrap().with_max_tokens(1);
    assert!(close(
        &m.embed("kyiv moscow").unwrap().unwrap(),
        &[0.0, 1.0, 0.0]
    ));
    // A huge text costs a bounded prefix.
    let huge = "kyiv ".repeat(1_000_000);
    assert!(close(&m.embed(&huge).unwrap().unwrap(), &[0.0, 1.0, 0.0]));
}

#[test]
fn wordllama_layout_f16_and_file_path() {
    let dir = tempfile::tempdir().unwrap();
    let half: Vec<u8> = matrix()
        .iter()
        .flat_map(|&x| half::f16::from_f32(x).to_le_bytes())
        .collect();
    write_model(
        dir.path(),
        "l2_supercat_3.safetensors",
        "l2_supercat_tokenizer_config.json",
        vec![("embedding.weight", Dtype::F16, vec![5, 3], half)],
    );
    for p in [
        dir.path().to_path_buf(),
        dir.path().join("l2_supercat_3.safetensors"),
    ] {
        let m = StaticModel::load(&p).unwrap();
        let e = m.embed("rain").unwrap().unwrap();
        let r = 0.5f32.sqrt();
        assert!(close(&e, &[r, r, 0.0]), "{e:?}");
    }
}

#[test]
fn mapping_and_weights_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    // Two rows; moscow and rain share row 1; talks weighs 3.
    let rows = vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    let mapping: Vec<u8> = [0i64, 1, 2, 2, 1]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let weights = f32_bytes(&[1.0, 1.0, 1.0, 3.0, 1.0]);
    write_model(
        dir.path(),
        "model.safetensors",
        "tokenizer.json",
        vec![
            ("embeddings", Dtype::F32, vec![3, 3], f32_bytes(&rows)),
            ("mapping", Dtype::I64, vec![5], mapping),
            ("weights", Dtype::F32, vec![5], weights),
        ],
    );
    let m = StaticModel::load(dir.path()).unwrap();
    // moscow → row 1 (1,0,0)·1; talks → row 2 (0,1,0)·3.
    let e = m.embed("moscow talks").unwrap().unwrap();
    let n = 10f32.sqrt();
    assert!(close(&e, &[1.0 / n, 3.0 / n, 0.0]), "{e:?}");
}

#[test]
fn bad_models_say_which_file_and_why() {
    let err = |dir: &Path| StaticModel::load(dir).unwrap_err().to_string();
    let dir = tempfile::tempdir().unwrap();
    assert!(err(&dir.path().join("absent")).contains("cannot open"));
    assert!(err(dir.path()).contains("no model.safetensors"));
    // Not a safetensors file.
    std::fs::write(dir.path().join("model.safetensors"), b"garbage").unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), tokenizer_json(&VOCAB)).unwrap();
    let e = err(dir.path());
    assert!(
        e.contains("model.safetensors") && e.contains("not a safetensors file"),
        "{e}"
    );
    // Fewer vectors than tokens.
    write_embeddings(
        dir.path(),
        Dtype::F32,
        vec![2, 3],
        f32_bytes(&matrix()[..6]),
    );
    assert!(err(dir.path()).contains("2 token vectors for a tokenizer of 5 tokens"));
    // An integer matrix.
    write_embeddings(dir.path(), Dtype::I32, vec![5, 3], f32_bytes(&matrix()));
    assert!(err(dir.path()).contains("F32, F16, BF16 and F64"));
    // A broken tokenizer.
    write_embeddings(dir.path(), Dtype::F32, vec![5, 3], f32_bytes(&matrix()));
    std::fs::write(dir.path().join("tokenizer.json"), "{").unwrap();
    let e = err(dir.path());
    assert!(
        e.contains("tokenizer.json") && e.contains("not a tokenizer.json"),
        "{e}"
    );
    // Two candidates and no preferred name.
    let two = tempfile::tempdir().unwrap();
    write_model(
        two.path(),
        "a.safetensors",
        "tokenizer.json",
        vec![("embeddings", Dtype::F32, vec![5, 3], f32_bytes(&matrix()))],
    );
    std::fs::copy(
        two.path().join("a.safetensors"),
        two.path().join("b.safetensors"),
    )
    .unwrap();
    assert!(err(two.path()).contains("several candidates (a.safetensors, b.safetensors)"));
}
