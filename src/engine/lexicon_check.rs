//! `lexicon check`: every entry's examples, run through the whole engine.
//!
//! Contract: an entry passes when each `examples.hit` text, scanned as plain
//! text on its own, yields a finding with the entry's id (as its rule, or in
//! `also` when a longer finding covers it), and no `examples.miss` text does. Failures name the file, line, entry and example.

use super::document::Document;
use super::pipeline::Engine;
use std::fmt;

/// One example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub file: String,
    pub line: usize,
    pub entry: String,
    pub example: String,
    /// True when the example should have hit.
    pub expected_hit: bool,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.expected_hit {
            "examples.hit does not hit"
        } else {
            "examples.miss hits"
        };
        write!(
            f,
            "{}:{}: entry \"{}\" {what}: {:?}",
            self.file, self.line, self.entry, self.example
        )
    }
}

/// Summary of a check run.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub entries: usize,
    pub examples: usize,
    pub failures: Vec<ExampleFailure>,
}

/// Runs every example of every entry of the engine's lexicon.
pub fn check_examples(engine: &Engine) -> CheckReport {
    let mut report = CheckReport::default();
    for entry in &engine.lexicon().entries {
        report.entries += 1;
        let cases = entry
            .examples
            .hit
            .iter()
            .map(|e| (e, true))
            .chain(entry.examples.miss.iter().map(|e| (e, false)));
        for (example, expected_hit) in cases {
            report.examples += 1;
            let verdict = engine.scan(&Document::text(example));
            // A hit inside a longer one of its category is told in `also`.
            let hit = verdict
                .findings
                .iter()
                .any(|f| f.rule == entry.id || f.explanation.also.contains(&entry.id));
            if hit != expected_hit {
                report.failures.push(ExampleFailure {
                    file: entry.file.clone(),
                    line: entry.line,
                    entry: entry.id.clone(),
                    example: example.clone(),
                    expected_hit,
                });
            }
        }
    }
    report
}
