//! Output formats of `baomi scan`: human, json, jsonl, csv and SARIF 2.1.0.
//!
//! Contract: each format renders a list of [`ScanRecord`]s (one per input, in
//! input order) and nothing else; the same records always render the same
//! bytes. A record that could not be scanned carries its error and the
//! decision `review` (fail closed). An attachment (.docx, .xlsx, .pdf, .zip,
//! .csv) is one record; each of its findings carries a `location` inside it,
//! and a part that could not be read is reported as the record's `error`.

use baomi::{Decision, Finding, Verdict};
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
        Ok(ok) => {
            let mut v = json!({
                "path": record.path,
                "decision": ok.verdict.decision,
                "findings": ok.verdict.findings.iter().map(finding_json).collect::<Vec<_>>(),
                "lexicon_version": ok.verdict.lexicon_version,
                "engine_version": ok.verdict.engine_version,
            });
            if let Some(error) = &ok.verdict.incomplete {
                v["error"] = json!(error);
            }
            v
        }
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

pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per finding; an input without findings (or with an error) gets
/// one row with empty finding columns, so every input appears. The
/// `location` column (last, so that existing columns keep their place) is
/// set for findings inside attachments.
pub fn render_csv(records: &[ScanRecord]) -> String {
    let mut out =
        String::from("path,decision,rule,category,severity,line,start,end,text,error,location\n");
    for r in records {
        let path = csv_field(&r.path);
        match &r.outcome {
            Ok(ok) if !ok.verdict.findings.is_empty() => {
                let error = csv_field(ok.verdict.incomplete.as_deref().unwrap_or(""));
                for f in &ok.verdict.findings {
                    let _ = writeln!(
                        out,
                        "{path},{},{},{},{},{},{},{},{},{error},{}",
                        ok.verdict.decision,
                        csv_field(&f.rule),
                        f.category,
                        f.severity.as_str(),
                        f.line,
                        f.start,
                        f.end,
                        csv_field(&f.text),
                        csv_field(f.location.as_deref().unwrap_or(""))
                    );
                }
            }
            Ok(ok) => {
                let error = csv_field(ok.verdict.incomplete.as_deref().unwrap_or(""));
                let _ = writeln!(out, "{path},{},,,,,,,,{error},", ok.verdict.decision);
            }
            Err(e) => {
                let _ = writeln!(out, "{path},review,,,,,,,,{},", csv_field(e));
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
                        baomi::Severity::Block => "error",
                        baomi::Severity::Review => "warning",
                        baomi::Severity::Info => "note",
                    };
                    results.push(json!({
                        "ruleId": f.rule,
                        "level": level,
                        "message": {"text": format!("{}（{}）", f.explanation.reason, f.explanation.legal_basis)},
                        "locations": [sarif_location(&r.path, f)],
                        "properties": {"category": f.category, "severity": f.severity, "decision": ok.verdict.decision}
                    }));
                }
                if let Some(e) = &ok.verdict.incomplete {
                    notifications.push(json!({
                        "level": "error",
                        "message": {"text": e},
                        "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.path}}}]
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
            "tool": {"driver": {"name": "baomi", "version": baomi::ENGINE_VERSION, "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": notifications.is_empty(), "toolExecutionNotifications": notifications}]
        }]
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// A finding's SARIF location: the file and region, plus for attachments a
/// logical location naming the part (`名单.xlsx › 名单!C14`) that the region
/// counts in.
fn sarif_location(path: &str, f: &Finding) -> Value {
    let mut location = json!({"physicalLocation": {
        "artifactLocation": {"uri": path},
        "region": {"startLine": f.line, "charOffset": f.start, "charLength": f.end - f.start}
    }});
    if let Some(part) = &f.location {
        location["logicalLocations"] = json!([{"fullyQualifiedName": part, "kind": "module"}]);
    }
    location
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
                if let Some(e) = &v.incomplete {
                    let _ = writeln!(out, "  not fully read (a person must look): {e}");
                }
                for f in &v.findings {
                    let place = match &f.location {
                        Some(location) => format!("{location}, line"),
                        None => "line".to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "  {place} {} (chars {}..{}) [{}] {} {}: {}",
                        f.line,
                        f.start,
                        f.end,
                        f.severity.as_str(),
                        f.rule,
                        f.category.label_zh(),
                        f.explanation.reason
                    );
                    // Attachment findings count in their part, not in
                    // `content`: show the excerpt.
                    let shown = match f.location {
                        Some(_) => f.excerpt.clone(),
                        None => marked_line(&ok.content, f),
                    };
                    let _ = writeln!(out, "    | {shown}");
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
pub fn marked_line(content: &str, f: &Finding) -> String {
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
