//! Attachments end to end: real (generated) .docx, .xlsx, .pdf, .zip, .csv
//! files through `attach::scan_attachment`, checking decisions, rule ids and
//! the locations a person would look at; then hostile files, each of which
//! must give a clear error and `review`, quickly, without a panic.

#[path = "../support/ofd.rs"]
mod ofd;
#[path = "../support/office.rs"]
mod office;
#[path = "../support/scan.rs"]
mod scanpage;

mod bombs;
mod formats;
mod holes;
mod hostile;
mod readers;
mod scans;

use baomi::attach::{extract_parts, Limits};
use baomi::{AttachmentVerdict, Decision, Document, Engine, ScanOptions};
use office::*;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::embedded().unwrap())
}

fn scan(name: &str, bytes: &[u8]) -> AttachmentVerdict {
    baomi::attach::scan_attachment(engine(), name, bytes, &ScanOptions::default())
}

fn scan_limited(name: &str, bytes: &[u8], limits: &Limits) -> AttachmentVerdict {
    baomi::attach::scan_attachment_with(engine(), name, bytes, &ScanOptions::default(), limits)
}

/// (rule, location, severity) of every finding, for assertions.
fn located(v: &AttachmentVerdict) -> Vec<(String, String, String)> {
    v.findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                f.location.clone().unwrap_or_default(),
                f.severity.as_str().to_string(),
            )
        })
        .collect()
}

/// Asserts that a finding of `rule` sits at `location` with `severity`.
#[track_caller]
fn assert_finding(v: &AttachmentVerdict, rule: &str, location: &str, severity: &str) {
    let all = located(v);
    assert!(
        all.iter()
            .any(|(r, l, s)| r == rule && l == location && s == severity),
        "want {rule} at {location:?} ({severity}); got {all:#?}; error: {:?}",
        v.error
    );
}

/// Asserts a clean `review` with an error that contains `needle`.
#[track_caller]
fn assert_review_error(v: &AttachmentVerdict, needle: &str) {
    assert_eq!(v.decision, Decision::Review, "{v:#?}");
    let error = v.error.as_deref().unwrap_or("");
    assert!(error.contains(needle), "want {needle:?} in error {error:?}");
}

const ID: &str = "11010519491231002X";

// ---------------------------------------------------------------- .docx
