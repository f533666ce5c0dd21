//! The seeds' HTML report, rendered in headless Chromium.

use crate::records;
use std::path::PathBuf;

#[test]
fn seeds_report_renders_every_level_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("seeds.html");
    records(&["analyze", "--quiet", "--report", html.to_str().unwrap()]);
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("analyze-seeds-report.png");
    let dom = match reprint_report::browser::chromium_dump_dom(&html, Some(&shot)) {
        Ok(dom) => dom,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
            eprintln!(
                "note: chromium not installed ({e}); install Debian's chromium to run this test"
            );
            return;
        }
        Err(e) => panic!("headless chromium failed: {e}"),
    };
    // The 000/001 duplicate cluster, with the dropped copy.
    assert!(dom.contains("Cluster #0"), "cluster missing");
    assert!(dom.contains("dropped"), "dropped member missing");
    // The 003/004 shared paragraph, highlighted.
    assert!(
        dom.contains("<mark") && dom.contains("The West and Kiev have recently been"),
        "shared paragraph missing"
    );
    // The 000/001/002 story with its lead entity.
    assert!(dom.contains("Mario Draghi"), "story label missing");
    for id in ["000", "001", "002"] {
        assert!(dom.contains(id));
    }
    assert!(shot.exists(), "screenshot saved");
}
