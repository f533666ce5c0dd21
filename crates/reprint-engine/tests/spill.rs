//! A text the engine spilled to disk that cannot be read back fails the run with
//! `EngineError::Spill`: nothing computed from an empty stand-in text is returned.

use reprint_engine::{Config, Engine, EngineError, Observer, Threads};
mod common;

use common::records;
use reprint_io::InputConfig;
use reprint_reuse::ReuseConfig;
use std::path::{Path, PathBuf};

fn texts() -> Vec<String> {
    let shared =
        "the minister said the talks on gas supplies would resume next week in the capital \
                  after both sides agreed on a schedule for the delegations";
    (0..300)
        .map(|i| {
            format!("document {i} opens with words of its own, number {i}. {shared}. it ends {i}.")
        })
        .collect()
}

/// Cuts every file the process holds open in `dir` (the engine's unnamed spill files) to
/// nothing when the reuse stage starts: what a full or failing disk, or another process,
/// could do to them.
struct CutSpill(PathBuf);

impl CutSpill {
    fn cut(&self) -> usize {
        let mut cut = 0;
        for fd in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            if target.starts_with(&self.0) {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(fd.path())
                    .unwrap();
                f.set_len(0).unwrap();
                cut += 1;
            }
        }
        cut
    }
}

impl Observer for CutSpill {
    fn phase(&self, name: &str) {
        if name.contains("reused passages") {
            assert!(
                self.cut() > 0,
                "no spill file open under {}",
                self.0.display()
            );
        }
    }
}

fn engine(spill: &Path) -> Engine {
    let cfg = Config::builder()
        .threads(Threads::Caller)
        .reuse(Some(ReuseConfig::default()))
        // Nothing in memory: every text goes to the spill file.
        .memory(0, Some(spill.to_path_buf()))
        .build()
        .unwrap();
    Engine::new(cfg).unwrap()
}

#[test]
fn spilled_texts_found_as_written_when_the_file_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let found = engine(dir.path())
        .run(records(&texts()).into_iter(), &InputConfig::default(), &())
        .unwrap();
    found.texts_read_back().unwrap();
    let passages = found.reuse().expect("reuse ran").passages.len();
    assert!(passages > 0, "the shared sentence is a passage");
}

#[cfg(target_os = "linux")]
#[test]
fn a_spilled_text_that_cannot_be_read_back_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let observer = CutSpill(dir.path().canonicalize().unwrap());
    let err = engine(dir.path())
        .run(
            records(&texts()).into_iter(),
            &InputConfig::default(),
            &observer,
        )
        .err()
        .expect("a run over a cut spill file must fail");
    assert!(matches!(err, EngineError::Spill(_)), "{err}");
}
