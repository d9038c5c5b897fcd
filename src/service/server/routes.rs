//! The routes: the API (with its generated OpenAPI document), the pages,
//! the fallbacks, the body limit and the request log.

use super::error::{ApiError, ErrorBody};
use super::health::OpenApiJson;
use super::{admin, health, inspections, pages, reviews};
use crate::service::app::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Extension, Router};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tracing::Instrument;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The API routes with their documentation: the router and the OpenAPI
/// document come from the same list, so neither can have a route the other
/// lacks.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(reviews::submit_review, reviews::search_reviews))
        .routes(routes!(reviews::check_draft))
        .routes(routes!(reviews::get_review))
        .routes(routes!(reviews::get_form))
        .routes(routes!(reviews::resolve_review))
        .routes(routes!(reviews::get_item))
        .routes(routes!(reviews::get_queue))
        .routes(routes!(admin::get_report))
        .routes(routes!(admin::list_tokens, admin::create_token))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(admin::reload_lexicons))
        .routes(routes!(
            inspections::start_inspection,
            inspections::list_inspections
        ))
        .routes(routes!(inspections::get_inspection))
        .routes(routes!(inspections::get_findings))
        .routes(routes!(
            inspections::act_on_record,
            inspections::list_actions
        ))
        .routes(routes!(health::openapi))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "baomi 保密审查",
        description = "The publish hook a CMS calls before publishing, the 三审 queue and the record. \
            Every error is `{\"error\": {\"code\", \"message\"}}`.",
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "reviews", description = "The publish hook, draft checks, the record and the 三审 queue"),
        (name = "report", description = "Figures for the 保密自查报告"),
        (name = "inspections", description = "网站巡检: crawl the published portal, act on what is found"),
        (name = "admin", description = "Tokens and lexicons"),
        (name = "health", description = "Liveness, readiness, metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("bm_…")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of `/api/v1` (generated once).
pub fn openapi_document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| api_routes().split_for_parts().1)
}

/// The document as JSON, as served.
pub fn openapi_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| openapi_document().to_pretty_json().unwrap_or_default())
}

/// Every documented path (for metrics labels).
fn known_paths() -> &'static [&'static str] {
    static PATHS: OnceLock<Vec<&'static str>> = OnceLock::new();
    PATHS.get_or_init(|| {
        openapi_document()
            .paths
            .paths
            .keys()
            .map(|p| &*Box::leak(p.clone().into_boxed_str()))
            .collect()
    })
}

pub fn router(state: AppState) -> Router {
    let (api, _) = api_routes().split_for_parts();
    api.merge(pages::routes())
        .layer(Extension(OpenApiJson(Arc::from(openapi_json()))))
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
        .unwrap_or_else(|| crate::service::store::random_id("rq"));
    let route: &'static str = match req.extensions().get::<MatchedPath>().map(|m| m.as_str()) {
        Some(path) => known_paths()
            .iter()
            .find(|p| **p == path)
            .map_or("other", |p| *p),
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
