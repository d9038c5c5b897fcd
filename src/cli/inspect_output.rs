//! Output formats of `baomi inspect`, as `baomi scan` has them: human,
//! json, jsonl, csv and SARIF 2.1.0, one record per URL (by URL).
//!
//! Contract: each format renders the records and nothing else (the summary
//! goes to the end of the human output, and to stderr for the others); a
//! record's `findings` carry their `location` inside attachments; a record
//! that could not be read carries `error` and is never `pass`.

use super::output::{csv_field, marked_line};
use baomi::service::inspect::model::{ActionKind, Record};
use baomi::{Decision, Severity};
use serde_json::{json, Value};
use std::fmt::Write;

/// One record as JSON: every field of the record (`url`, `referrer`,
/// `status`, `content_type`, `decision`, `findings`, `error`, …) and the
/// engine version.
pub fn record_json(r: &Record) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    v["engine_version"] = json!(baomi::ENGINE_VERSION);
    v
}

pub fn render_jsonl(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&record_json(r).to_string());
        out.push('\n');
    }
    out
}

pub fn render_json(records: &[Record]) -> String {
    let all: Vec<Value> = records.iter().map(record_json).collect();
    let mut out = serde_json::to_string_pretty(&all).unwrap_or_default();
    out.push('\n');
    out
}

/// One row per finding (a record without findings gets one row), the
/// location last.
pub fn render_csv(records: &[Record]) -> String {
    let mut out = String::from(
        "url,referrer,status,content_type,decision,rule,category,severity,line,start,end,text,error,location\n",
    );
    for r in records {
        let head = format!(
            "{},{},{},{},{}",
            csv_field(&r.url),
            csv_field(r.referrer.as_deref().unwrap_or("")),
            r.status.map_or(String::new(), |s| s.to_string()),
            csv_field(r.content_type.as_deref().unwrap_or("")),
            r.decision
        );
        let error = csv_field(r.error.as_deref().unwrap_or(""));
        if r.findings.is_empty() {
            let _ = writeln!(out, "{head},,,,,,,,{error},");
        }
        for f in &r.findings {
            let _ = writeln!(
                out,
                "{head},{},{},{},{},{},{},{},{error},{}",
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
    out
}

/// SARIF 2.1.0: a result per finding (its artifact is the URL), a
/// notification per record with an error.
pub fn render_sarif(records: &[Record], rules: &[(String, String)]) -> String {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for r in records {
        for f in &r.findings {
            let level = match f.severity {
                Severity::Block => "error",
                Severity::Review => "warning",
                Severity::Info => "note",
            };
            let mut location = json!({"physicalLocation": {
                "artifactLocation": {"uri": r.url},
                "region": {"startLine": f.line, "charOffset": f.start, "charLength": f.end - f.start}
            }});
            if let Some(part) = &f.location {
                location["logicalLocations"] =
                    json!([{"fullyQualifiedName": part, "kind": "module"}]);
            }
            results.push(json!({
                "ruleId": f.rule,
                "level": level,
                "message": {"text": format!("{}（{}）", f.explanation.reason, f.explanation.legal_basis)},
                "locations": [location],
                "properties": {"category": f.category, "severity": f.severity, "decision": r.decision,
                               "referrer": r.referrer, "quiet": r.quiet}
            }));
        }
        if let Some(e) = &r.error {
            notifications.push(json!({
                "level": "error",
                "message": {"text": e},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.url}}}]
            }));
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
            "tool": {"driver": {"name": "baomi inspect", "version": baomi::ENGINE_VERSION, "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": notifications.is_empty(), "toolExecutionNotifications": notifications}]
        }]
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// For people: a line per URL; for open problems each finding with its
/// place, the hit marked `⟦…⟧` and the reason; errors; what keeps a record
/// quiet.
pub fn render_human(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        let label = match r.decision {
            Decision::Pass => "PASS",
            Decision::Review => "REVIEW",
            Decision::Block => "BLOCK",
        };
        let status = r.status.map_or("no answer".to_string(), |s| s.to_string());
        let _ = write!(
            out,
            "{}: {label} ({} findings, HTTP {status})",
            r.url,
            r.findings.len()
        );
        if let Some(to) = &r.redirect_to {
            let _ = write!(out, " → {to}");
        }
        if let Some(first) = &r.duplicate_of {
            let _ = write!(out, " (same content as {first})");
        }
        if r.unchanged {
            out.push_str(" (unchanged since the last run)");
        }
        out.push('\n');
        if let Some(referrer) = &r.referrer {
            let _ = writeln!(out, "  linked from {referrer}");
        }
        if let Some(c) = &r.check {
            let _ = writeln!(out, "  已整改复查: {}", c.result.label_zh());
        }
        if let Some(q) = &r.quiet {
            let why = match q.action {
                ActionKind::FalsePositive => "marked 误报 for this content: not reported",
                ActionKind::ToReview => "转入审查: in the review queue",
                ActionKind::Rectified => "已整改, confirmed by this run",
            };
            let _ = writeln!(out, "  {why} (action {})", q.action_id);
            continue;
        }
        if let Some(e) = &r.error {
            let _ = writeln!(out, "  not fully read (a person must look): {e}");
        }
        for f in &r.findings {
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
            let shown = match (&f.location, &r.content) {
                (None, Some(content)) => marked_line(content, f),
                _ => f.excerpt.clone(),
            };
            let _ = writeln!(out, "    | {shown}");
            let _ = writeln!(out, "    依据: {}", f.explanation.legal_basis);
        }
    }
    out
}
