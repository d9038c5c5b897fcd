//! Routes and handlers of `/api/v1` (documented in `openapi.json`, served at
//! `/api/v1/openapi.json`), plus `/healthz`, `/readyz` and `/metrics`.

use super::attachments::{record_of, AttachmentInput, ItemBody, Upload, WithAttachments};
use super::error::ApiError;
use super::extract::{Caller, JsonBody, PathParams, QueryParams};
use super::AppState;
use crate::engine::{Document, Format, ScanOptions, ENGINE_VERSION};
use crate::review::{
    decide_resolution, Action, Officer, PendingView, Refusal, Role, Status, TOP_LEVEL,
};
use crate::store::{AttachmentRecord, NewResolution, NewReview, ReviewRecord};
use crate::verdict::{Decision, Verdict};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// Every route, for the router and for the test that checks the OpenAPI
/// document covers them.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/reviews"),
    ("post", "/api/v1/check"),
    ("get", "/api/v1/reviews"),
    ("get", "/api/v1/reviews/{id}"),
    ("get", "/api/v1/reviews/{id}/form"),
    ("post", "/api/v1/reviews/{id}/resolution"),
    ("get", "/api/v1/items/{item_id}"),
    ("get", "/api/v1/queue"),
    ("get", "/api/v1/report"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("post", "/api/v1/admin/reload"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
];

pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/v1/reviews",
            post(submit_review).get(super::web::search_reviews),
        )
        .route("/api/v1/check", post(check_draft))
        .route("/api/v1/reviews/{id}", get(get_review))
        .route("/api/v1/reviews/{id}/form", get(get_form))
        .route("/api/v1/reviews/{id}/resolution", post(resolve_review))
        .route("/api/v1/items/{item_id}", get(get_item))
        .route("/api/v1/queue", get(get_queue))
        .route("/api/v1/report", get(get_report))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/admin/reload", post(reload_lexicons))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(super::web::routes())
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Multipart bodies obey the same limit as JSON ones (axum's default
        // is 2 MB).
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Request id, one log line per request (no bodies), latency by route.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| crate::store::random_id("rq"));
    let route: &'static str = match req.extensions().get::<MatchedPath>().map(|m| m.as_str()) {
        Some(path) => ROUTES
            .iter()
            .find(|(_, p)| *p == path)
            .map_or("other", |(_, p)| *p),
        None => "unmatched",
    };
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %request_id, %method, route);
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    state.metrics.record_latency(route, elapsed);
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            ms = elapsed.as_secs_f64() * 1e3,
            "done"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewRequest {
    item_id: String,
    content: String,
    #[serde(default)]
    format: Format,
    title: Option<String>,
    submitter: Option<String>,
    department: Option<String>,
    channel: Option<String>,
    url: Option<String>,
    callback_url: Option<String>,
    #[serde(default)]
    attachments: Vec<AttachmentInput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    /// May be left out when attachments are given.
    #[serde(default)]
    content: String,
    #[serde(default)]
    format: Format,
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

/// How long the attachments of one item may take on top of the text's
/// budget (the engine's own per-attachment limit is 20 s).
const ATTACHMENT_BUDGET: std::time::Duration = std::time::Duration::from_secs(30);

/// What the engine said about an item: its text, each attachment, and the
/// item's decision (the worst of them).
struct ItemVerdict {
    text: Verdict,
    attachments: Vec<AttachmentRecord>,
    decision: Decision,
}

/// Scans the text and every attachment off the runtime within the budget
/// (`scan_budget`, plus [`ATTACHMENT_BUDGET`] when there are files). A panic
/// or a timeout is an incomplete verdict: `review`, with the reason, never
/// `pass`; unscanned attachments are recorded as `review` too.
async fn scan_item(
    state: &AppState,
    content: Arc<String>,
    format: Format,
    uploads: Arc<Vec<Upload>>,
) -> ItemVerdict {
    let engine = state.engine();
    let lexicon_version = engine.lexicon_version().to_string();
    let budget = if uploads.is_empty() {
        state.config.scan_budget
    } else {
        state.config.scan_budget + ATTACHMENT_BUDGET
    };
    let files = uploads.clone();
    let task = tokio::task::spawn_blocking(move || {
        let options = ScanOptions {
            utf16_offsets: true,
        };
        let text = engine.scan_with(
            &Document {
                content: &content,
                format,
            },
            &options,
        );
        let attachments: Vec<AttachmentRecord> = files
            .iter()
            .map(|u| record_of(u, engine.scan_attachment(&u.name, &u.bytes, &options)))
            .collect();
        (text, attachments)
    });
    let failed = |reason: String| {
        let text = Verdict {
            decision: Decision::Review,
            findings: Vec::new(),
            incomplete: Some(reason.clone()),
            lexicon_version: lexicon_version.clone(),
            engine_version: ENGINE_VERSION.to_string(),
        };
        let records = uploads
            .iter()
            .map(|u| AttachmentRecord {
                name: u.name.clone(),
                content_type: u.content_type.clone(),
                size: u.bytes.len() as u64,
                sha256: crate::store::sha256_hex(&u.bytes),
                decision: Decision::Review,
                findings: Vec::new(),
                error: Some(reason.clone()),
            })
            .collect();
        (text, records)
    };
    let (text, attachments) = match tokio::time::timeout(budget, task).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "engine failed on an item");
            failed("the engine failed on this item; a person must review it".into())
        }
        Err(_) => failed(format!(
            "the engine did not finish within its budget of {} ms; a person must review it",
            budget.as_millis()
        )),
    };
    if text.incomplete.is_some() {
        state.metrics.record_incomplete();
    }
    let decision = attachments
        .iter()
        .map(|a| a.decision)
        .fold(text.decision, Decision::max);
    state.metrics.record_verdict(
        decision,
        text.findings
            .iter()
            .chain(attachments.iter().flat_map(|a| a.findings.iter()))
            .map(|f| f.category),
    );
    ItemVerdict {
        text,
        attachments,
        decision,
    }
}

fn non_empty(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::BadRequest(format!(
            "field `{field}` is longer than {max} characters"
        ))),
        Some(v) if v.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

async fn submit_review(
    State(state): State<AppState>,
    caller: Caller,
    ItemBody(req, uploads): ItemBody<ReviewRequest>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Cms, Role::Admin], "submitting an item")?;
    if req.item_id.trim().is_empty() || req.item_id.chars().count() > 200 {
        return Err(ApiError::BadRequest(
            "field `item_id` must be 1 to 200 characters".into(),
        ));
    }
    if let Some(url) = &req.callback_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiError::BadRequest(
                "field `callback_url` must be an http:// or https:// URL".into(),
            ));
        }
    }
    let format_name = match req.format {
        Format::Text => "text",
        Format::Html => "html",
    };
    // The same item with the same text and files is the same review.
    let mut identity = format!("{format_name}\n{}", req.content);
    for u in &uploads {
        identity.push_str(&format!(
            "\n\0{}\0{}",
            u.name,
            crate::store::sha256_hex(&u.bytes)
        ));
    }
    let content_hash = crate::store::sha256_hex(identity.as_bytes());
    // Every field is checked before the scan: a rejected request costs no scan.
    let title = non_empty("title", req.title, 500)?;
    let submitter = non_empty("submitter", req.submitter, 100)?;
    let department = non_empty("department", req.department, 200)?;
    let channel = non_empty("channel", req.channel, 100)?;
    let url = non_empty("url", req.url, 2000)?;
    let content = Arc::new(req.content);
    let item = scan_item(&state, content.clone(), req.format, Arc::new(uploads)).await;
    let new = NewReview {
        item_id: req.item_id,
        content: Arc::unwrap_or_clone(content),
        format: format_name.into(),
        content_hash,
        title,
        submitter,
        department,
        channel,
        url,
        callback_url: req.callback_url,
        token_id: caller.0.id.clone(),
        decision: item.decision,
        findings: item.text.findings,
        attachments: item.attachments,
        incomplete: item.text.incomplete,
        lexicon_version: item.text.lexicon_version,
        engine_version: item.text.engine_version,
    };
    let (record, created) = state.store.record_review(new).await?;
    let rules: Vec<&str> = record.findings.iter().map(|f| f.rule.as_str()).collect();
    tracing::info!(review_id = %record.review_id, decision = %record.decision, created, rules = ?rules, "review recorded");
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(review_json(&record, false))).into_response())
}

async fn check_draft(
    State(state): State<AppState>,
    caller: Caller,
    ItemBody(req, uploads): ItemBody<CheckRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(
        &[Role::Editor, Role::Officer, Role::Cms, Role::Admin],
        "checking a draft",
    )?;
    if req.content.is_empty() && uploads.is_empty() {
        return Err(ApiError::BadRequest(
            "missing field `content`: give the draft's text, attachments, or both".into(),
        ));
    }
    let item = scan_item(&state, Arc::new(req.content), req.format, Arc::new(uploads)).await;
    let mut value = serde_json::to_value(&item.text).unwrap_or_default();
    value["decision"] = serde_json::to_value(item.decision).unwrap_or_default();
    value["attachments"] = serde_json::to_value(&item.attachments).unwrap_or_default();
    Ok(Json(value))
}

fn review_json(record: &ReviewRecord, with_content: bool) -> serde_json::Value {
    let mut value = serde_json::to_value(record).unwrap_or_default();
    value["publishable"] = serde_json::Value::Bool(record.status == Status::Approved);
    if with_content {
        value["content"] = serde_json::to_value(&record.content).unwrap_or_default();
    }
    value
}

/// Loads a review the caller may see: officers and admins see every one, a
/// CMS token only its own (others are 404, not 403: no probing for ids).
async fn visible_review(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<ReviewRecord, ApiError> {
    caller.require(&[Role::Cms, Role::Officer, Role::Admin], "reading reviews")?;
    let record = state
        .store
        .review(id)
        .await?
        .filter(|r| caller.0.role != Role::Cms || r.token_id == caller.0.id)
        .ok_or_else(|| ApiError::NotFound(format!("no review {id}")))?;
    Ok(record)
}

async fn get_review(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let record = visible_review(&state, &caller, &id).await?;
    let officer = caller.0.role != Role::Cms;
    let mut value = review_json(&record, officer);
    value["resolutions"] =
        serde_json::to_value(state.store.resolutions(&id).await?).unwrap_or_default();
    value["deliveries"] =
        serde_json::to_value(state.store.delivery_attempts(&id).await?).unwrap_or_default();
    Ok(Json(value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormQuery {
    format: Option<String>,
}

async fn get_form(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<FormQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let record = visible_review(&state, &caller, &id).await?;
    let resolutions = state.store.resolutions(&id).await?;
    let wants_html = match q.format.as_deref() {
        Some("html") => true,
        Some("json") | None => {
            q.format.is_none()
                && headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|a| a.contains("text/html"))
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "query `format` must be html or json, not {other:?}"
            )))
        }
    };
    if wants_html {
        Ok((
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            crate::report::form_html(&record, &resolutions),
        )
            .into_response())
    } else {
        Ok(Json(crate::report::form_json(&record, &resolutions)).into_response())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionRequest {
    action: Action,
    comment: String,
    basis: String,
}

async fn resolve_review(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(req): JsonBody<ResolutionRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(&[Role::Officer], "resolving a review")?;
    let level = caller
        .0
        .level
        .filter(|l| (1..=TOP_LEVEL).contains(l))
        .ok_or_else(|| {
            ApiError::Forbidden(
                "this officer token has no level 1–3; create it with --level".into(),
            )
        })?;
    if req.comment.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "field `comment` must not be empty".into(),
        ));
    }
    if req.basis.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "field `basis` must not be empty: give the basis and reason (依据和理由)".into(),
        ));
    }
    let review = state
        .store
        .review(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no review {id}")))?;
    let officer = Officer {
        name: &caller.0.name,
        level,
    };
    let view = PendingView {
        status: review.status,
        decision: review.decision,
        level: review.level,
        submitter: review.submitter.as_deref(),
    };
    let transition =
        decide_resolution(view, &officer, req.action).map_err(|refusal| match refusal {
            Refusal::NotPending(_) | Refusal::AlreadyAtTop => {
                ApiError::Conflict(refusal.to_string())
            }
            _ => ApiError::Forbidden(refusal.to_string()),
        })?;
    let callback = review
        .callback_url
        .clone()
        .or_else(|| state.config.webhook_url.clone());
    let updated = state
        .store
        .resolve(
            &review,
            NewResolution {
                action: req.action,
                officer_token: &caller.0.id,
                officer_name: &caller.0.name,
                level,
                comment: req.comment.trim(),
                basis: req.basis.trim(),
                transition,
                callback_url: callback.as_deref(),
            },
        )
        .await?;
    tracing::info!(review_id = %id, action = req.action.as_str(), status = updated.status.as_str(), "review resolved");
    let mut value = review_json(&updated, true);
    value["resolutions"] =
        serde_json::to_value(state.store.resolutions(&id).await?).unwrap_or_default();
    Ok(Json(value))
}

async fn get_item(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(item_id): PathParams<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(
        &[Role::Cms, Role::Officer, Role::Admin],
        "reading item history",
    )?;
    let history: Vec<ReviewRecord> = state
        .store
        .item_history(&item_id)
        .await?
        .into_iter()
        .filter(|r| caller.0.role != Role::Cms || r.token_id == caller.0.id)
        .collect();
    let current = history
        .last()
        .ok_or_else(|| ApiError::NotFound(format!("no reviews of item {item_id}")))?;
    Ok(Json(serde_json::json!({
        "item_id": item_id,
        "current_review_id": current.review_id,
        "status": current.status,
        "publishable": current.status == Status::Approved,
        "history": history.iter().map(|r| review_json(r, false)).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    level: Option<i64>,
    department: Option<String>,
}

async fn get_queue(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<QueueQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "the review queue")?;
    if q.level.is_some_and(|l| !(1..=TOP_LEVEL).contains(&l)) {
        return Err(ApiError::BadRequest(
            "query `level` must be 1, 2 or 3".into(),
        ));
    }
    let items = state.store.queue(q.level, q.department.as_deref()).await?;
    let now = chrono::Utc::now();
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|r| {
            let age = chrono::DateTime::parse_from_rfc3339(&r.created_at)
                .map(|t| (now - t.with_timezone(&chrono::Utc)).num_seconds())
                .unwrap_or(0);
            let mut categories: Vec<&str> =
                r.findings.iter().map(|f| f.category.as_str()).collect();
            categories.sort();
            categories.dedup();
            serde_json::json!({
                "review_id": r.review_id, "item_id": r.item_id, "title": r.title,
                "department": r.department, "submitter": r.submitter, "decision": r.decision,
                "level": r.level, "created_at": r.created_at, "age_seconds": age,
                "categories": categories, "findings": r.findings.len(),
            })
        })
        .collect();
    Ok(Json(
        serde_json::json!({"count": rows.len(), "items": rows}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    from: String,
    to: String,
    format: Option<String>,
}

/// `[from, to]` as whole days → `[from, to + 1 day)` in RFC 3339 text.
pub fn report_period(from: &str, to: &str) -> Result<(String, String), String> {
    let parse = |name: &str, s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("`{name}` must be a date like 2026-01-31, not {s:?}"))
    };
    let (f, t) = (parse("from", from)?, parse("to", to)?);
    if t < f {
        return Err("`to` is before `from`".into());
    }
    let end = t.succ_opt().ok_or("`to` is out of range")?;
    // Days are China Standard Time (UTC+8, no daylight saving): a review at
    // 07:00 Beijing time on 1 January belongs to the new year.
    let utc = |d: chrono::NaiveDate| {
        (d.and_hms_opt(0, 0, 0).expect("midnight exists")
            - chrono::Duration::hours(crate::report::UTC_OFFSET_HOURS))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
    };
    Ok((utc(f), utc(end)))
}

async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ReportQuery>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "reports")?;
    let (from, to) = report_period(&q.from, &q.to).map_err(ApiError::BadRequest)?;
    let reviews = state.store.reviews_between(&from, &to).await?;
    let resolutions = state.store.resolutions_between(&from, &to).await?;
    let report = crate::report::figures(&q.from, &q.to, &reviews, &resolutions);
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => Json(report).into_response(),
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            crate::report::render_csv(&report),
        )
            .into_response(),
        "markdown" | "md" => (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            crate::report::render_markdown(&report),
        )
            .into_response(),
        other => {
            return Err(ApiError::BadRequest(format!(
                "query `format` must be json, csv or markdown, not {other:?}"
            )))
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    role: Role,
    name: String,
    level: Option<i64>,
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Admin], "managing tokens")?;
    let level =
        validate_token_request(req.role, req.level, &req.name).map_err(ApiError::BadRequest)?;
    let (info, secret) = state
        .store
        .create_token(req.role, level, req.name.trim())
        .await?;
    tracing::info!(token_id = %info.id, role = %info.role, "token created");
    let mut value = serde_json::to_value(&info).unwrap_or_default();
    value["token"] = serde_json::Value::String(secret);
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// Officers need a level 1–3; other roles have none.
pub fn validate_token_request(
    role: Role,
    level: Option<i64>,
    name: &str,
) -> Result<Option<i64>, String> {
    if name.trim().is_empty() {
        return Err("`name` must not be empty".into());
    }
    match (role, level) {
        (Role::Officer, Some(l)) if (1..=TOP_LEVEL).contains(&l) => Ok(Some(l)),
        (Role::Officer, _) => Err(
            "an officer token needs `level` 1 (部门负责人), 2 (分管领导) or 3 (保密工作负责人)"
                .into(),
        ),
        (_, Some(_)) => Err("only officer tokens have a level".into()),
        (_, None) => Ok(None),
    }
}

async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(&[Role::Admin], "managing tokens")?;
    Ok(Json(
        serde_json::json!({"tokens": state.store.list_tokens().await?}),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(&[Role::Admin], "managing tokens")?;
    if state.store.revoke_token(&id).await? == 0 {
        return Err(ApiError::NotFound(format!("no live token {id}")));
    }
    state.tokens.clear();
    tracing::info!(token_id = %id, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}

async fn reload_lexicons(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(&[Role::Admin], "reloading lexicons")?;
    match state.reload_lexicons().await {
        Ok(version) => Ok(Json(serde_json::json!({"lexicon_version": version}))),
        Err(e) => Err(ApiError::Unprocessable(format!(
            "the new lexicons were refused and the running ones ({}) kept: {e}",
            state.engine().lexicon_version()
        ))),
    }
}

async fn openapi(_caller: Caller) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.queue_size().await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>, _caller: Caller) -> Response {
    let queue = state.store.queue_size().await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(queue),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::report_period;

    #[test]
    fn report_days_are_china_standard_time() {
        assert_eq!(
            report_period("2026-01-01", "2026-12-31").unwrap(),
            (
                "2025-12-31T16:00:00.000Z".to_string(),
                "2026-12-31T16:00:00.000Z".to_string()
            )
        );
        assert!(report_period("2026-02-01", "2026-01-01").is_err());
        assert!(report_period("2026-13-01", "2026-12-31").is_err());
    }
}
