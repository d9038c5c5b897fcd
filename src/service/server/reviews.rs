//! Handlers of the review routes: the publish hook, draft checks, reading
//! and searching the record, the 审查表, resolutions, items, the queue.
//! Glue only: each turns a request into a use case call and its result into
//! a typed body.

use super::error::ApiError;
use super::extractors::{Caller, JsonBody, PathParams, QueryParams};
use super::responses::{
    AuthErrors, BodyErrors, CheckView, ConflictError, InputErrors, ItemView, NotFoundError,
    QueueEntry, QueueView, ReviewList, ReviewSummary, ReviewView,
};
use super::uploads::{AttachmentInput, ItemBody, WithAttachments};
use crate::engine::verdict::Category;
use crate::engine::Format;
use crate::service::app::AppState;
use crate::service::publish::{self, Submission};
use crate::service::report::{form_html, form_json, report_period, ReviewForm};
use crate::service::resolve::{resolve, ResolutionRequest};
use crate::service::store::{parse_decision, ReviewRecord};
use crate::service::workflow::{Action, Role, Status, TOP_LEVEL};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// An item the CMS is about to publish.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The CMS's own id of the item (1–200 chars); resubmitting the same
    /// item and content returns the existing review.
    item_id: String,
    /// The text to publish (plain text or HTML, see `format`).
    content: String,
    #[serde(default)]
    format: Format,
    title: Option<String>,
    submitter: Option<String>,
    department: Option<String>,
    channel: Option<String>,
    url: Option<String>,
    /// Where to POST the outcome when an officer resolves the item.
    callback_url: Option<String>,
    /// Attached files, base64 (or send `multipart/form-data` with file parts).
    #[serde(default)]
    attachments: Vec<AttachmentInput>,
}

/// A draft to check; nothing is recorded.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// May be left out when a title or attachments are given.
    #[serde(default)]
    content: String,
    #[serde(default)]
    format: Format,
    /// The title the item will be published under (scanned too).
    title: Option<String>,
    #[serde(default)]
    attachments: Vec<AttachmentInput>,
}

impl WithAttachments for ReviewRequest {
    fn take_attachments(&mut self) -> Vec<AttachmentInput> {
        std::mem::take(&mut self.attachments)
    }
}

impl WithAttachments for CheckRequest {
    fn take_attachments(&mut self) -> Vec<AttachmentInput> {
        std::mem::take(&mut self.attachments)
    }
}

/// The publish hook: scan, record, answer after the commit.
#[utoipa::path(post, path = "/api/v1/reviews", tag = "reviews",
    request_body = ReviewRequest,
    responses(
        (status = 201, description = "A new review of the item", body = ReviewView),
        (status = 200, description = "The same item and content again: the existing review", body = ReviewView),
        InputErrors, BodyErrors, AuthErrors,
    ),
    security(("bearer" = [])))]
pub async fn submit_review(
    State(state): State<AppState>,
    caller: Caller,
    ItemBody(req, uploads): ItemBody<ReviewRequest>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Cms, Role::Admin], "submitting an item")?;
    let submission = Submission {
        item_id: req.item_id,
        content: req.content,
        format: req.format,
        title: req.title,
        submitter: req.submitter,
        department: req.department,
        channel: req.channel,
        url: req.url,
        callback_url: req.callback_url,
        attachments: uploads,
    };
    let published = publish::publish(&state, &caller.0, submission).await?;
    let status = if published.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ReviewView::new(published.review))).into_response())
}

/// A draft check: the same scan as the publish hook, nothing recorded.
#[utoipa::path(post, path = "/api/v1/check", tag = "reviews",
    request_body = CheckRequest,
    responses((status = 200, body = CheckView), InputErrors, BodyErrors, AuthErrors),
    security(("bearer" = [])))]
pub async fn check_draft(
    State(state): State<AppState>,
    caller: Caller,
    ItemBody(req, uploads): ItemBody<CheckRequest>,
) -> Result<Json<CheckView>, ApiError> {
    caller.require(
        &[Role::Editor, Role::Officer, Role::Cms, Role::Admin],
        "checking a draft",
    )?;
    let item = publish::check(&state, req.content, req.format, req.title, uploads).await?;
    Ok(Json(item.into()))
}

/// Loads a review the caller may see: officers and admins see every one, a
/// CMS token only its own (others are 404, not 403: no probing for ids).
async fn visible_review(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<ReviewRecord, ApiError> {
    caller.require(&[Role::Cms, Role::Officer, Role::Admin], "reading reviews")?;
    state
        .store
        .review(id)
        .await?
        .filter(|r| caller.0.role != Role::Cms || r.token_id == caller.0.id)
        .ok_or_else(|| ApiError::NotFound(format!("no review {id}")))
}

/// One review with its resolutions and callback attempts (officers and
/// admins also get the text).
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews",
    params(("id" = String, Path, description = "The review id (`rv_…`)")),
    responses((status = 200, body = ReviewView), InputErrors, NotFoundError, AuthErrors),
    security(("bearer" = [])))]
pub async fn get_review(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<ReviewView>, ApiError> {
    let record = visible_review(&state, &caller, &id).await?;
    let mut view = ReviewView::new(record);
    if caller.0.role != Role::Cms {
        view = view.with_content();
    }
    view.resolutions = Some(state.store.resolutions(&id).await?);
    view.deliveries = Some(state.store.delivery_attempts(&id).await?);
    Ok(Json(view))
}

/// The search of `GET /api/v1/reviews`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// First day (China Standard Time), e.g. 2026-01-01.
    from: String,
    /// Last day, inclusive.
    to: String,
    department: Option<String>,
    /// pass, review or block.
    decision: Option<String>,
    /// A finding category, e.g. marking.
    category: Option<String>,
}

/// Search recorded reviews by period, department, decision and category.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews",
    params(SearchQuery),
    responses((status = 200, body = ReviewList), InputErrors, AuthErrors),
    security(("bearer" = [])))]
pub async fn search_reviews(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<SearchQuery>,
) -> Result<Json<ReviewList>, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "searching reviews")?;
    let (from, to) = report_period(&q.from, &q.to)?;
    let decision = match q.decision.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(parse_decision(d).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "query `decision` must be pass, review or block, not {d:?}"
            ))
        })?),
    };
    let reviews = state.store.reviews_between(&from, &to).await?;
    let items: Vec<ReviewSummary> = reviews
        .iter()
        .filter(|r| {
            q.department
                .as_deref()
                .is_none_or(|d| d.is_empty() || r.department.as_deref() == Some(d))
        })
        .filter(|r| decision.is_none_or(|d| r.decision == d))
        .filter(|r| {
            q.category
                .as_deref()
                .is_none_or(|c| c.is_empty() || r.findings.iter().any(|f| f.category.as_str() == c))
        })
        .map(ReviewSummary::from)
        .collect();
    Ok(Json(ReviewList {
        count: items.len(),
        items,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormQuery {
    /// `html` (printable) or `json`; without it, `Accept: text/html` picks HTML.
    format: Option<String>,
}

/// The 信息发布保密审查表 of one review, as JSON or printable HTML.
#[utoipa::path(get, path = "/api/v1/reviews/{id}/form", tag = "reviews",
    params(("id" = String, Path, description = "The review id"), FormQuery),
    responses(
        (status = 200, description = "The form", content(
            (ReviewForm = "application/json"),
            (String = "text/html"),
        )),
        InputErrors, NotFoundError, AuthErrors,
    ),
    security(("bearer" = [])))]
pub async fn get_form(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<FormQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let wants_html = match q.format.as_deref() {
        Some("html") => true,
        Some("json") => false,
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html")),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "query `format` must be html or json, not {other:?}"
            )))
        }
    };
    let record = visible_review(&state, &caller, &id).await?;
    let resolutions = state.store.resolutions(&id).await?;
    Ok(if wants_html {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            form_html(&record, &resolutions),
        )
            .into_response()
    } else {
        Json(form_json(&record, &resolutions)).into_response()
    })
}

/// An officer's resolution.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionBody {
    action: Action,
    /// What the officer says (required).
    comment: String,
    /// 依据和理由: the basis and reason (required).
    basis: String,
}

/// Approve, reject or escalate a pending review (三审).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/resolution", tag = "reviews",
    params(("id" = String, Path, description = "The review id")),
    request_body = ResolutionBody,
    responses(
        (status = 200, description = "The review as it now stands", body = ReviewView),
        InputErrors, BodyErrors, NotFoundError, ConflictError, AuthErrors,
    ),
    security(("bearer" = [])))]
pub async fn resolve_review(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(req): JsonBody<ResolutionBody>,
) -> Result<Json<ReviewView>, ApiError> {
    caller.require(&[Role::Officer], "resolving a review")?;
    let request = ResolutionRequest {
        action: req.action,
        comment: req.comment,
        basis: req.basis,
    };
    let updated = resolve(&state, &caller.0, &id, request).await?;
    let mut view = ReviewView::new(updated).with_content();
    view.resolutions = Some(state.store.resolutions(&id).await?);
    Ok(Json(view))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Officers and admins: the id of the CMS token whose item this is,
    /// needed when several CMSs used the same item id.
    cms: Option<String>,
}

/// An item's reviews, and whether it may be online now: `publishable` is
/// the decision on the content submitted last.
#[utoipa::path(get, path = "/api/v1/items/{item_id}", tag = "reviews",
    params(("item_id" = String, Path, description = "The CMS's id of the item"), ItemQuery),
    responses((status = 200, body = ItemView), InputErrors, NotFoundError, AuthErrors),
    security(("bearer" = [])))]
pub async fn get_item(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(item_id): PathParams<String>,
    QueryParams(q): QueryParams<ItemQuery>,
) -> Result<Json<ItemView>, ApiError> {
    caller.require(
        &[Role::Cms, Role::Officer, Role::Admin],
        "reading item history",
    )?;
    let not_found = || ApiError::NotFound(format!("no reviews of item {item_id}"));
    // A CMS sees its own items only; officers pick the CMS when the id is
    // ambiguous.
    let scope = if caller.0.role == Role::Cms {
        caller.0.id.clone()
    } else if let Some(cms) = q.cms {
        cms
    } else {
        let scopes = state.store.item_scopes(&item_id).await?;
        match scopes.as_slice() {
            [] => return Err(not_found()),
            [one] => one.clone(),
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "item {item_id} was submitted by {} CMS tokens: give query `cms` (a token id)",
                    scopes.len()
                )))
            }
        }
    };
    let history = state.store.item_history(&scope, &item_id).await?;
    let current_id = state
        .store
        .current_review_id(&scope, &item_id)
        .await?
        .ok_or_else(not_found)?;
    let current = history
        .iter()
        .find(|r| r.review_id == current_id)
        .ok_or_else(not_found)?;
    Ok(Json(ItemView {
        item_id: item_id.clone(),
        cms: scope.clone(),
        current_review_id: current.review_id.clone(),
        status: current.status,
        publishable: current.status == Status::Approved,
        history: history.into_iter().map(ReviewView::new).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// 1, 2 or 3.
    level: Option<i64>,
    department: Option<String>,
}

/// Pending items, oldest first.
#[utoipa::path(get, path = "/api/v1/queue", tag = "reviews",
    params(QueueQuery),
    responses((status = 200, body = QueueView), InputErrors, AuthErrors),
    security(("bearer" = [])))]
pub async fn get_queue(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<QueueQuery>,
) -> Result<Json<QueueView>, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "the review queue")?;
    if q.level.is_some_and(|l| !(1..=TOP_LEVEL).contains(&l)) {
        return Err(ApiError::BadRequest(
            "query `level` must be 1, 2 or 3".into(),
        ));
    }
    let pending = state.store.queue(q.level, q.department.as_deref()).await?;
    let now = chrono::Utc::now();
    let items: Vec<QueueEntry> = pending
        .iter()
        .map(|r| {
            let age = chrono::DateTime::parse_from_rfc3339(&r.created_at)
                .map(|t| (now - t.with_timezone(&chrono::Utc)).num_seconds())
                .unwrap_or(0);
            let mut categories: Vec<Category> = r.findings.iter().map(|f| f.category).collect();
            categories.sort();
            categories.dedup();
            QueueEntry {
                review: ReviewSummary::from(r),
                age_seconds: age,
                categories,
                findings: r.findings.len(),
            }
        })
        .collect();
    Ok(Json(QueueView {
        count: items.len(),
        items,
    }))
}
