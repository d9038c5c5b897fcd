//! Handlers of the 网站巡检 routes: start a run, list runs with their
//! progress, read one run, its findings grouped by URL, and officers'
//! actions. Glue only (`service::inspect` holds the use cases).

use super::error::ApiError;
use super::extractors::{Caller, JsonBody, PathParams, QueryParams};
use super::responses::{AuthErrors, BodyErrors, ConflictError, InputErrors, NotFoundError};
use crate::service::app::AppState;
use crate::service::inspect::actions::act;
use crate::service::inspect::model::{Action, ActionKind, Record};
use crate::service::inspect::runs::{self, RunRequest};
use crate::service::inspect::summary::Summary;
use crate::service::store::{FrontierCounts, RunRow};
use crate::service::workflow::Role;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A run to start.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionRequest {
    /// A name for the run (default: the first host).
    name: Option<String>,
    /// Start URLs; their hosts are inspected (each must be in the config's
    /// `inspect_hosts`).
    start: Vec<String>,
    /// More hosts that may be requested (also in `inspect_hosts`).
    #[serde(default)]
    allow_hosts: Vec<String>,
    /// Requests per second per host (default 4).
    rate: Option<f64>,
    /// Requests in flight per instance (default 4).
    concurrency: Option<u32>,
    max_pages: Option<u64>,
    max_depth: Option<u32>,
    /// Per request (default 15000).
    timeout_ms: Option<u64>,
    /// Largest response read (default 32 MiB).
    max_bytes: Option<u64>,
    /// Do not obey robots.txt (the run says so).
    #[serde(default)]
    ignore_robots: bool,
}

/// A run with its figures so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionView {
    #[serde(flatten)]
    pub run: RunRow,
    pub summary: Summary,
    /// Links queued, leased, done and skipped (progress).
    pub frontier: FrontierCounts,
}

/// A scheduled run (config `[[inspect_schedule]]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    pub name: String,
    pub start: Vec<String>,
    pub every_hours: f64,
    /// When it is due next (none before the service first saw it).
    pub next_run_at: Option<String>,
    pub last_run_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionList {
    pub count: usize,
    /// Newest first (at most 100).
    pub items: Vec<InspectionView>,
    pub schedules: Vec<ScheduleView>,
}

/// One URL's record with what officers did about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    #[serde(flatten)]
    pub record: Record,
    /// The decoded page (records that are not `pass`), for highlighting;
    /// offsets of findings without `location` count in it.
    pub content: Option<String>,
    /// Actions on this record, oldest first.
    pub actions: Vec<Action>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingsView {
    pub run_id: String,
    pub count: usize,
    /// One per URL, by URL: what is not `pass` (or every record with
    /// `all=true`).
    pub items: Vec<RecordView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    /// Every record, also those that pass.
    all: Option<bool>,
}

/// An officer's action on a record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    record_id: String,
    action: ActionKind,
    /// What was done or why (required).
    comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionList {
    pub count: usize,
    pub items: Vec<Action>,
}

async fn view(state: &AppState, run: RunRow) -> Result<InspectionView, ApiError> {
    let summary = runs::run_summary(&state.store, &run).await?;
    let frontier = state.store.frontier_counts(&run.id).await?;
    Ok(InspectionView {
        run,
        summary,
        frontier,
    })
}

async fn run_or_404(state: &AppState, id: &str) -> Result<RunRow, ApiError> {
    state
        .store
        .inspection(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no inspection {id}")))
}

/// Start a run; the service's workers (every instance on the database)
/// crawl it.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections",
    request_body = InspectionRequest,
    responses(
        (status = 201, description = "The run, queued for the workers", body = InspectionView),
        InputErrors, BodyErrors, AuthErrors,
    ),
    security(("bearer" = [])))]
pub async fn start_inspection(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<InspectionRequest>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "starting an inspection")?;
    let request = RunRequest {
        name: req.name,
        start: req.start,
        allow_hosts: req.allow_hosts,
        rate: req.rate,
        concurrency: req.concurrency,
        max_pages: req.max_pages,
        max_depth: req.max_depth,
        timeout_ms: req.timeout_ms,
        max_bytes: req.max_bytes,
        ignore_robots: req.ignore_robots,
    };
    let run = runs::start(&state, &caller.0, request).await?;
    let body = view(&state, run).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Runs, newest first, with progress and figures; the schedules.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections",
    responses((status = 200, body = InspectionList), AuthErrors),
    security(("bearer" = [])))]
pub async fn list_inspections(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<InspectionList>, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "reading inspections")?;
    let mut items = Vec::new();
    for run in state.store.inspections(100).await? {
        items.push(view(&state, run).await?);
    }
    let stored = state.store.schedules().await?;
    let schedules = state
        .config
        .inspect_schedules
        .iter()
        .map(|s| {
            let row = stored.iter().find(|(n, _, _)| *n == s.name);
            ScheduleView {
                name: s.name.clone(),
                start: s.start.clone(),
                every_hours: s.every_hours,
                next_run_at: row.map(|r| r.1.clone()),
                last_run_id: row.and_then(|r| r.2.clone()),
            }
        })
        .collect();
    Ok(Json(InspectionList {
        count: items.len(),
        items,
        schedules,
    }))
}

/// One run with its figures (and the 已整改 checks it made).
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections",
    params(("id" = String, Path, description = "The run id (`ir_…`)")),
    responses((status = 200, body = InspectionView), InputErrors, NotFoundError, AuthErrors),
    security(("bearer" = [])))]
pub async fn get_inspection(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<InspectionView>, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "reading inspections")?;
    let run = run_or_404(&state, &id).await?;
    Ok(Json(view(&state, run).await?))
}

/// What the run found, one entry per URL, with the page text for
/// highlighting and the actions taken.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/findings", tag = "inspections",
    params(("id" = String, Path, description = "The run id"), FindingsQuery),
    responses((status = 200, body = FindingsView), InputErrors, NotFoundError, AuthErrors),
    security(("bearer" = [])))]
pub async fn get_findings(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<FindingsQuery>,
) -> Result<Json<FindingsView>, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "reading inspections")?;
    let run = run_or_404(&state, &id).await?;
    let actions = state.store.inspection_actions(&run.id).await?;
    let all = q.all.unwrap_or(false);
    let items: Vec<RecordView> = state
        .store
        .inspection_records(&run.id)
        .await?
        .into_iter()
        .filter(|r| all || r.decision != crate::engine::verdict::Decision::Pass)
        .map(|mut record| {
            let content = record.content.take();
            RecordView {
                actions: actions
                    .iter()
                    .filter(|a| a.record_id == record.id)
                    .cloned()
                    .collect(),
                record,
                content,
            }
        })
        .collect();
    Ok(Json(FindingsView {
        run_id: run.id,
        count: items.len(),
        items,
    }))
}

/// 已整改（已删除或修改）, 误报 or 转入审查 on one record, with the reason;
/// recorded in the audit chain.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/actions", tag = "inspections",
    params(("id" = String, Path, description = "The run id")),
    request_body = ActionRequest,
    responses(
        (status = 201, description = "Recorded (转入审查: with the review it created)", body = Action),
        InputErrors, BodyErrors, NotFoundError, ConflictError, AuthErrors,
    ),
    security(("bearer" = [])))]
pub async fn act_on_record(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(req): JsonBody<ActionRequest>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Officer], "acting on inspection findings")?;
    let action = act(
        &state,
        &caller.0,
        &id,
        &req.record_id,
        req.action,
        &req.comment,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(action)).into_response())
}

/// The actions taken on records of this run, oldest first.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/actions", tag = "inspections",
    params(("id" = String, Path, description = "The run id")),
    responses((status = 200, body = ActionList), InputErrors, NotFoundError, AuthErrors),
    security(("bearer" = [])))]
pub async fn list_actions(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<ActionList>, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "reading inspections")?;
    let run = run_or_404(&state, &id).await?;
    let items = state.store.inspection_actions(&run.id).await?;
    Ok(Json(ActionList {
        count: items.len(),
        items,
    }))
}
