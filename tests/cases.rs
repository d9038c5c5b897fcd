//! Runs every table-driven case under `fixtures/cases/*.toml` through the
//! embedded engine.
//!
//! A case gives `text` (and `format = "html"` for HTML), the expected
//! `decision`, and `expect`: the findings in order (by start offset), each
//! with a `rule` and optionally `text`, `start`, `end` (chars of the original
//! input), `severity` and `also` (rules it names as matching inside it). `expect = []` means no finding at all. Whatever the
//! case says, every finding's offsets must slice its `text` out of the
//! original input, in chars and in UTF-16 units.

use baomi::{Document, Engine, Format, ScanOptions};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    #[serde(default)]
    format: Format,
    decision: Option<String>,
    expect: Vec<Expected>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule: String,
    text: Option<String>,
    start: Option<usize>,
    end: Option<usize>,
    severity: Option<String>,
    /// Rules the finding names as also matching inside it.
    #[serde(default)]
    also: Vec<String>,
}

fn utf16_slice(s: &str, start: usize, end: usize) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    String::from_utf16(&units[start..end]).expect("UTF-16 offsets cut a surrogate pair")
}

#[test]
fn fixture_cases() {
    let engine = Engine::embedded().expect("bundled lexicons build");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/cases exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed: CaseFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let file_name = file.file_name().unwrap().to_string_lossy().to_string();
        for case in parsed.case {
            count += 1;
            let label = format!("{file_name} / {}", case.name);
            let doc = Document {
                content: &case.text,
                format: case.format,
            };
            let verdict = engine.scan_with(
                &doc,
                &ScanOptions {
                    utf16_offsets: true,
                },
            );
            let chars: Vec<char> = case.text.chars().collect();
            for f in &verdict.findings {
                let sliced: String = chars[f.start..f.end].iter().collect();
                if sliced != f.text {
                    failures.push(format!(
                        "{label}: finding {} offsets {}..{} slice {sliced:?}, text is {:?}",
                        f.rule, f.start, f.end, f.text
                    ));
                }
                let (s16, e16) = (f.start_utf16.unwrap(), f.end_utf16.unwrap());
                if utf16_slice(&case.text, s16, e16) != f.text {
                    failures.push(format!(
                        "{label}: finding {} UTF-16 offsets {s16}..{e16} do not slice its text",
                        f.rule
                    ));
                }
            }
            if let Some(want) = &case.decision {
                if verdict.decision.as_str() != want {
                    failures.push(format!(
                        "{label}: decision {} (want {want})",
                        verdict.decision
                    ));
                }
            }
            let got: Vec<String> = verdict
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{}@{}..{} {:?} {}",
                        f.rule,
                        f.start,
                        f.end,
                        f.text,
                        f.severity.as_str()
                    )
                })
                .collect();
            if got.len() != case.expect.len() {
                failures.push(format!(
                    "{label}: {} findings {got:?}, want {}",
                    got.len(),
                    case.expect.len()
                ));
                continue;
            }
            for (f, want) in verdict.findings.iter().zip(&case.expect) {
                let mut bad = Vec::new();
                if f.rule != want.rule {
                    bad.push(format!("rule {} (want {})", f.rule, want.rule));
                }
                if want.also.iter().any(|r| !f.explanation.also.contains(r)) {
                    bad.push(format!(
                        "also {:?} (want {:?})",
                        f.explanation.also, want.also
                    ));
                }
                if want.text.as_ref().is_some_and(|t| *t != f.text) {
                    bad.push(format!(
                        "text {:?} (want {:?})",
                        f.text,
                        want.text.as_ref().unwrap()
                    ));
                }
                if want.start.is_some_and(|s| s != f.start) || want.end.is_some_and(|e| e != f.end)
                {
                    bad.push(format!(
                        "span {}..{} (want {:?}..{:?})",
                        f.start, f.end, want.start, want.end
                    ));
                }
                if want
                    .severity
                    .as_ref()
                    .is_some_and(|s| s != f.severity.as_str())
                {
                    bad.push(format!(
                        "severity {} (want {})",
                        f.severity.as_str(),
                        want.severity.as_ref().unwrap()
                    ));
                }
                if !bad.is_empty() {
                    failures.push(format!(
                        "{label}: {} — all findings: {got:?}",
                        bad.join(", ")
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} fixture cases passed");
}
