//! Scanning attachments, and the decision on an item made of a text and its
//! attached files.
//!
//! Contract: [`scan_attachment_with`] reads an attached file into located
//! parts ([`super::extract_parts`]), runs each part through the engine, and
//! counts bulk thresholds over the whole attachment. It does no I/O; its only
//! non-determinism is the attachment time budget ([`super::Limits`]), which
//! when used up turns the answer into `review`, never `pass`.
//! [`scan_item`] scans an item's text and every attachment and decides the
//! item: the worst of them ([`item_decision`]).

use super::budget::Limits;
use super::read::extract_parts_until;
use crate::engine::cap::{cap, merge_omitted, MAX_FINDINGS};
use crate::engine::document::{Cancel, Document, ScanOptions};
use crate::engine::pipeline::{Engine, ENGINE_VERSION};
use crate::engine::verdict::{Decision, Finding, Omitted, Verdict};
use serde::{Deserialize, Serialize};

/// The stage note on a finding in text that OCR recognized (a scanned page,
/// a picture): OCR misreads, so the officer compares with the picture.
pub const OCR_STAGE: &str =
    "识别：此处文字由OCR从扫描页或图片中识别得出，可能有误读，请对照原图核对";

/// The engine's answer for one attached file.
///
/// Contract: `decision` is the worst severity among the findings, and at
/// least `review` when any part of the file could not be read (`error` then
/// says what and where): an attachment is never passed unread.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentVerdict {
    /// The attachment's name as given.
    pub name: String,
    pub decision: Decision,
    /// Each with its `location`.
    pub findings: Vec<Finding>,
    /// What could not be read, `location: reason`, joined by `; `.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Findings not listed because of the caps, counted per rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
    pub lexicon_version: String,
    pub engine_version: String,
}

impl AttachmentVerdict {
    /// The verdict on a file that was not scanned at all (the engine failed
    /// or ran out of time before reaching it): `review`, with the reason.
    pub fn unscanned(name: &str, reason: &str, lexicon_version: &str) -> AttachmentVerdict {
        AttachmentVerdict {
            name: name.to_string(),
            decision: Decision::Review,
            findings: Vec::new(),
            error: Some(reason.to_string()),
            omitted: Vec::new(),
            lexicon_version: lexicon_version.to_string(),
            engine_version: ENGINE_VERSION.to_string(),
        }
    }
}

/// Scans one attached file (`name` tells its type when the content does
/// not) with the default [`Limits`].
pub fn scan_attachment(
    engine: &Engine,
    name: &str,
    bytes: &[u8],
    options: &ScanOptions,
) -> AttachmentVerdict {
    scan_attachment_with(engine, name, bytes, options, &Limits::default())
}

/// Scans one attached file: each part is scanned as one document, its
/// findings located (`location`; offsets stay relative to the part's text);
/// bulk thresholds then count distinct hits over the whole attachment.
/// Anything that could not be read makes the decision at least `review`.
pub fn scan_attachment_with(
    engine: &Engine,
    name: &str,
    bytes: &[u8],
    options: &ScanOptions,
    limits: &Limits,
) -> AttachmentVerdict {
    scan_attachment_until(engine, name, bytes, options, limits, &Cancel::new())
}

/// [`scan_attachment_with`], stopped (as `review`) once `cancel` is set.
pub fn scan_attachment_until(
    engine: &Engine,
    name: &str,
    bytes: &[u8],
    options: &ScanOptions,
    limits: &Limits,
    cancel: &Cancel,
) -> AttachmentVerdict {
    let extraction = extract_parts_until(name, bytes, limits, cancel);
    let mut findings = Vec::new();
    let mut omitted = Vec::new();
    let mut problems: Vec<String> = extraction.problems.iter().map(|p| p.to_string()).collect();
    for part in &extraction.parts {
        let verdict = engine.scan_until(
            &Document {
                content: &part.text,
                format: part.format,
            },
            options,
            cancel,
        );
        if let Some(reason) = verdict.incomplete {
            problems.push(format!("{}: {reason}", part.location));
        }
        merge_omitted(&mut omitted, verdict.omitted);
        findings.extend(verdict.findings.into_iter().map(|mut f| {
            f.location = Some(part.location_at(f.byte_start));
            if part.ocr {
                f.explanation.stages.push(OCR_STAGE.to_string());
            }
            f
        }));
    }
    engine.raise_to_bulk_across_parts(&mut findings);
    let (findings, more) = cap(findings, MAX_FINDINGS);
    merge_omitted(&mut omitted, more);
    let error = (!problems.is_empty()).then(|| problems.join("; "));
    let mut decision = Verdict::decide_with(&findings, &omitted);
    if error.is_some() {
        decision = decision.max(Decision::Review);
    }
    AttachmentVerdict {
        name: name.to_string(),
        decision,
        findings,
        error,
        omitted,
        lexicon_version: engine.lexicon_version().to_string(),
        engine_version: ENGINE_VERSION.to_string(),
    }
}

/// The decision on one item: the worst of its text and all its attachments.
pub fn item_decision(text: Option<&Verdict>, attachments: &[AttachmentVerdict]) -> Decision {
    text.map(|v| v.decision)
        .into_iter()
        .chain(attachments.iter().map(|a| a.decision))
        .max()
        .unwrap_or(Decision::Pass)
}

/// One attached file of an item, as bytes.
#[derive(Debug, Clone, Copy)]
pub struct AttachedFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// A field published with an item besides its text (its title, its
/// column): scanned too, its findings located by `label` (`标题`).
#[derive(Debug, Clone, Copy)]
pub struct ItemField<'a> {
    pub label: &'a str,
    pub text: &'a str,
}

/// What the engine said about an item: its text, each attachment, and the
/// item's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemVerdict {
    pub text: Verdict,
    pub attachments: Vec<AttachmentVerdict>,
    pub decision: Decision,
}

/// Scans an item's text, the fields published with it and every attached
/// file, and decides the item. The fields' findings join the text's, each
/// located by its field (offsets relative to the field). Once `cancel` is
/// set, what is left is `review` with the reason.
pub fn scan_item(
    engine: &Engine,
    text: &Document<'_>,
    fields: &[ItemField<'_>],
    files: &[AttachedFile<'_>],
    options: &ScanOptions,
    limits: &Limits,
    cancel: &Cancel,
) -> ItemVerdict {
    let mut text = engine.scan_until(text, options, cancel);
    for field in fields.iter().filter(|f| !f.text.trim().is_empty()) {
        let v = engine.scan_until(&Document::text(field.text), options, cancel);
        if let (Some(reason), None) = (&v.incomplete, &text.incomplete) {
            text.incomplete = Some(format!("{}: {reason}", field.label));
        }
        merge_omitted(&mut text.omitted, v.omitted);
        text.findings.extend(v.findings.into_iter().map(|mut f| {
            f.location = Some(field.label.to_string());
            f
        }));
    }
    if !fields.is_empty() {
        let (listed, more) = cap(std::mem::take(&mut text.findings), MAX_FINDINGS);
        text.findings = listed;
        merge_omitted(&mut text.omitted, more);
        text.decision = Verdict::decide_with(&text.findings, &text.omitted);
        if text.incomplete.is_some() {
            text.decision = text.decision.max(Decision::Review);
        }
    }
    let attachments: Vec<AttachmentVerdict> = files
        .iter()
        .map(|f| scan_attachment_until(engine, f.name, f.bytes, options, limits, cancel))
        .collect();
    let decision = item_decision(Some(&text), &attachments);
    ItemVerdict {
        text,
        attachments,
        decision,
    }
}
