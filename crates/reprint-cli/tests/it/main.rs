//! Integration tests of the `reprint` binary, one module per concern.

mod accuracy;
mod formats;
mod harm;
mod index;
mod inputs;
mod report;
mod reuse;
mod seeds;
mod serve;
mod stories;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `reprint` with `args`; returns the output.
pub fn reprint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(args)
        .output()
        .expect("run reprint")
}

/// Runs `reprint`, asserts success, parses the JSONL on standard output.
pub fn records(args: &[&str]) -> Vec<Value> {
    let out = reprint(args);
    assert!(
        out.status.success(),
        "reprint {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// Records of one type.
pub fn of_type<'a>(recs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    recs.iter().filter(|r| r["type"] == kind).collect()
}

/// The repository's examples/news directory.
pub fn news_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/news")
        .display()
        .to_string()
}

/// The development corpora (../shared/data); CI must have them.
pub fn data_dir() -> Option<std::path::PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if d.exists() {
        Some(d)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have ../shared/data beside the checkout"
        );
        eprintln!("note: {} not present; test skipped", d.display());
        None
    }
}

/// The member ids of each story record, in output order.
pub fn story_members(recs: &[serde_json::Value]) -> Vec<Vec<&str>> {
    of_type(recs, "story")
        .iter()
        .map(|s| {
            s["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect()
        })
        .collect()
}
