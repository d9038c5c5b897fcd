//! The publish and check use cases, in one place.
//!
//! Contract:
//! - [`publish`] (the CMS hook): every field is checked before anything is
//!   scanned (a rejected request costs no scan and records nothing); the
//!   item is scanned within the time budget; the item's identity (item id,
//!   content and files) decides whether it is a new review or the existing
//!   one; the review is recorded and only then returned.
//! - [`check`] (a draft): scanned within the same budget, recorded nowhere.
//! - Both fail closed: if the engine panics or runs out of its budget, the
//!   item is `review` with the reason in `incomplete`, and every attachment
//!   not scanned is `review` too. Never `pass`.

use super::app::App;
use super::error::ServiceError;
use super::store::{
    framed_sha256, sha256_hex, AttachmentRecord, NewReview, ReviewRecord, TokenInfo,
};
use crate::attach::{scan_item, AttachedFile, AttachmentVerdict, ItemField, Limits};
use crate::engine::verdict::{Decision, Verdict};
use crate::engine::{Cancel, Document, Format, ScanOptions};
use std::sync::Arc;
use std::time::Duration;

/// How long the attachments of one item may take on top of the text's
/// budget (the engine's own per-attachment limit is 20 s).
pub const ATTACHMENT_BUDGET: Duration = Duration::from_secs(30);

/// One attached file as it arrived (decoded from base64 or a multipart part).
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// An item the CMS wants to publish.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub item_id: String,
    pub content: String,
    pub format: Format,
    pub title: Option<String>,
    pub submitter: Option<String>,
    pub department: Option<String>,
    pub channel: Option<String>,
    pub url: Option<String>,
    pub callback_url: Option<String>,
    pub attachments: Vec<Upload>,
}

/// What the engine said about an item, in the form the record keeps.
#[derive(Debug, Clone)]
pub struct ScannedItem {
    pub text: Verdict,
    pub attachments: Vec<AttachmentRecord>,
    pub decision: Decision,
}

/// A submitted item as recorded; `created` is false when the same item and
/// content had been submitted before (the existing review is returned, and
/// is the item's current review again).
pub struct Recorded {
    pub review: ReviewRecord,
    pub created: bool,
}

/// The fields published with an item besides its text, in a fixed order,
/// as the scan and the identity see them (the title is the most published
/// line of all).
pub type PublishedFields = [(&'static str, Option<String>); 5];

fn published_fields(
    title: &Option<String>,
    channel: &Option<String>,
    department: &Option<String>,
    submitter: &Option<String>,
    url: &Option<String>,
) -> PublishedFields {
    [
        ("标题", title.clone()),
        ("栏目", channel.clone()),
        ("发布单位", department.clone()),
        ("作者", submitter.clone()),
        ("网址", url.clone()),
    ]
}

/// One rule for `/reviews` and `/check`: an item must have something to
/// publish (text, a title or a file).
fn require_something(
    content: &str,
    title: Option<&str>,
    uploads: &[Upload],
) -> Result<(), ServiceError> {
    if content.trim().is_empty() && title.is_none() && uploads.is_empty() {
        return Err(ServiceError::BadRequest(
            "missing field `content`: give the item's text, a title, attachments, or several"
                .into(),
        ));
    }
    Ok(())
}

/// The publish hook: see the module docs.
pub async fn publish(
    app: &App,
    caller: &TokenInfo,
    s: Submission,
) -> Result<Recorded, ServiceError> {
    if s.item_id.trim().is_empty() || s.item_id.chars().count() > 200 {
        return Err(ServiceError::invalid(
            "item_id",
            "must be 1 to 200 characters",
        ));
    }
    if let Some(url) = &s.callback_url {
        let parsed = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        let Some(parsed) = parsed else {
            return Err(ServiceError::invalid(
                "callback_url",
                "must be an http:// or https:// URL",
            ));
        };
        if !app.config.callback_allowed(&parsed) {
            return Err(ServiceError::invalid(
                "callback_url",
                "names a host that is not in the setting `callback_hosts` (config file or \
                 BAOMI_CALLBACK_HOSTS); an administrator must allow it first",
            ));
        }
    }
    let title = optional_field("title", s.title, 500)?;
    let submitter = optional_field("submitter", s.submitter, 100)?;
    let department = optional_field("department", s.department, 200)?;
    let channel = optional_field("channel", s.channel, 100)?;
    let url = optional_field("url", s.url, 2000)?;
    require_something(&s.content, title.as_deref(), &s.attachments)?;
    let fields = published_fields(&title, &channel, &department, &submitter, &url);
    let content_hash = identity_hash(&caller.id, s.format, &fields, &s.content, &s.attachments);
    let content = Arc::new(s.content);
    let uploads = Arc::new(s.attachments);
    let item = scan_within_budget(app, content.clone(), s.format, fields, uploads).await;
    let new = NewReview {
        item_id: s.item_id,
        content: Arc::unwrap_or_clone(content),
        format: s.format.as_str().into(),
        content_hash,
        title,
        submitter,
        department,
        channel,
        url,
        callback_url: s.callback_url,
        token_id: caller.id.clone(),
        decision: item.decision,
        findings: item.text.findings,
        attachments: item.attachments,
        incomplete: item.text.incomplete,
        omitted: item.text.omitted,
        lexicon_version: item.text.lexicon_version,
        engine_version: item.text.engine_version,
    };
    let (review, created) = app.store.record_review(new).await?;
    let rules: Vec<&str> = review.findings.iter().map(|f| f.rule.as_str()).collect();
    tracing::info!(review_id = %review.review_id, decision = %review.decision, created, rules = ?rules, "review recorded");
    Ok(Recorded { review, created })
}

/// A draft check: scanned, never recorded.
pub async fn check(
    app: &App,
    content: String,
    format: Format,
    title: Option<String>,
    uploads: Vec<Upload>,
) -> Result<ScannedItem, ServiceError> {
    let title = optional_field("title", title, 500)?;
    require_something(&content, title.as_deref(), &uploads)?;
    let fields = published_fields(&title, &None, &None, &None, &None);
    Ok(scan_within_budget(app, Arc::new(content), format, fields, Arc::new(uploads)).await)
}

/// An optional text field: blank is absent; over `max` chars is refused.
fn optional_field(
    field: &'static str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ServiceError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ServiceError::invalid(
            field,
            format!("is longer than {max} characters"),
        )),
        Some(v) if v.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// The identity of an item's content: the same item of the same CMS with
/// the same text, published fields and files is the same review. Every
/// part is framed by its length, so no text can pose as a file entry.
pub fn identity_hash(
    scope: &str,
    format: Format,
    fields: &PublishedFields,
    content: &str,
    uploads: &[Upload],
) -> String {
    let file_hashes: Vec<String> = uploads.iter().map(|u| sha256_hex(&u.bytes)).collect();
    let mut parts: Vec<&[u8]> = vec![
        b"baomi-item-v2",
        scope.as_bytes(),
        format.as_str().as_bytes(),
    ];
    for (label, value) in fields {
        parts.push(label.as_bytes());
        // An absent field and an empty one are different items.
        parts.push(value.as_deref().map_or(&[0xff][..], str::as_bytes));
    }
    parts.push(content.as_bytes());
    for (u, h) in uploads.iter().zip(&file_hashes) {
        parts.push(u.name.as_bytes());
        parts.push(h.as_bytes());
    }
    framed_sha256(parts)
}

/// The record of an uploaded file and its verdict.
pub fn record_of(upload: &Upload, verdict: AttachmentVerdict) -> AttachmentRecord {
    AttachmentRecord {
        name: upload.name.clone(),
        content_type: upload.content_type.clone(),
        size: upload.bytes.len() as u64,
        sha256: sha256_hex(&upload.bytes),
        decision: verdict.decision,
        findings: verdict.findings,
        error: verdict.error,
        omitted: verdict.omitted,
    }
}

/// Scans the text and every attachment off the runtime within the budget
/// (`scan_budget`, plus [`ATTACHMENT_BUDGET`] when there are files). A panic
/// or a timeout is an incomplete verdict: `review`, with the reason, never
/// `pass`; unscanned attachments are recorded as `review` too.
pub async fn scan_within_budget(
    app: &App,
    content: Arc<String>,
    format: Format,
    fields: PublishedFields,
    uploads: Arc<Vec<Upload>>,
) -> ScannedItem {
    let engine = app.engine();
    let lexicon_version = engine.lexicon_version().to_string();
    let budget = if uploads.is_empty() {
        app.config.scan_budget
    } else {
        app.config.scan_budget + ATTACHMENT_BUDGET
    };
    let files = uploads.clone();
    // On a timeout the scan is told to stop, so it does not go on burning
    // a core after the answer has been given.
    let cancel = Cancel::new();
    let stop = cancel.clone();
    let task = tokio::task::spawn_blocking(move || {
        let options = ScanOptions {
            utf16_offsets: true,
        };
        let attached: Vec<AttachedFile> = files
            .iter()
            .map(|u| AttachedFile {
                name: &u.name,
                bytes: &u.bytes,
            })
            .collect();
        let doc = Document {
            content: &content,
            format,
        };
        let published: Vec<ItemField> = fields
            .iter()
            .filter_map(|(label, text)| text.as_deref().map(|text| ItemField { label, text }))
            .collect();
        scan_item(
            &engine,
            &doc,
            &published,
            &attached,
            &options,
            &Limits::default(),
            &cancel,
        )
    });
    let failed = |reason: String| ScannedItem {
        text: Verdict::incomplete(&reason, &lexicon_version),
        attachments: uploads
            .iter()
            .map(|u| {
                record_of(
                    u,
                    AttachmentVerdict::unscanned(&u.name, &reason, &lexicon_version),
                )
            })
            .collect(),
        decision: Decision::Review,
    };
    let item = match tokio::time::timeout(budget, task).await {
        Ok(Ok(done)) => ScannedItem {
            attachments: uploads
                .iter()
                .zip(done.attachments)
                .map(|(u, v)| record_of(u, v))
                .collect(),
            text: done.text,
            decision: done.decision,
        },
        Ok(Err(e)) => {
            tracing::error!(error = %e, "engine failed on an item");
            failed("the engine failed on this item; a person must review it".into())
        }
        Err(_) => {
            stop.cancel();
            failed(format!(
                "the engine did not finish within its budget of {} ms; a person must review it",
                budget.as_millis()
            ))
        }
    };
    if item.text.incomplete.is_some() {
        app.metrics.record_incomplete();
    }
    app.metrics.record_verdict(
        item.decision,
        item.text
            .findings
            .iter()
            .chain(item.attachments.iter().flat_map(|a| a.findings.iter()))
            .map(|f| f.category),
    );
    item
}
