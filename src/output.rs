//! Output formats of `baomi scan`: human, json, jsonl, csv and SARIF 2.1.0.
//!
//! Contract: each format renders a list of [`ScanRecord`]s (one per input, in
//! input order) and nothing else; the same records always render the same
//! bytes. A record that could not be scanned carries its error and the
//! decision `review` (fail closed).

use crate::verdict::{Decision, Finding, Verdict};
use serde_json::{json, Value};
use std::fmt::Write;

/// The result for one input: a verdict, or an error that made it unreadable.
#[derive(Debug, Clone)]
pub struct ScanRecord {
    /// The path as given (or `-` for stdin).
    pub path: String,
    pub outcome: Result<ScanOk, String>,
}

#[derive(Debug, Clone)]
pub struct ScanOk {
    pub verdict: Verdict,
    /// The original content, for showing hit lines in human output.
    pub content: String,
}

impl ScanRecord {
    /// The decision, `review` when the input could not be read.
    pub fn decision(&self) -> Decision {
        match &self.outcome {
            Ok(ok) => ok.verdict.decision,
            Err(_) => Decision::Review,
        }
    }
}

/// One finding as a JSON object (what `jsonl` and `json` print).
pub fn finding_json(f: &Finding) -> Value {
    serde_json::to_value(f).unwrap_or(Value::Null)
}

fn record_json(record: &ScanRecord) -> Value {
    match &record.outcome {
        Ok(ok) => json!({
            "path": record.path,
            "decision": ok.verdict.decision,
            "findings": ok.verdict.findings.iter().map(finding_json).collect::<Vec<_>>(),
            "lexicon_version": ok.verdict.lexicon_version,
            "engine_version": ok.verdict.engine_version,
        }),
        Err(error) => json!({
            "path": record.path,
            "decision": Decision::Review,
            "findings": [],
            "error": error,
        }),
    }
}

pub fn render_jsonl(records: &[ScanRecord]) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&record_json(r).to_string());
        out.push('\n');
    }
    out
}

pub fn render_json(records: &[ScanRecord]) -> String {
    let all: Vec<Value> = records.iter().map(record_json).collect();
    let mut out = serde_json::to_string_pretty(&all).unwrap_or_default();
    out.push('\n');
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per finding; an input without findings (or with an error) gets
/// one row with empty finding columns, so every input appears.
pub fn render_csv(records: &[ScanRecord]) -> String {
    let mut out = String::from("path,decision,rule,category,severity,line,start,end,text,error\n");
    for r in records {
        let path = csv_field(&r.path);
        match &r.outcome {
            Ok(ok) if !ok.verdict.findings.is_empty() => {
                for f in &ok.verdict.findings {
                    let _ = writeln!(
                        out,
                        "{path},{},{},{},{},{},{},{},{},",
                        ok.verdict.decision,
                        csv_field(&f.rule),
                        f.category,
                        f.severity.as_str(),
                        f.line,
                        f.start,
                        f.end,
                        csv_field(&f.text)
                    );
                }
            }
            Ok(ok) => {
                let _ = writeln!(out, "{path},{},,,,,,,,", ok.verdict.decision);
            }
            Err(e) => {
                let _ = writeln!(out, "{path},review,,,,,,,,{}", csv_field(e));
            }
        }
    }
    out
}

/// SARIF 2.1.0, one run; levels: block → error, review → warning, info → note.
pub fn render_sarif(records: &[ScanRecord], rules: &[(String, String)]) -> String {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for r in records {
        match &r.outcome {
            Ok(ok) => {
                for f in &ok.verdict.findings {
                    let level = match f.severity {
                        crate::Severity::Block => "error",
                        crate::Severity::Review => "warning",
                        crate::Severity::Info => "note",
                    };
                    results.push(json!({
                        "ruleId": f.rule,
                        "level": level,
                        "message": {"text": format!("{}（{}）", f.explanation.reason, f.explanation.legal_basis)},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"uri": r.path},
                            "region": {"startLine": f.line, "charOffset": f.start, "charLength": f.end - f.start}
                        }}],
                        "properties": {"category": f.category, "severity": f.severity, "decision": ok.verdict.decision}
                    }));
                }
            }
            Err(e) => notifications.push(json!({
                "level": "error",
                "message": {"text": e},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.path}}}]
            })),
        }
    }
    let rules: Vec<Value> = rules
        .iter()
        .map(|(id, reason)| json!({"id": id, "shortDescription": {"text": reason}}))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "baomi", "version": crate::ENGINE_VERSION, "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": notifications.is_empty(), "toolExecutionNotifications": notifications}]
        }]
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// For people: a line per input, then each finding with its line, the hit
/// marked `⟦…⟧` in its surrounding text, and the reason.
pub fn render_human(records: &[ScanRecord]) -> String {
    let mut out = String::new();
    for r in records {
        match &r.outcome {
            Err(e) => {
                let _ = writeln!(out, "{}: REVIEW (not scanned: {e})", r.path);
            }
            Ok(ok) => {
                let v = &ok.verdict;
                let label = match v.decision {
                    Decision::Pass => "PASS",
                    Decision::Review => "REVIEW",
                    Decision::Block => "BLOCK",
                };
                let _ = writeln!(out, "{}: {label} ({} findings)", r.path, v.findings.len());
                for f in &v.findings {
                    let _ = writeln!(
                        out,
                        "  line {} (chars {}..{}) [{}] {} {}: {}",
                        f.line,
                        f.start,
                        f.end,
                        f.severity.as_str(),
                        f.rule,
                        f.category.label_zh(),
                        f.explanation.reason
                    );
                    let _ = writeln!(out, "    | {}", marked_line(&ok.content, f));
                    for stage in &f.explanation.stages {
                        let _ = writeln!(out, "    - {stage}");
                    }
                    let _ = writeln!(out, "    依据: {}", f.explanation.legal_basis);
                }
            }
        }
    }
    out
}

/// The original text around a finding on one line, the hit in `⟦⟧`.
fn marked_line(content: &str, f: &Finding) -> String {
    const SIDE: usize = 24;
    let (start, end) = (
        f.byte_start.min(content.len()),
        f.byte_end.min(content.len()),
    );
    if !content.is_char_boundary(start) || !content.is_char_boundary(end) {
        return f.excerpt.clone();
    }
    let line_start = content[..start].rfind('\n').map_or(0, |p| p + 1);
    let line_end = content[end..].find('\n').map_or(content.len(), |p| end + p);
    let before: String = {
        let b: Vec<char> = content[line_start..start].chars().collect();
        b[b.len().saturating_sub(SIDE)..].iter().collect()
    };
    let after: String = content[end..line_end].chars().take(SIDE).collect();
    let hit = content[start..end].replace('\n', "⏎");
    format!("{before}⟦{hit}⟧{after}")
}
