//! What every reader target does: the bytes become a file of the format's name, and reading
//! it must give records or errors, never a panic, a hang or unbounded memory.

use reprint_io::{InputConfig, Inputs};

/// Reads `data` as a file named `name` twice: with JSON parsed on the reading thread and
/// deferred to `Record::finish` (as the pipeline's workers parse it).
pub fn read_all(name: &str, data: &[u8]) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, data).expect("write the input");
    for defer in [false, true] {
        let cfg = InputConfig {
            defer_json: defer,
            max_record_bytes: 1 << 16,
            ..InputConfig::default()
        };
        if let Ok(inputs) = Inputs::open(std::slice::from_ref(&path), &cfg) {
            for r in inputs.take(10_000) {
                let _ = r.and_then(|r| r.finish(&cfg));
            }
        }
    }
}
