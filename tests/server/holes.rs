//! The holes a hostile review found, each a way for blocked material to come
//! out as `pass` or `publishable`, or for the record to lie. Every test here
//! failed before its fix.

use super::*;
use base64::Engine as _;

/// The title is published with the item: a marked title holds it back.
pub async fn the_title_and_other_published_fields_are_scanned(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let (code, v) = svc
        .submit(
            &cms,
            json!({"item_id": "t-1", "content": NEWS, "title": "绝密★长期 关于某工程的请示（内部资料）"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{v}");
    assert_ne!(v["decision"], "pass", "{v}");
    assert_eq!(v["status"], "pending");
    let in_title: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"] == "标题")
        .collect();
    assert!(in_title.iter().any(|f| f["rule"] == "cm-0001"), "{v}");
    assert!(in_title.iter().any(|f| f["category"] == "internal"), "{v}");
    // The column is published too; so is the page's address.
    let (_, v) = svc
        .submit(
            &cms,
            json!({"item_id": "t-2", "content": NEWS, "channel": "内部资料", "url": "http://user:pw1234@10.0.0.8/a.html"}),
        )
        .await;
    let locations: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"].as_str())
        .collect();
    assert!(
        locations.contains(&"栏目") && locations.contains(&"网址"),
        "{v}"
    );
    // A plain title passes.
    let (_, v) = svc
        .submit(
            &cms,
            json!({"item_id": "t-3", "content": NEWS, "title": "关于开展春季植树活动的通知"}),
        )
        .await;
    assert_eq!(v["decision"], "pass", "{v}");
    // The draft check reads the title as well.
    let (_, v) = svc
        .post(
            "/api/v1/check",
            &cms,
            &json!({"content": NEWS, "title": "机密★1年 关于某工程的请示"}),
        )
        .await;
    assert_ne!(v["decision"], "pass", "{v}");
    svc.stop().await;
}

/// A (block), then B (pass), then A again: what is publishable is the
/// decision on A, the content submitted last.
pub async fn the_content_submitted_last_decides_what_is_publishable(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let (_, a) = svc
        .submit(&cms, json!({"item_id": "i-1", "content": BLOCKED}))
        .await;
    let (_, b) = svc
        .submit(&cms, json!({"item_id": "i-1", "content": NEWS}))
        .await;
    assert_eq!(b["decision"], "pass");
    let (_, item) = svc.get("/api/v1/items/i-1", &cms).await;
    assert_eq!(item["publishable"], true, "{item}");
    let (code, again) = svc
        .submit(&cms, json!({"item_id": "i-1", "content": BLOCKED}))
        .await;
    assert_eq!(code, StatusCode::OK, "the same content is the same review");
    assert_eq!(again["review_id"], a["review_id"]);
    let (_, item) = svc.get("/api/v1/items/i-1", &cms).await;
    assert_eq!(item["publishable"], false, "{item}");
    assert_eq!(item["current_review_id"], a["review_id"], "{item}");
    assert_eq!(item["history"].as_array().unwrap().len(), 2);
    // The chain recorded the switch, and verifies.
    let report = svc.state.store.verify_chain().await.unwrap();
    assert_eq!(report.problem, None);
    svc.state
        .store
        .execute_raw(&format!(
            "UPDATE items SET current_review_id = '{}'",
            b["review_id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    let problem = svc.state.store.verify_chain().await.unwrap().problem;
    assert!(
        problem.is_some_and(|p| p.contains("item i-1")),
        "a moved pointer is found"
    );
    svc.stop().await;
}

/// Two CMSs never share an item: the second one's submission of the first
/// one's item id and content is a review of its own.
pub async fn items_are_scoped_by_the_submitting_cms(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let first = svc.token(Role::Cms, None, "门户一").await;
    let second = svc.token(Role::Cms, None, "门户二").await;
    let officer = svc.token(Role::Officer, Some(1), "审查员").await;
    let (_, mine) = svc
        .submit(&first, json!({"item_id": "n-1", "content": FLAGGED}))
        .await;
    let (code, theirs) = svc
        .submit(&second, json!({"item_id": "n-1", "content": FLAGGED}))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{theirs}");
    assert_ne!(theirs["review_id"], mine["review_id"]);
    assert_ne!(theirs["cms"], mine["cms"]);
    // Each sees its own item; an officer must say which.
    let (_, seen) = svc.get("/api/v1/items/n-1", &second).await;
    assert_eq!(seen["current_review_id"], theirs["review_id"]);
    let (code, v) = svc.get("/api/v1/items/n-1", &officer).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    let (code, v) = svc
        .get(
            &format!("/api/v1/items/n-1?cms={}", mine["cms"].as_str().unwrap()),
            &officer,
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{v}");
    assert_eq!(v["current_review_id"], mine["review_id"]);
    svc.stop().await;
}

/// Text crafted to look like an attachment entry is not the attachment.
pub async fn text_cannot_pose_as_an_attachment(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let file = "机密★1年\n某项工作方案".as_bytes();
    let sha = baomi::service::store::sha256_hex(file);
    let crafted = format!("{NEWS}\n\0secret.txt\0{sha}");
    let (_, first) = svc
        .submit(&cms, json!({"item_id": "c-1", "content": crafted}))
        .await;
    assert_eq!(first["decision"], "pass", "{first}");
    let data = base64::engine::general_purpose::STANDARD.encode(file);
    let (code, second) = svc
        .submit(
            &cms,
            json!({"item_id": "c-1", "content": NEWS, "attachments": [{"name": "secret.txt", "data": data}]}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{second}");
    assert_eq!(
        second["decision"], "block",
        "the attachment was scanned: {second}"
    );
    svc.stop().await;
}

/// `" 审查员甲"` is still 审查员甲: the submitter never approves their item.
pub async fn the_submitter_cannot_approve_under_a_padded_name(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let (_, r) = svc
        .submit(
            &cms,
            json!({"item_id": "s-1", "content": FLAGGED, "submitter": "审查员甲"}),
        )
        .await;
    for name in [" 审查员甲", "审查员甲　", "审查员 甲"] {
        let officer = svc.token(Role::Officer, Some(3), name).await;
        let (code, v) = resolve(&svc, &officer, r["review_id"].as_str().unwrap(), "approve").await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{name:?}: {v}");
    }
    svc.stop().await;
}

/// 20,000 mobile numbers: a bounded answer and record, with the rest counted.
pub async fn findings_are_capped_and_the_rest_counted(on: On) {
    // A debug build scans 20,000 numbers in about the default 2 s budget;
    // this test is about the caps, so the scan gets time to finish (the
    // budget's own fail-closed answer has its tests).
    let svc = TestService::start(on, |c, _| {
        c.scan_budget = std::time::Duration::from_secs(20)
    })
    .await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let content: String = (0..20_000).map(|i| format!("电话1380013{i:04} ")).collect();
    let (code, v) = svc
        .submit(&cms, json!({"item_id": "m-1", "content": content}))
        .await;
    assert_eq!(code, StatusCode::CREATED);
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() <= 500, "{} findings", findings.len());
    let omitted: u64 = v["omitted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        findings.len() as u64 + omitted,
        10_000,
        "every distinct number counted once"
    );
    // The bulk threshold still decides: 20 or more mobiles are a block.
    assert_eq!(v["decision"], "block");
    let serialized = serde_json::to_string(&v).unwrap();
    assert!(serialized.len() < 1_000_000, "{} bytes", serialized.len());
    // The draft check answers the same way.
    let (_, checked) = svc
        .post("/api/v1/check", &cms, &json!({"content": content}))
        .await;
    let listed = checked["findings"].as_array().unwrap().len() as u64;
    let counted: u64 = checked["omitted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_u64().unwrap())
        .sum();
    assert_eq!(listed + counted, 10_000, "{}", checked["omitted"]);
    svc.stop().await;
}

/// Replacing a bundled lexicon with an empty file is refused; replacing it
/// on purpose (`replace_bundled`) is allowed.
pub async fn a_reload_that_empties_a_bundled_lexicon_is_refused(on: On) {
    let svc = TestService::start(on, |config, dir| {
        let lex = dir.join("lexicons");
        std::fs::create_dir_all(&lex).unwrap();
        std::fs::write(lex.join("extra.toml"), "").unwrap();
        config.lexicons = Some(lex);
    })
    .await;
    let admin = svc.token(Role::Admin, None, "admin").await;
    let dir = svc.dir.path().join("lexicons");
    std::fs::write(dir.join("markings.toml"), "# nothing\n").unwrap();
    let (code, v) = svc.post("/api/v1/admin/reload", &admin, &json!({})).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(error_message(&v).contains("replace_bundled"), "{v}");
    // The running engine still blocks markings.
    let (_, v) = svc
        .post("/api/v1/check", &admin, &json!({"content": BLOCKED}))
        .await;
    assert_eq!(v["decision"], "block");
    svc.stop().await;
}

/// JSON with something after the value, and media types that only start
/// like JSON, are refused; messages never quote what was submitted.
pub async fn strict_json_and_messages_without_submitted_values(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let send = |body: &'static str, content_type: &'static str| {
        let req = svc
            .http
            .post(svc.url("/api/v1/reviews"))
            .bearer_auth(&cms)
            .header("content-type", content_type)
            .body(body);
        async move { server_support::answer(req.send().await.unwrap()).await }
    };
    let (code, v) = send(
        r#"{"item_id":"j-1","content":"正文"} {"garbage": true}"#,
        "application/json",
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    for content_type in [
        "application/jsonx",
        "application/json-patch+json",
        "text/json",
    ] {
        let (code, v) = send(r#"{"item_id":"j-2","content":"正文"}"#, content_type).await;
        assert_eq!(
            code,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}: {v}"
        );
    }
    let (code, v) = send(
        r#"{"item_id":"j-3","content":"正文","format":"机密★1年内部资料"}"#,
        "application/json; charset=utf-8",
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(!error_message(&v).contains("机密"), "{v}");
    let (code, v) = send(
        r#"{"item_id":"j-4","content":"正文","attachments":"机密★1年内部资料"}"#,
        "application/json",
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(!error_message(&v).contains("机密"), "{v}");
    assert!(error_message(&v).contains("attachments"), "{v}");
    // Query errors are JSON too.
    let officer = svc.token(Role::Officer, Some(1), "审查员").await;
    let (code, content_type, body) = svc
        .get_text(
            "/api/v1/reviews?from=2026-01-01&to=2026-12-31&colour=1",
            Some(&officer),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(svc.recorded().await.reviews, 0, "nothing recorded");
    svc.stop().await;
}

/// One rule for both: an item with nothing to publish is a 400.
pub async fn an_empty_item_is_refused_on_both_routes(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let (code, v) = svc
        .submit(&cms, json!({"item_id": "e-1", "content": ""}))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(error_message(&v).contains("content"), "{v}");
    let (code, _) = svc
        .post("/api/v1/check", &cms, &json!({"content": " "}))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    // A title alone is something to publish.
    let (code, _) = svc
        .submit(
            &cms,
            json!({"item_id": "e-2", "content": "", "title": "通知"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED);
    svc.stop().await;
}

/// Callbacks go only to hosts an administrator allowed, and never follow a
/// redirect.
pub async fn callbacks_only_to_allowed_hosts_and_never_redirected(on: On) {
    use axum::routing::post;
    let svc = TestService::start(on, |config, _| {
        config.callback_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let officer = svc.token(Role::Officer, Some(1), "审查员").await;
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:9/x",
        "http://user:pw@127.0.0.1:9/x",
        "ftp://127.0.0.1/x",
    ] {
        let (code, v) = svc
            .submit(
                &cms,
                json!({"item_id": "cb", "content": FLAGGED, "callback_url": url}),
            )
            .await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{url}: {v}");
        assert!(error_message(&v).contains("callback"), "{v}");
    }
    // A receiver that redirects to another one: the second hears nothing.
    let hits = Arc::new(Mutex::new(Vec::<String>::new()));
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_addr = target.local_addr().unwrap();
    let h = hits.clone();
    tokio::spawn(async move {
        let app = axum::Router::new().route(
            "/x",
            post(move || {
                let h = h.clone();
                async move {
                    h.lock().unwrap().push("redirected".into());
                    "ok"
                }
            }),
        );
        axum::serve(target, app).await
    });
    let first = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let first_addr = first.local_addr().unwrap();
    let h = hits.clone();
    tokio::spawn(async move {
        let app = axum::Router::new().route(
            "/cb",
            post(move || {
                let h = h.clone();
                async move {
                    h.lock().unwrap().push("first".into());
                    (
                        axum::http::StatusCode::TEMPORARY_REDIRECT,
                        [(
                            axum::http::header::LOCATION,
                            format!("http://{target_addr}/x"),
                        )],
                    )
                }
            }),
        );
        axum::serve(first, app).await
    });
    let (code, r) = svc
        .submit(
            &cms,
            json!({"item_id": "cb-ok", "content": FLAGGED, "callback_url": format!("http://{first_addr}/cb")}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{r}");
    resolve(&svc, &officer, r["review_id"].as_str().unwrap(), "approve").await;
    poll(Duration::from_secs(10), "the callback attempt", || async {
        (!hits.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    // A 307 is no delivery: it is retried, and never followed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = hits.lock().unwrap().clone();
    assert!(seen.iter().all(|h| h == "first"), "{seen:?}");
    svc.stop().await;
}

/// Signing out ends the session where it lives: the old cookie is dead.
/// The Origin check compares the scheme too.
pub async fn sign_out_ends_the_session_and_origin_includes_the_scheme(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let officer = svc.token(Role::Officer, Some(1), "审查员").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .post(svc.url("/login"))
        .form(&[("token", officer.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = http
        .get(svc.url("/queue"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let host = svc.base.trim_start_matches("http://").to_string();
    // Same host, other scheme: refused.
    let resp = http
        .post(svc.url("/api/v1/check"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("origin", format!("https://{host}"))
        .json(&json!({"content": NEWS}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = http
        .post(svc.url("/api/v1/check"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("origin", format!("http://{host}"))
        .json(&json!({"content": NEWS}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = http
        .post(svc.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // The copied cookie no longer works.
    let page = http
        .get(svc.url("/queue"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        StatusCode::SEE_OTHER,
        "back to the sign-in page"
    );
    let (code, _) = {
        let resp = http
            .get(svc.url("/api/v1/queue"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        server_support::answer(resp).await
    };
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    svc.stop().await;
}

/// A database locked by another process is a 503 with Retry-After, and
/// nothing is recorded (SQLite: another connection holds the write lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_is_503_with_retry_after() {
    let svc = TestService::start(
        On {
            backend: server_support::Backend::Sqlite,
            test: "locked",
        },
        |_, _| {},
    )
    .await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let url = svc.database_url.clone();
    let lock = sqlx::AnyPool::connect(&url).await.unwrap();
    let mut holder = lock.acquire().await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let resp = svc
        .http
        .post(svc.url("/api/v1/reviews"))
        .bearer_auth(&cms)
        .json(&json!({"item_id": "l-1", "content": FLAGGED}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    sqlx::query("ROLLBACK").execute(&mut *holder).await.unwrap();
    drop(holder);
    lock.close().await;
    assert_eq!(svc.recorded().await.reviews, 0);
    svc.stop().await;
}
