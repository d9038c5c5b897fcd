//! The typed bodies of `/api/v1`: what each handler answers, as Rust types
//! the OpenAPI document is generated from (so the document cannot drift from
//! the server), and the error sets each route documents.

use super::error::ErrorBody;
use crate::engine::verdict::{Category, Decision, Finding, Omitted};
use crate::service::publish::ScannedItem;
use crate::service::store::{
    AttachmentRecord, DeliveryAttempt, ResolutionRecord, ReviewRecord, TokenInfo,
};
use crate::service::workflow::Status;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// A recorded review as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    #[serde(flatten)]
    pub record: ReviewRecord,
    /// The id of the CMS token that submitted it (items are scoped by it).
    pub cms: String,
    /// Whether this review lets the item go online (it is `approved`).
    pub publishable: bool,
    /// The item's text, for officers and admins (kept only for items that
    /// were not `pass`, unless `store_passed_content` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The officers' resolutions, oldest first (on `GET /reviews/{id}` and
    /// after a resolution).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolutions: Option<Vec<ResolutionRecord>>,
    /// Every callback attempt for this review (on `GET /reviews/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<Vec<DeliveryAttempt>>,
}

impl ReviewView {
    pub fn new(record: ReviewRecord) -> ReviewView {
        ReviewView {
            publishable: record.status == Status::Approved,
            cms: record.token_id.clone(),
            record,
            content: None,
            resolutions: None,
            deliveries: None,
        }
    }

    /// With the stored text (officers and admins only).
    pub fn with_content(mut self) -> ReviewView {
        self.content = self.record.content.clone();
        self
    }
}

/// The answer to a draft check: nothing is recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    /// The item's decision: the worst of its text and its attachments.
    pub decision: Decision,
    /// Findings in the text; offsets count chars (and UTF-16 units).
    pub findings: Vec<Finding>,
    /// Why the decision is `review` without findings (the engine failed or
    /// ran out of its budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// Findings not listed because of the caps, counted per rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
    pub lexicon_version: String,
    pub engine_version: String,
    pub attachments: Vec<AttachmentRecord>,
}

impl From<ScannedItem> for CheckView {
    fn from(item: ScannedItem) -> CheckView {
        CheckView {
            decision: item.decision,
            findings: item.text.findings,
            incomplete: item.text.incomplete,
            omitted: item.text.omitted,
            lexicon_version: item.text.lexicon_version,
            engine_version: item.text.engine_version,
            attachments: item.attachments,
        }
    }
}

/// One line of a search result or the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewSummary {
    pub review_id: String,
    pub item_id: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub submitter: Option<String>,
    pub decision: Decision,
    pub status: Status,
    pub level: i64,
    pub created_at: String,
}

impl From<&ReviewRecord> for ReviewSummary {
    fn from(r: &ReviewRecord) -> ReviewSummary {
        ReviewSummary {
            review_id: r.review_id.clone(),
            item_id: r.item_id.clone(),
            title: r.title.clone(),
            department: r.department.clone(),
            submitter: r.submitter.clone(),
            decision: r.decision,
            status: r.status,
            level: r.level,
            created_at: r.created_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewList {
    pub count: usize,
    pub items: Vec<ReviewSummary>,
}

/// A pending item in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntry {
    #[serde(flatten)]
    pub review: ReviewSummary,
    /// Seconds since it was submitted.
    pub age_seconds: i64,
    /// The categories of its findings, sorted.
    pub categories: Vec<Category>,
    /// How many findings it has.
    pub findings: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    pub count: usize,
    pub items: Vec<QueueEntry>,
}

/// An item's reviews and whether it may be online.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub item_id: String,
    /// The id of the CMS token whose item this is (items are scoped by it).
    pub cms: String,
    /// The review of the content submitted last: it decides `publishable`.
    pub current_review_id: String,
    pub status: Status,
    pub publishable: bool,
    /// Every review of the item, oldest first.
    pub history: Vec<ReviewView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
}

/// A new token: the secret is shown here once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reloaded {
    pub lexicon_version: String,
}

// ----- error sets documented by the routes --------------------------------

/// Every route behind a token.
#[derive(IntoResponses)]
pub enum AuthErrors {
    /// No token, or not a live one.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The token's role (or level) may not do this.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// The database is unavailable; nothing was recorded.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// Routes that take a body or query parameters.
#[derive(IntoResponses)]
pub enum InputErrors {
    /// Malformed: the message names the field.
    #[response(status = 400)]
    BadRequest(ErrorBody),
}

/// Routes that take a body.
#[derive(IntoResponses)]
pub enum BodyErrors {
    /// The body is larger than `body_limit_bytes`.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body is not of an accepted content type.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
}

/// Routes with an id in the path.
#[derive(IntoResponses)]
pub enum NotFoundError {
    /// Nothing with that id (or not visible to this token).
    #[response(status = 404)]
    NotFound(ErrorBody),
}

/// Routes that change a review's state.
#[derive(IntoResponses)]
pub enum ConflictError {
    /// The state changed, or the action does not fit it.
    #[response(status = 409)]
    Conflict(ErrorBody),
}
