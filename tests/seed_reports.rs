//! The 14 public self-inspection reports in `../shared/seed-reports.txt`
//! (texts *about* secrecy work) must all pass: as one document, and line by
//! line (a line is a paragraph there), as text and wrapped in HTML.
//! The file lives beside the repository (it is not ours to copy in);
//! `BAOMI_SEED_REPORTS` may point elsewhere. A missing file fails the test.

use baomi::{Decision, Document, Engine};
use std::path::PathBuf;

#[test]
fn all_seed_reports_pass() {
    let path = std::env::var_os("BAOMI_SEED_REPORTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seed-reports.txt")
        });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("seed reports at {} are needed: {e}", path.display()));
    assert!(text.lines().count() > 100, "seed reports look truncated");
    let engine = Engine::embedded().unwrap();
    let whole = engine.scan(&Document::text(&text));
    let flagged: Vec<_> = whole
        .findings
        .iter()
        .filter(|f| f.severity > baomi::Severity::Info)
        .collect();
    assert!(flagged.is_empty(), "whole file flagged: {flagged:?}");
    assert_eq!(whole.decision, Decision::Pass);
    let html: String = text.lines().map(|l| format!("<p>{l}</p>\n")).collect();
    assert_eq!(engine.scan(&Document::html(&html)).decision, Decision::Pass);
    for (i, line) in text.lines().enumerate() {
        let v = engine.scan(&Document::text(line));
        assert_eq!(
            v.decision,
            Decision::Pass,
            "line {}: {:?}",
            i + 1,
            v.findings
        );
    }
}
