//! The pages for editors and officers (草稿自查, 审查队列, 审查记录与报表),
//! served by `baomi serve` with every asset embedded (intranets have no
//! internet: no CDN, no external fonts).
//!
//! Contract:
//! - Sign-in exchanges a bearer token for a session cookie `baomi_session`
//!   (HttpOnly, SameSite=Strict, Path=/, 12 hours). The cookie holds the
//!   token id, an expiry and an HMAC over both with a per-database secret;
//!   each request re-checks that the token is still live, so revoking the
//!   token ends its sessions.
//! - Requests authenticated by the cookie that change anything (every
//!   non-GET) must carry `X-CSRF-Token` (an HMAC of the cookie, written into
//!   each page) and, when the browser sends one, an `Origin` of this host.
//!   Bearer-token requests (the CMS) need neither: they carry no ambient
//!   credentials.
//! - The pages call the same JSON API as the CMS and enforce nothing the
//!   server does not.

use super::error::ApiError;
use crate::service::app::AppState;
use crate::service::report::html_escape;
use crate::service::signing::{constant_time_eq, hmac_hex};
use crate::service::store::TokenInfo;
use crate::service::workflow::Role;
use axum::extract::{Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub const SESSION_COOKIE: &str = "baomi_session";
const SESSION_SECONDS: i64 = 12 * 3600;

const APP_JS: &str = include_str!("pages/app.js");
const APP_CSS: &str = include_str!("pages/app.css");
const INSPECT_JS: &str = include_str!("pages/inspect.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/check", get(check_page))
        .route("/queue", get(queue_page))
        .route("/queue/{id}", get(item_page))
        .route("/records", get(records_page))
        .route("/inspections", get(inspections_page))
        .route("/inspections/{id}", get(inspection_page))
        .route(
            "/assets/inspect.js",
            get(|| async { asset("text/javascript; charset=utf-8", INSPECT_JS) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        body,
    )
        .into_response()
}

fn mac(secret: &str, message: &str) -> String {
    hmac_hex(secret, message.as_bytes())
}

/// The cookie value for a session: `session id.expiry.hmac` (the HMAC
/// spares the database a lookup for a forged cookie; the session row is what
/// makes it live).
pub fn session_value(secret: &str, session_id: &str, expires: i64) -> String {
    let body = format!("{session_id}.{expires}");
    format!("{body}.{}", mac(secret, &body))
}

/// The CSRF token that goes with a session cookie value.
pub fn csrf_for(secret: &str, session: &str) -> String {
    mac(secret, &format!("csrf:{session}"))
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Verifies a session cookie; returns the token id when it is authentic
/// and not expired.
fn verify_session(secret: &str, value: &str) -> Option<String> {
    let (body, tag) = value.rsplit_once('.')?;
    let (token_id, expires) = body.split_once('.')?;
    let expires: i64 = expires.parse().ok()?;
    let want = mac(secret, body);
    if !constant_time_eq(&want, tag) {
        return None;
    }
    (chrono::Utc::now().timestamp() < expires).then(|| token_id.to_string())
}

/// The caller behind a session cookie, if the request has one. Non-GET
/// requests must also pass the CSRF and Origin checks.
pub async fn caller_from_session(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<TokenInfo>, ApiError> {
    let Some(value) = cookie_value(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session_id) = verify_session(&state.session_secret, value) else {
        return Err(ApiError::Unauthorized);
    };
    if parts.method != Method::GET && parts.method != Method::HEAD {
        check_same_origin(&parts.headers)?;
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !constant_time_eq(sent, &csrf_for(&state.session_secret, value)) {
            return Err(ApiError::Forbidden(
                "missing or wrong X-CSRF-Token: reload the page and try again".into(),
            ));
        }
    }
    // The session must still exist: signing out (or a revoked token) ends it.
    let Some(token_id) = state.store.session_token(&session_id).await? else {
        return Err(ApiError::Unauthorized);
    };
    let token = state.store.token_by_id(&token_id).await?;
    token.map(Some).ok_or(ApiError::Unauthorized)
}

fn check_same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Scheme and host must both be this site's: `http://` is not the same
    // site as `https://` (behind a TLS proxy, X-Forwarded-Proto says which).
    let scheme = if headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
    {
        "https"
    } else {
        "http"
    };
    if !origin.eq_ignore_ascii_case(&format!("{scheme}://{host}")) {
        return Err(ApiError::Forbidden(format!(
            "cross-site request refused (Origin {origin} is not this site)"
        )));
    }
    Ok(())
}

/// A page shell: header with navigation for the role, the body, app.js.
fn page(
    title: &str,
    page_id: &str,
    caller: &TokenInfo,
    csrf: &str,
    body: &str,
    extra_attrs: &str,
) -> Response {
    let mut nav = String::new();
    let links: &[(&str, &str)] = match caller.role {
        Role::Officer => &[
            ("/queue", "审查队列"),
            ("/inspections", "网站巡检"),
            ("/records", "审查记录与报表"),
            ("/check", "草稿自查"),
        ],
        Role::Admin => &[
            ("/records", "审查记录与报表"),
            ("/inspections", "网站巡检"),
            ("/queue", "审查队列"),
            ("/check", "草稿自查"),
        ],
        Role::Editor | Role::Cms => &[("/check", "草稿自查")],
    };
    for (href, label) in links {
        nav.push_str(&format!("<a href=\"{href}\">{label}</a>"));
    }
    let role = match caller.role {
        Role::Officer => format!("保密审查员（第 {} 级）", caller.level.unwrap_or(0)),
        Role::Editor => "编辑".into(),
        Role::Admin => "管理员".into(),
        Role::Cms => "CMS".into(),
    };
    let html = format!(
        r##"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{csrf}"><title>{title} - baomi 保密审查</title>
<link rel="stylesheet" href="/assets/app.css"></head>
<body data-page="{page_id}"{extra_attrs}>
<a class="visually-hidden" href="#main">跳到正文</a>
<header class="top"><strong>baomi 保密审查</strong><nav aria-label="主导航">{nav}</nav>
<span class="who">{name}　{role}　<form method="post" action="/logout" style="display:inline"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" class="secondary" style="padding:.1rem .6rem">退出</button></form></span></header>
<main id="main">{body}</main>
<script src="/assets/app.js"></script>{scripts}</body></html>"##,
        csrf = csrf,
        title = title,
        page_id = page_id,
        extra_attrs = extra_attrs,
        nav = nav,
        name = html_escape(&caller.name),
        role = role,
        body = body,
        scripts = if page_id.starts_with("inspection") {
            r#"<script src="/assets/inspect.js"></script>"#
        } else {
            ""
        },
    );
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// The signed-in caller of a page, or a redirect to the sign-in page.
struct PageCaller {
    token: TokenInfo,
    csrf: String,
}

impl axum::extract::FromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || redirect("/login");
        let Some(value) = cookie_value(&parts.headers, SESSION_COOKIE).map(str::to_string) else {
            return Err(to_login());
        };
        match caller_from_session(parts, state).await {
            Ok(Some(token)) => Ok(PageCaller {
                csrf: csrf_for(&state.session_secret, &value),
                token,
            }),
            _ => Err(to_login()),
        }
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

async fn home(caller: PageCaller) -> Response {
    redirect(match caller.token.role {
        Role::Officer => "/queue",
        Role::Admin => "/records",
        Role::Editor | Role::Cms => "/check",
    })
}

fn login_html(message: Option<&str>) -> Response {
    let alert = message.map_or(String::new(), |m| {
        format!(
            "<div class=\"banner error\" role=\"alert\">{}</div>",
            html_escape(m)
        )
    });
    let html = format!(
        r##"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 - baomi 保密审查</title><link rel="stylesheet" href="/assets/app.css"></head>
<body data-page="login"><header class="top"><strong>baomi 保密审查</strong></header>
<main id="main" style="max-width:36rem"><h1>登录</h1>{alert}
<form method="post" action="/login" id="login-form">
<label for="token">访问令牌</label>
<input id="token" name="token" type="password" autocomplete="off" required style="width:100%" aria-describedby="token-help">
<p id="token-help" class="muted">向管理员索取令牌（<code>baomi token create</code>）。令牌只用于换取本次登录，不保存在浏览器中。</p>
<button type="submit">登录</button></form></main></body></html>"##
    );
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn login_page() -> Response {
    login_html(None)
}

async fn login(State(state): State<AppState>, headers: HeaderMap, req: Request) -> Response {
    // Behind a TLS-terminating proxy the cookie must be Secure.
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    if let Err(e) = check_same_origin(&headers) {
        return e.into_response();
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 16 * 1024).await else {
        return login_html(Some("请求过大"));
    };
    let token = form_field(&body, "token").unwrap_or_default();
    let found = match state.tokens.lookup(&state.store, token.trim()).await {
        Ok(found) => found,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(info) = found else {
        return (
            StatusCode::UNAUTHORIZED,
            login_html(Some("令牌无效或已被吊销")),
        )
            .into_response();
    };
    let expires = chrono::Utc::now().timestamp() + SESSION_SECONDS;
    let session_id = crate::service::store::random_id("ss");
    let expires_at = chrono::DateTime::from_timestamp(expires, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    if let Err(e) = state
        .store
        .create_session(&session_id, &info.id, &expires_at)
        .await
    {
        return ApiError::from(e).into_response();
    }
    let value = session_value(&state.session_secret, &session_id, expires);
    tracing::info!(token_id = %info.id, "signed in");
    let secure = if https { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{secure}"
    );
    let mut resp = redirect("/");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(SET_COOKIE, v);
    }
    resp
}

/// One field of an `application/x-www-form-urlencoded` body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, req: Request) -> Response {
    // Logging out is harmless, but still only from this site's own form.
    if let Err(e) = check_same_origin(&headers) {
        return e.into_response();
    }
    let session = cookie_value(&headers, SESSION_COOKIE).map(str::to_string);
    let body = axum::body::to_bytes(req.into_body(), 4096)
        .await
        .unwrap_or_default();
    let sent = form_field(&body, "csrf").unwrap_or_default();
    if let Some(session) = session {
        if !constant_time_eq(&sent, &csrf_for(&state.session_secret, &session)) {
            return ApiError::Forbidden("missing or wrong CSRF token".into()).into_response();
        }
        // End the session where it lives, not only in this browser.
        if let Some(session_id) = verify_session(&state.session_secret, &session) {
            if let Err(e) = state.store.end_session(&session_id).await {
                return ApiError::from(e).into_response();
            }
        }
    }
    let mut resp = redirect("/login");
    resp.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("baomi_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    resp
}

async fn check_page(caller: PageCaller) -> Response {
    page(
        "草稿自查",
        "check",
        &caller.token,
        &caller.csrf,
        r##"<h1>草稿自查</h1>
<p class="muted">粘贴稿件正文或网页 HTML，或打开文件，然后点“检查”。检查结果不会被记录。</p>
<form id="check-form">
<label for="draft-title">标题</label>
<input id="draft-title" name="title" type="text" style="width:100%" placeholder="发布时的标题（也会检查）">
<label for="draft">稿件内容</label>
<textarea id="draft" name="draft"></textarea>
<div class="row">
<div><label for="draft-format">格式</label><select id="draft-format"><option value="text">纯文本</option><option value="html">网页 HTML</option></select></div>
<div><label for="draft-file">或打开文件（正文 .txt .html .md；附件 .docx .doc .wps .xlsx .xls .et .pptx .odt .ods .odp .ofd .rtf .pdf .zip .csv，图片 .png .jpg .tif .bmp .gif）</label><input id="draft-file" type="file" multiple accept=".txt,.html,.htm,.md,.docx,.doc,.wps,.xlsx,.xls,.et,.pptx,.ppt,.dps,.odt,.ods,.odp,.ofd,.rtf,.pdf,.zip,.csv,.png,.jpg,.jpeg,.tif,.tiff,.bmp,.gif,text/plain,text/html,image/*"><p id="attachment-list" class="muted"></p></div>
<div><button type="submit" id="check-button">检查</button></div>
</div></form>
<p id="check-announce" class="visually-hidden" role="status" aria-live="polite"></p>
<div id="check-result"></div>"##,
        "",
    )
}

async fn queue_page(caller: PageCaller) -> Response {
    page(
        "审查队列",
        "queue",
        &caller.token,
        &caller.csrf,
        r##"<h1>审查队列</h1>
<form id="queue-filter" class="row">
<div><label for="q-level">审查层级</label><select id="q-level"><option value="">全部</option><option value="1">第 1 级（部门负责人）</option><option value="2">第 2 级（分管领导）</option><option value="3">第 3 级（保密工作负责人）</option></select></div>
<div><label for="q-dept">部门</label><input id="q-dept" type="text"></div>
<div><button type="submit">筛选</button></div></form>
<div id="queue-result"></div>"##,
        "",
    )
}

async fn item_page(caller: PageCaller, Path(id): Path<String>) -> Response {
    page(
        "审查",
        "item",
        &caller.token,
        &caller.csrf,
        r##"<p><a href="/queue">← 返回审查队列</a></p><div id="item-result"></div>"##,
        &format!(" data-review=\"{}\"", html_escape(&id)),
    )
}

async fn records_page(caller: PageCaller) -> Response {
    page(
        "审查记录与报表",
        "records",
        &caller.token,
        &caller.csrf,
        r##"<h1>审查记录与报表</h1>
<form id="records-form" class="row">
<div><label for="r-from">起始日期</label><input id="r-from" type="date" required></div>
<div><label for="r-to">截止日期</label><input id="r-to" type="date" required></div>
<div><label for="r-dept">部门</label><input id="r-dept" type="text"></div>
<div><label for="r-decision">检查结果</label><select id="r-decision"><option value="">全部</option><option value="pass">通过</option><option value="review">需审查</option><option value="block">拦截</option></select></div>
<div><label for="r-category">问题类别</label><select id="r-category"><option value="">全部</option><option value="marking">国家秘密标志</option><option value="register">涉密或未公开文件</option><option value="internal">内部事项</option><option value="draft">过程性信息</option><option value="personal">个人信息</option><option value="credential">账号口令与内网信息</option><option value="sensitive">敏感工作信息</option></select></div>
<div><button type="submit">查询</button></div></form>
<h2>统计（保密自查报告用）</h2><div id="report-result"></div>
<h2>审查记录</h2><div id="records-result"></div>"##,
        "",
    )
}

async fn inspections_page(caller: PageCaller) -> Response {
    page(
        "网站巡检",
        "inspections",
        &caller.token,
        &caller.csrf,
        r##"<h1>网站巡检</h1>
<p class="muted">对已发布的网站逐页、逐个附件检查，发现的问题可标记“已整改”“误报”或“转入审查”。下一次巡检会复查已整改的网址。</p>
<form id="inspect-form">
<label for="i-start">起始网址（每行一个；只抓取这些网址所在的网站）</label>
<textarea id="i-start" style="min-height:4rem" placeholder="https://www.example.gov.cn/" required></textarea>
<div class="row">
<div><label for="i-name">名称</label><input id="i-name" type="text" placeholder="门户网站"></div>
<div><label for="i-hosts">另外允许的主机（逗号分隔）</label><input id="i-hosts" type="text" placeholder="files.example.gov.cn"></div>
<div><label for="i-pages">最多页数</label><input id="i-pages" type="number" min="1" value="10000"></div>
<div><label for="i-rate">每秒请求数（每个主机）</label><input id="i-rate" type="number" min="0.1" step="0.1" value="4"></div>
<div><label><input id="i-robots" type="checkbox"> 不遵守 robots.txt（检查本单位网站时可选）</label></div>
<div><button type="submit">开始巡检</button></div>
</div></form>
<div id="inspect-start-result" aria-live="polite"></div>
<h2>巡检记录</h2><div id="inspections-result"></div>
<h2>定期巡检</h2><div id="schedules-result"></div>"##,
        "",
    )
}

async fn inspection_page(caller: PageCaller, Path(id): Path<String>) -> Response {
    page(
        "巡检结果",
        "inspection",
        &caller.token,
        &caller.csrf,
        r##"<p><a href="/inspections">← 返回网站巡检</a></p><div id="inspection-result"></div><div id="findings-result"></div>"##,
        &format!(" data-inspection=\"{}\"", html_escape(&id)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_verify_only_when_authentic_and_fresh() {
        let future = chrono::Utc::now().timestamp() + 60;
        let v = session_value("k", "tk_1", future);
        assert_eq!(verify_session("k", &v).as_deref(), Some("tk_1"));
        assert_eq!(verify_session("other", &v), None);
        assert_eq!(verify_session("k", &v.replace("tk_1", "tk_2")), None);
        let past = session_value("k", "tk_1", chrono::Utc::now().timestamp() - 1);
        assert_eq!(verify_session("k", &past), None);
    }

    #[test]
    fn form_fields_are_percent_decoded() {
        assert_eq!(
            form_field(b"a=1&token=bm_ab%2Bc+d", "token").as_deref(),
            Some("bm_ab+c d")
        );
        assert_eq!(form_field(b"token=%zz", "token").as_deref(), Some("%zz"));
        assert_eq!(form_field(b"x=1", "token"), None);
    }
}
