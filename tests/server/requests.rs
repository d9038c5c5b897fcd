//! Tokens, malformed and oversized requests (none of which records anything), the time budget.

use super::*;

pub async fn tokens_401_and_403_with_json_bodies_record_nothing(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let admin = svc.token(Role::Admin, None, "admin").await;
    let editor = svc.token(Role::Editor, None, "editor").await;
    let l3 = svc.token(Role::Officer, Some(3), "保密负责人").await;
    // A token made through the API, used, then revoked through the API.
    let (code, made) = svc
        .post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "cms", "name": "portal"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{made}");
    let cms = made["token"].as_str().unwrap().to_string();
    assert!(cms.starts_with("bm_"));
    let (code, r) = svc
        .submit(&cms, json!({"item_id": "a-1", "content": FLAGGED}))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{r}");
    let review_id = r["review_id"].as_str().unwrap().to_string();
    let (code, list) = svc.get("/api/v1/tokens", &admin).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        !list.to_string().contains(&cms),
        "token secrets are never listed"
    );
    let before = svc.recorded().await;

    let body = json!({"item_id": "a-2", "content": BLOCKED});
    let send = |auth: Option<String>| {
        let mut req = svc.http.post(svc.url("/api/v1/reviews")).json(&body);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        async move { server_support::answer(req.send().await.unwrap()).await }
    };
    for (what, auth) in [
        ("no header", None),
        ("unknown token", Some("Bearer bm_000000000000".to_string())),
        ("empty bearer", Some("Bearer ".to_string())),
        ("basic auth", Some(format!("Basic {cms}"))),
        ("bare token", Some(cms.clone())),
    ] {
        let (code, v) = send(auth).await;
        assert_eq!(code, StatusCode::UNAUTHORIZED, "{what}: {v}");
        assert_eq!(error_code(&v), "unauthorized", "{what}: {v}");
    }
    let (code, _) = svc
        .http
        .delete(svc.url(&format!("/api/v1/tokens/{}", made["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(code, StatusCode::NO_CONTENT);
    let (code, v) = send(Some(format!("Bearer {cms}"))).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "revoked token: {v}");
    assert_eq!(error_code(&v), "unauthorized");

    for (what, path, token, body) in [
        ("editor submits", "/api/v1/reviews", &editor, body.clone()),
        ("officer submits", "/api/v1/reviews", &l3, body.clone()),
        (
            "editor resolves",
            "/api/v1/reviews/{id}/resolution",
            &editor,
            json!({"action": "approve", "comment": "c", "basis": "b"}),
        ),
        (
            "admin resolves",
            "/api/v1/reviews/{id}/resolution",
            &admin,
            json!({"action": "approve", "comment": "c", "basis": "b"}),
        ),
        ("officer reloads", "/api/v1/admin/reload", &l3, json!({})),
        (
            "officer makes tokens",
            "/api/v1/tokens",
            &l3,
            json!({"role": "admin", "name": "x"}),
        ),
    ] {
        let path = path.replace("{id}", &review_id);
        let (code, v) = svc.post(&path, token, &body).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{what}: {v}");
        assert_eq!(error_code(&v), "forbidden", "{what}: {v}");
        assert!(error_message(&v).contains("role"), "{what}: {v}");
    }
    let (code, v) = svc
        .get("/api/v1/report?from=2026-01-01&to=2026-01-02", &editor)
        .await;
    assert_eq!(
        (code, error_code(&v)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "{v}"
    );
    assert_eq!(
        svc.recorded().await,
        before,
        "a refused request recorded something"
    );
    let (_, r) = svc.get(&format!("/api/v1/reviews/{review_id}"), &l3).await;
    assert_eq!(r["status"], "pending", "{r}");
    svc.stop().await;
}

/// (what, path, content type, body, status, text the message must contain)
type BodyCase<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Vec<u8>,
    StatusCode,
    &'a str,
);

pub async fn malformed_requests_are_400_naming_the_field_and_record_nothing(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer").await;
    let (_, pending) = svc
        .submit(&cms, json!({"item_id": "m-0", "content": FLAGGED}))
        .await;
    let resolution = format!(
        "/api/v1/reviews/{}/resolution",
        pending["review_id"].as_str().unwrap()
    );
    let before = svc.recorded().await;
    let json_ct = Some("application/json");
    let long_title = "标".repeat(501);
    let long_title_body =
        json!({"item_id": "m-1", "content": BLOCKED, "title": long_title}).to_string();
    let mut non_utf8 = br#"{"item_id": "m-1", "content": "abc"#.to_vec();
    non_utf8.extend_from_slice(&[0xff, 0xfe]);
    non_utf8.extend_from_slice(br#""}"#);
    // One row per case, one line per row.
    #[rustfmt::skip]
    let cases: Vec<BodyCase> = vec![
        (
            "invalid JSON",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1","#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid JSON",
        ),
        (
            "not an object",
            "/api/v1/reviews",
            json_ct,
            b"[]".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid JSON",
        ),
        (
            "empty body",
            "/api/v1/reviews",
            json_ct,
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "invalid JSON",
        ),
        (
            "missing content",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`content`",
        ),
        (
            "missing item_id",
            "/api/v1/reviews",
            json_ct,
            br#"{"content": "x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`item_id`",
        ),
        (
            "null item_id",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": null, "content": "x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`item_id`",
        ),
        (
            "item_id a number",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": 5, "content": "x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`item_id`",
        ),
        (
            "content a list",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1", "content": ["x"]}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`content`",
        ),
        (
            "title a number",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1", "content": "x", "title": 1}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`title`",
        ),
        (
            "unknown format",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1", "content": "x", "format": "pdf"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`format`",
        ),
        (
            "unknown field",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1", "content": "x", "colour": "red"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`colour`",
        ),
        (
            "lone surrogate",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1", "content": "\ud800"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`content`",
        ),
        (
            "non-UTF-8",
            "/api/v1/reviews",
            json_ct,
            non_utf8,
            StatusCode::BAD_REQUEST,
            "UTF-8",
        ),
        (
            "blank item_id",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "  ", "content": "x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`item_id`",
        ),
        (
            "callback not http",
            "/api/v1/reviews",
            json_ct,
            br#"{"item_id": "m-1", "content": "x", "callback_url": "ftp://cms/x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`callback_url`",
        ),
        (
            "title too long",
            "/api/v1/reviews",
            json_ct,
            long_title_body.into_bytes(),
            StatusCode::BAD_REQUEST,
            "`title`",
        ),
        (
            "text/plain",
            "/api/v1/reviews",
            Some("text/plain"),
            br#"{"item_id": "m-1", "content": "x"}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            "form encoded",
            "/api/v1/reviews",
            Some("application/x-www-form-urlencoded"),
            b"item_id=m-1&content=x".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            "no content type",
            "/api/v1/reviews",
            None,
            br#"{"item_id": "m-1", "content": "x"}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            "check: unknown format",
            "/api/v1/check",
            json_ct,
            br#"{"content": "x", "format": "docx"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`format`",
        ),
        (
            "check: missing content",
            "/api/v1/check",
            json_ct,
            b"{}".to_vec(),
            StatusCode::BAD_REQUEST,
            "`content`",
        ),
        (
            "resolution: unknown action",
            &resolution,
            json_ct,
            br#"{"action": "ignore", "comment": "c", "basis": "b"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`action`",
        ),
        (
            "resolution: missing basis",
            &resolution,
            json_ct,
            br#"{"action": "approve", "comment": "c"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "`basis`",
        ),
    ];
    for (what, path, content_type, body, want, needle) in cases {
        let token = if path.ends_with("/resolution") {
            &l1
        } else {
            &cms
        };
        let mut req = svc.http.post(svc.url(path)).bearer_auth(token).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let (code, v) = server_support::answer(req.send().await.unwrap()).await;
        assert_eq!(code, want, "{what}: {v}");
        assert!(
            error_message(&v).contains(needle),
            "{what}: the message should contain {needle:?}: {v}"
        );
        assert_eq!(svc.recorded().await, before, "{what}: recorded something");
    }
    // Unknown routes and bad query strings are JSON errors too.
    let (code, v) = svc.get("/api/v1/nothing-here", &cms).await;
    assert_eq!((code, error_code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    let (code, v) = svc.get("/api/v1/items/%FF", &cms).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(error_message(&v).contains("`item_id`"), "{v}");
    let resp = svc
        .http
        .put(svc.url("/api/v1/reviews"))
        .bearer_auth(&cms)
        .send()
        .await
        .unwrap();
    let (code, v) = server_support::answer(resp).await;
    assert_eq!(
        (code, error_code(&v)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    assert_eq!(svc.recorded().await, before);
    svc.stop().await;
}

pub async fn body_over_the_limit_is_413_and_records_nothing(on: On) {
    let svc = TestService::start(on, |c, _| c.body_limit = 4096).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let before = svc.recorded().await;
    let big = "机密★1年\n".to_string() + &"正文".repeat(1000); // > 4096 bytes
    let (code, v) = svc
        .submit(&cms, json!({"item_id": "big", "content": big}))
        .await;
    assert_eq!(code, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(error_code(&v), "too_large");
    assert!(error_message(&v).contains("4096"), "{v}");
    assert_eq!(svc.recorded().await, before, "a 413 recorded something");
    let (code, v) = svc
        .post("/api/v1/check", &cms, &json!({"content": big}))
        .await;
    assert_eq!(code, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    // Under the limit is fine.
    let (code, v) = svc
        .submit(&cms, json!({"item_id": "small", "content": BLOCKED}))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{v}");
    svc.stop().await;
}

/// The default limit is 16 MiB, above axum's own 2 MB default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub async fn default_body_limit_is_16_mib() {
    let on = On {
        backend: server_support::Backend::Sqlite,
        test: "default_body_limit",
    };
    let svc = TestService::start(on, |_, _| {}).await;
    assert_eq!(svc.state.config.body_limit, 16 * 1024 * 1024);
    let editor = svc.token(Role::Editor, None, "editor").await;
    let three_mb = "a".repeat(3 << 20);
    let (code, v) = svc
        .post("/api/v1/check", &editor, &json!({"content": three_mb}))
        .await;
    assert_eq!(code, StatusCode::OK, "{v}");
    let over = "a".repeat(16 << 20);
    let (code, v) = svc
        .post("/api/v1/check", &editor, &json!({"content": over}))
        .await;
    assert_eq!(code, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    svc.stop().await;
}

pub async fn time_budget_decides_review_never_pass(on: On) {
    let svc = TestService::start(on, |c, _| c.scan_budget = Duration::ZERO).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    // Long enough that no scan finishes before the zero budget is noticed,
    // and clean: the engine alone passes it.
    let article = baomi::engine::synthetic::article(200_000, &[], 1);
    let verdict = svc.state.engine().scan(&baomi::Document::text(&article));
    assert_eq!(
        verdict.decision,
        baomi::Decision::Pass,
        "the article is clean"
    );

    let (code, r) = svc
        .submit(&cms, json!({"item_id": "slow", "content": article}))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{r}");
    assert_eq!(r["decision"], "review", "{r}");
    assert_eq!(r["status"], "pending");
    assert_eq!(r["publishable"], false);
    assert!(
        r["incomplete"]
            .as_str()
            .is_some_and(|s| s.contains("budget")),
        "{r}"
    );
    let stored = svc
        .state
        .store
        .review(r["review_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.incomplete.is_some());
    assert_eq!(stored.decision, baomi::Decision::Review);
    // Kept for the officer, who has to read it.
    assert_eq!(stored.content.as_deref(), Some(article.as_str()));

    let (code, v) = svc
        .post("/api/v1/check", &cms, &json!({"content": article}))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(v["decision"], "review", "{v}");
    assert!(v["incomplete"].is_string(), "{v}");
    let (_, _, metrics) = svc.get_text("/metrics", Some(&cms)).await;
    assert!(
        metrics.contains("baomi_incomplete_scans_total 2"),
        "{metrics}"
    );
    svc.stop().await;
}
