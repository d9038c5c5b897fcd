//! The records the store keeps and hands out: tokens, reviews with their
//! attachments, resolutions, callback deliveries.

use crate::engine::verdict::{Decision, Finding, Omitted};
use crate::service::workflow::{Action, Role, Status, Transition};

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub level: Option<i64>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A review to record.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub item_id: String,
    pub content: String,
    pub format: String,
    pub content_hash: String,
    pub title: Option<String>,
    pub submitter: Option<String>,
    pub department: Option<String>,
    pub channel: Option<String>,
    pub url: Option<String>,
    pub callback_url: Option<String>,
    pub token_id: String,
    pub decision: Decision,
    pub findings: Vec<Finding>,
    pub attachments: Vec<AttachmentRecord>,
    pub incomplete: Option<String>,
    /// Findings not listed because of the caps, counted per rule.
    pub omitted: Vec<Omitted>,
    pub lexicon_version: String,
    pub engine_version: String,
}

/// What the record keeps of one attachment: never its bytes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AttachmentRecord {
    pub name: String,
    pub content_type: Option<String>,
    pub size: u64,
    pub sha256: String,
    pub decision: Decision,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Findings not listed because of the caps, counted per rule.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub omitted: Vec<Omitted>,
}

/// A recorded review.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewRecord {
    pub review_id: String,
    pub item_id: String,
    pub content_hash: String,
    pub format: String,
    pub title: Option<String>,
    pub submitter: Option<String>,
    pub department: Option<String>,
    pub channel: Option<String>,
    pub url: Option<String>,
    #[serde(skip)]
    pub callback_url: Option<String>,
    #[serde(skip)]
    pub token_id: String,
    pub decision: Decision,
    pub status: Status,
    pub level: i64,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// Findings not listed because of the caps, counted per rule ("and N
    /// more").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
    #[serde(skip)]
    pub content: Option<String>,
    pub lexicon_version: String,
    pub engine_version: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One officer's resolution.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResolutionRecord {
    pub review_id: String,
    pub action: Action,
    pub opinion: String,
    pub officer: String,
    pub level: i64,
    pub comment: String,
    pub basis: String,
    pub override_block: bool,
    pub created_at: String,
}

/// A resolution to record.
#[derive(Debug, Clone)]
pub struct NewResolution<'a> {
    pub action: Action,
    pub officer_token: &'a str,
    pub officer_name: &'a str,
    pub level: i64,
    pub comment: &'a str,
    pub basis: &'a str,
    pub transition: Transition,
    /// Where to send the outcome, if the review is finished.
    pub callback_url: Option<&'a str>,
}

/// A callback delivery waiting to go out.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub review_id: String,
    pub url: String,
    pub payload: String,
    pub attempts: i64,
}

/// One recorded delivery attempt.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryAttempt {
    pub delivery_id: String,
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub created_at: String,
}
