//! Handlers of the admin and report routes: tokens, lexicon reloads, the
//! period figures for the 保密自查报告.

use super::error::ApiError;
use super::extractors::{Caller, JsonBody, PathParams, QueryParams};
use super::responses::{
    AuthErrors, BodyErrors, CreatedToken, InputErrors, NotFoundError, Reloaded, TokenList,
};
use crate::service::app::AppState;
use crate::service::auth::token_level;
use crate::service::period_report::period_report;
use crate::service::report::{render_csv, render_markdown, Report};
use crate::service::report_docx::render_docx;
use crate::service::workflow::Role;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day (China Standard Time), e.g. 2026-01-01.
    from: String,
    /// Last day, inclusive.
    to: String,
    /// json (default), csv, markdown or docx (an editable Word file with
    /// the figures table and a chart).
    format: Option<String>,
}

/// The period's figures for the 保密自查报告: the publish hook's and the
/// 网站巡检 ones.
#[utoipa::path(get, path = "/api/v1/report", tag = "report",
    params(ReportQuery),
    responses(
        (status = 200, description = "The figures", content(
            (Report = "application/json"),
            (String = "text/csv"),
            (String = "text/markdown"),
            (String = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        )),
        InputErrors, AuthErrors,
    ),
    security(("bearer" = [])))]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ReportQuery>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Officer, Role::Admin], "reports")?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "markdown" | "md" | "docx") {
        return Err(ApiError::BadRequest(format!(
            "query `format` must be json, csv, markdown or docx, not {format:?}"
        )));
    }
    let report = period_report(&state.store, &q.from, &q.to).await?;
    Ok(match format {
        "docx" => {
            let bytes = render_docx(&report).map_err(ApiError::Internal)?;
            let name = format!("baomi-report-{}-{}.docx", report.from, report.to);
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                            .to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            render_csv(&report),
        )
            .into_response(),
        "markdown" | "md" => (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            render_markdown(&report),
        )
            .into_response(),
        _ => Json(report).into_response(),
    })
}

/// A token to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    role: Role,
    name: String,
    /// Officers only: 1 部门负责人, 2 分管领导, 3 保密工作负责人.
    level: Option<i64>,
}

/// Create a token; its secret is in this answer once, only its hash is kept.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "admin",
    request_body = TokenRequest,
    responses((status = 201, body = CreatedToken), InputErrors, BodyErrors, AuthErrors),
    security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Admin], "managing tokens")?;
    let level = token_level(req.role, req.level, &req.name)?;
    let (info, token) = state
        .store
        .create_token(req.role, level, req.name.trim())
        .await?;
    tracing::info!(token_id = %info.id, role = %info.role, "token created");
    Ok((StatusCode::CREATED, Json(CreatedToken { info, token })).into_response())
}

/// Every token (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "admin",
    responses((status = 200, body = TokenList), AuthErrors),
    security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TokenList>, ApiError> {
    caller.require(&[Role::Admin], "managing tokens")?;
    Ok(Json(TokenList {
        tokens: state.store.list_tokens().await?,
    }))
}

/// Revoke a token; its sessions end with it.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "admin",
    params(("id" = String, Path, description = "The token id (`tk_…`)")),
    responses((status = 204, description = "Revoked"), InputErrors, NotFoundError, AuthErrors),
    security(("bearer" = [])))]
pub async fn revoke_token(
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

/// Rebuild and self-check the lexicons, then swap them in atomically.
#[utoipa::path(post, path = "/api/v1/admin/reload", tag = "admin",
    responses(
        (status = 200, body = Reloaded),
        (status = 422, description = "The new lexicons were refused; the running ones stay", body = super::error::ErrorBody),
        AuthErrors,
    ),
    security(("bearer" = [])))]
pub async fn reload_lexicons(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Reloaded>, ApiError> {
    caller.require(&[Role::Admin], "reloading lexicons")?;
    match state.reload_lexicons().await {
        Ok(lexicon_version) => Ok(Json(Reloaded { lexicon_version })),
        Err(e) => Err(ApiError::Unprocessable(format!(
            "the new lexicons were refused and the running ones ({}) kept: {e}",
            state.engine().lexicon_version()
        ))),
    }
}
