//! Officers' actions on what a run found: 已整改（已删除或修改）, 误报, 转入审查.
//!
//! Contract: every action names who (the officer's token) and why (a
//! comment, required) and is recorded with its `inspection_action` event in
//! the audit chain; only records that are not `pass` can be acted on (a 409
//! otherwise); 转入审查 first records a review of the record's content in the
//! 三审 queue (item `inspect:URL`, scope `inspection`; the same content
//! again is the same review), so a published leak gets the same recorded
//! three-level review as a new item.

use super::model::{Action, ActionKind, Record, RecordKind};
use crate::engine::verdict::Decision;
use crate::service::app::AppState;
use crate::service::error::ServiceError;
use crate::service::store::{framed_sha256, AttachmentRecord, NewAction, NewReview, TokenInfo};

/// The item scope of reviews made from inspection records (a CMS token's id
/// is `tk_…`, so no CMS shares it).
pub const REVIEW_SCOPE: &str = "inspection";

/// Records an action on record `record_id` of run `run_id`.
pub async fn act(
    app: &AppState,
    officer: &TokenInfo,
    run_id: &str,
    record_id: &str,
    action: ActionKind,
    comment: &str,
) -> Result<Action, ServiceError> {
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(ServiceError::invalid(
            "comment",
            "must not be empty: say what was done or why (整改情况或理由)",
        ));
    }
    if comment.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "comment",
            "is longer than 2000 characters",
        ));
    }
    let record = app
        .store
        .inspection_record(record_id)
        .await?
        .filter(|r| r.run_id == run_id)
        .ok_or_else(|| {
            ServiceError::NotFound(format!("no record {record_id} in inspection {run_id}"))
        })?;
    if record.decision == Decision::Pass {
        return Err(ServiceError::Conflict(format!(
            "record {record_id} passed: there is nothing to act on"
        )));
    }
    let review_id = match action {
        ActionKind::ToReview => Some(to_review(app, &record).await?),
        _ => None,
    };
    let recorded = app
        .store
        .record_action(NewAction {
            run_id,
            record: &record,
            action,
            officer_token: &officer.id,
            officer: &officer.name,
            comment,
            review_id: review_id.as_deref(),
        })
        .await?;
    tracing::info!(action_id = %recorded.id, run_id, record_id, url = %record.url,
        action = action.as_str(), review_id = ?review_id, "inspection action recorded");
    Ok(recorded)
}

/// Puts the record's content in the 三审 queue; the review's id.
async fn to_review(app: &AppState, r: &Record) -> Result<String, ServiceError> {
    let hash = r.content_hash.clone().unwrap_or_default();
    let (content, format, findings, attachments) = match r.kind {
        RecordKind::Attachment => (
            String::new(),
            "text",
            Vec::new(),
            vec![AttachmentRecord {
                name: r.title.clone().unwrap_or_else(|| "附件".into()),
                content_type: r.content_type.clone(),
                size: r.size.unwrap_or(0),
                sha256: hash.clone(),
                decision: r.decision,
                findings: r.findings.clone(),
                error: r.error.clone(),
                omitted: r.omitted.clone(),
            }],
        ),
        _ => (
            r.content.clone().unwrap_or_default(),
            "html",
            r.findings.clone(),
            Vec::new(),
        ),
    };
    let (review, _) = app
        .store
        .record_review(NewReview {
            item_id: format!("inspect:{}", r.url),
            content,
            format: format.into(),
            content_hash: framed_sha256([
                b"baomi-inspect-v1".as_slice(),
                r.url.as_bytes(),
                hash.as_bytes(),
            ]),
            title: r.title.clone(),
            submitter: None,
            department: None,
            channel: Some("网站巡检".into()),
            url: Some(r.url.clone()),
            callback_url: None,
            token_id: REVIEW_SCOPE.into(),
            decision: r.decision,
            findings,
            attachments,
            incomplete: match r.kind {
                RecordKind::Attachment => None,
                _ => r.error.clone(),
            },
            omitted: match r.kind {
                RecordKind::Attachment => Vec::new(),
                _ => r.omitted.clone(),
            },
            lexicon_version: r.lexicon_version.clone(),
            engine_version: crate::engine::ENGINE_VERSION.to_string(),
        })
        .await?;
    Ok(review.review_id)
}
