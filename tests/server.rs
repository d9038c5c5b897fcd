//! The HTTP service, in-process on 127.0.0.1:0, driven with reqwest: the
//! publish hook, reads, the queue, tokens, malformed requests (and that they
//! record nothing), the time budget, resolutions and officer levels,
//! callbacks, the form, the report, metrics, the OpenAPI document, lexicon
//! reloads and the audit chain.
//!
//! Every scenario runs twice, on SQLite and on a real PostgreSQL server
//! (`sqlite::name`, `postgres::name`; see `server_support`).

mod server_support;

use baomi::service::workflow::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server_support::{poll, On, TestService, WEBHOOK_SECRET};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    publish_hook_answers_pass_review_and_block,
    same_content_is_the_same_review_and_changed_content_a_new_one,
    concurrent_identical_submissions_record_one_review,
    check_records_nothing,
    reviews_items_and_the_queue,
    tokens_401_and_403_with_json_bodies_record_nothing,
    malformed_requests_are_400_naming_the_field_and_record_nothing,
    body_over_the_limit_is_413_and_records_nothing,
    time_budget_decides_review_never_pass,
    resolutions_need_comment_and_basis,
    officer_levels_overrides_and_escalation,
    the_submitter_never_resolves,
    callbacks_are_signed_retried_and_every_attempt_recorded,
    the_form_as_json_and_escaped_html,
    the_report_counts_decisions_categories_and_overrides,
    metrics_health_and_readiness,
    openapi_lists_every_route,
    lexicon_reload_swaps_and_a_broken_lexicon_keeps_the_old,
    audit_chain_verifies_and_names_tampered_rows,
    audit_chain_names_deleted_events,
);

const BLOCKED: &str = "机密★1年\n关于某项工作的通知";
const FLAGGED: &str = "内部资料 注意保存\n会议纪要";
const NEWS: &str = "市教育局组织开展中小学安全教育周活动，邀请消防、交警等部门进校园开展专题讲座。";

/// The chars `[start, end)` of `s`.
fn char_span(s: &str, start: usize, end: usize) -> String {
    s.chars().skip(start).take(end - start).collect()
}

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<no error.code>")
}

fn error_message(v: &Value) -> &str {
    v["error"]["message"]
        .as_str()
        .unwrap_or("<no error.message>")
}

async fn resolve(
    svc: &TestService,
    officer: &str,
    review_id: &str,
    action: &str,
) -> (StatusCode, Value) {
    svc.post(
        &format!("/api/v1/reviews/{review_id}/resolution"),
        officer,
        &json!({"action": action, "comment": "已核对原文", "basis": "《政府信息公开条例》第十四条"}),
    )
    .await
}

async fn publish_hook_answers_pass_review_and_block(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let lexicon_version = svc.state.engine().lexicon_version().to_string();
    // (item, content, decision, status, rule of the first finding)
    for (item, content, decision, status, rule) in [
        ("news-1", NEWS, "pass", "approved", None),
        ("minutes-1", FLAGGED, "review", "pending", Some("in-0001")),
        ("notice-1", BLOCKED, "block", "pending", Some("cm-0001")),
        // An astral char before the hit: offsets count chars, UTF-16 differs.
        (
            "notice-2",
            "𠀀\n机密★1年\n关于某项工作的通知",
            "block",
            "pending",
            Some("cm-0001"),
        ),
    ] {
        let (code, r) = svc
            .submit(
                &cms,
                json!({"item_id": item, "content": content, "title": "标题", "department": "办公室",
                       "submitter": "王编辑", "channel": "网站", "url": "https://example.gov.cn/a"}),
            )
            .await;
        assert_eq!(code, StatusCode::CREATED, "{item}: {r}");
        assert!(
            r["review_id"]
                .as_str()
                .is_some_and(|s| s.starts_with("rv_")),
            "{item}: {r}"
        );
        assert_eq!(r["item_id"], item, "{item}");
        assert_eq!(r["decision"], decision, "{item}: {r}");
        assert_eq!(r["status"], status, "{item}: {r}");
        assert_eq!(r["publishable"], status == "approved", "{item}: {r}");
        assert_eq!(r["level"], 1, "{item}");
        assert_eq!(r["lexicon_version"], lexicon_version.as_str(), "{item}");
        assert_eq!(r["engine_version"], baomi::ENGINE_VERSION, "{item}");
        assert!(is_rfc3339(&r["created_at"]), "{item}: {r}");
        assert!(is_rfc3339(&r["updated_at"]), "{item}: {r}");
        assert_eq!(r["department"], "办公室", "{item}");
        assert!(r.get("incomplete").is_none(), "{item}: {r}");
        // The CMS token does not get the text back.
        assert!(r.get("content").is_none(), "{item}: {r}");
        let findings = r["findings"].as_array().expect("findings");
        match rule {
            None => assert!(findings.is_empty(), "{item}: {r}"),
            Some(rule) => {
                let f = &findings[0];
                assert_eq!(f["rule"], rule, "{item}: {r}");
                let (start, end) = (
                    f["start"].as_u64().unwrap() as usize,
                    f["end"].as_u64().unwrap() as usize,
                );
                assert_eq!(
                    char_span(content, start, end),
                    f["text"].as_str().unwrap(),
                    "{item}: char offsets must select the finding's text"
                );
                let astral = content.chars().take(start).filter(|c| c.len_utf16() == 2);
                assert_eq!(
                    f["start_utf16"].as_u64().unwrap() as usize,
                    start + astral.count(),
                    "{item}: UTF-16 offsets"
                );
                assert!(f["explanation"]["legal_basis"].as_str().is_some(), "{r}");
            }
        }
        // Answered only after commit: the store has it.
        let stored = svc
            .state
            .store
            .review(r["review_id"].as_str().unwrap())
            .await
            .unwrap()
            .expect("recorded before the answer");
        assert_eq!(stored.decision.as_str(), decision);
    }
    svc.stop().await;
}

async fn same_content_is_the_same_review_and_changed_content_a_new_one(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let body = json!({"item_id": "item-7", "content": FLAGGED});
    let (code, first) = svc.submit(&cms, body.clone()).await;
    assert_eq!(code, StatusCode::CREATED, "{first}");
    let before = svc.recorded().await;
    let (code, again) = svc.submit(&cms, body).await;
    assert_eq!(code, StatusCode::OK, "same item and content: {again}");
    assert_eq!(again["review_id"], first["review_id"]);
    assert_eq!(svc.recorded().await, before, "a repeat records nothing");

    let (code, changed) = svc
        .submit(
            &cms,
            json!({"item_id": "item-7", "content": format!("{FLAGGED}（修改稿）")}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "changed content: {changed}");
    assert_ne!(changed["review_id"], first["review_id"]);
    assert_eq!(changed["item_id"], "item-7");
    // The same text read as HTML is other content, so another review.
    let (code, html) = svc
        .submit(
            &cms,
            json!({"item_id": "item-7", "content": FLAGGED, "format": "html"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{html}");
    assert_eq!(html["format"], "html");
    // The same content under another item is that item's review.
    let (code, other) = svc
        .submit(&cms, json!({"item_id": "item-8", "content": FLAGGED}))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{other}");

    let (code, history) = svc.get("/api/v1/items/item-7", &cms).await;
    assert_eq!(code, StatusCode::OK, "{history}");
    let ids: Vec<&Value> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["review_id"])
        .collect();
    assert_eq!(
        ids,
        [
            &first["review_id"],
            &changed["review_id"],
            &html["review_id"]
        ]
    );
    assert_eq!(history["current_review_id"], html["review_id"]);
    svc.stop().await;
}

async fn concurrent_identical_submissions_record_one_review(on: On) {
    let svc = Arc::new(TestService::start(on, |_, _| {}).await);
    let cms = svc.token(Role::Cms, None, "cms").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (svc, cms) = (svc.clone(), cms.clone());
        tasks.push(tokio::spawn(async move {
            svc.submit(&cms, json!({"item_id": "race", "content": BLOCKED}))
                .await
        }));
    }
    let mut created = 0;
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        let (code, r) = t.await.unwrap();
        assert!(
            code == StatusCode::CREATED || code == StatusCode::OK,
            "{code}: {r}"
        );
        created += usize::from(code == StatusCode::CREATED);
        ids.insert(r["review_id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        (created, ids.len()),
        (1, 1),
        "one 201, the rest 200 with its id"
    );
    let recorded = svc.recorded().await;
    assert_eq!((recorded.reviews, recorded.events), (1, 1));
    Arc::into_inner(svc).unwrap().stop().await;
}

async fn check_records_nothing(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let editor = svc.token(Role::Editor, None, "editor").await;
    let before = svc.recorded().await;
    for (content, format, decision) in [
        (BLOCKED, "text", "block"),
        (FLAGGED, "text", "review"),
        (NEWS, "text", "pass"),
        (
            "<p><span>机</span><span>密</span>★1年</p><p>通知</p>",
            "html",
            "block",
        ),
    ] {
        let (code, v) = svc
            .post(
                "/api/v1/check",
                &editor,
                &json!({"content": content, "format": format}),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{content:?}: {v}");
        assert_eq!(v["decision"], decision, "{content:?}: {v}");
        assert!(v.get("review_id").is_none(), "{v}");
        assert!(v["lexicon_version"].is_string(), "{v}");
    }
    assert_eq!(svc.recorded().await, before, "/check recorded something");
    svc.stop().await;
}

async fn reviews_items_and_the_queue(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let other_cms = svc.token(Role::Cms, None, "other-cms").await;
    let editor = svc.token(Role::Editor, None, "editor").await;
    let l1 = svc.token(Role::Officer, Some(1), "部门负责人").await;
    let mut ids = Vec::new();
    for (item, dept) in [("q-1", "办公室"), ("q-2", "财务处"), ("q-3", "办公室")] {
        let (code, r) = svc
            .submit(
                &cms,
                json!({"item_id": item, "content": format!("{FLAGGED}\n{item}"), "department": dept, "title": item}),
            )
            .await;
        assert_eq!(code, StatusCode::CREATED, "{r}");
        ids.push(r["review_id"].as_str().unwrap().to_string());
        // Timestamps have millisecond resolution: keep them distinct so that
        // "oldest first" has one right answer.
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let (_, passed) = svc
        .submit(&cms, json!({"item_id": "p-1", "content": NEWS}))
        .await;

    let queue = |query: &'static str| {
        let (svc, l1) = (&svc, &l1);
        async move {
            let (code, v) = svc.get(&format!("/api/v1/queue{query}"), l1).await;
            assert_eq!(code, StatusCode::OK, "{query}: {v}");
            assert_eq!(v["count"], v["items"].as_array().unwrap().len());
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["item_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(queue("").await, ["q-1", "q-2", "q-3"], "oldest first");
    assert_eq!(
        queue("?department=%E5%8A%9E%E5%85%AC%E5%AE%A4").await,
        ["q-1", "q-3"]
    );
    let (code, _) = resolve(&svc, &l1, &ids[0], "escalate").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(queue("?level=1").await, ["q-2", "q-3"]);
    assert_eq!(queue("?level=2").await, ["q-1"]);
    assert!(queue("?level=2&department=%E8%B4%A2%E5%8A%A1%E5%A4%84")
        .await
        .is_empty());
    let (code, v) = svc.get("/api/v1/queue?level=4", &l1).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(error_message(&v).contains("level"), "{v}");
    let (code, v) = svc.get("/api/v1/queue?level=abc", &l1).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(error_message(&v).contains("level"), "{v}");
    let (code, v) = svc.get("/api/v1/queue", &cms).await;
    assert_eq!(
        code,
        StatusCode::FORBIDDEN,
        "the CMS does not work the queue: {v}"
    );

    // GET review: the CMS sees its own (without text), an officer sees the text.
    let (code, r) = svc.get(&format!("/api/v1/reviews/{}", ids[1]), &cms).await;
    assert_eq!(code, StatusCode::OK, "{r}");
    assert_eq!(
        (r["item_id"].as_str(), r["status"].as_str()),
        (Some("q-2"), Some("pending"))
    );
    assert!(r.get("content").is_none());
    assert_eq!(r["resolutions"], json!([]));
    let (code, r) = svc.get(&format!("/api/v1/reviews/{}", ids[0]), &l1).await;
    assert_eq!(code, StatusCode::OK, "{r}");
    assert_eq!(r["content"], format!("{FLAGGED}\nq-1"));
    assert_eq!(r["level"], 2);
    assert_eq!(r["resolutions"][0]["action"], "escalate");
    assert_eq!(r["resolutions"][0]["officer"], "部门负责人");
    for (token, id, want) in [
        (&other_cms, ids[1].as_str(), StatusCode::NOT_FOUND),
        (&editor, ids[1].as_str(), StatusCode::FORBIDDEN),
        (&l1, "rv_0000000000000000", StatusCode::NOT_FOUND),
    ] {
        let (code, v) = svc.get(&format!("/api/v1/reviews/{id}"), token).await;
        assert_eq!(code, want, "{id}: {v}");
        assert!(error_code(&v) != "<no error.code>", "{v}");
    }

    // Item history and whether it may be published now.
    let (code, h) = svc.get("/api/v1/items/p-1", &cms).await;
    assert_eq!(code, StatusCode::OK, "{h}");
    assert_eq!(
        (h["publishable"].as_bool(), h["status"].as_str()),
        (Some(true), Some("approved"))
    );
    assert_eq!(h["current_review_id"], passed["review_id"]);
    let (_, h) = svc.get("/api/v1/items/q-3", &cms).await;
    assert_eq!(h["publishable"], false, "{h}");
    let (code, _) = resolve(&svc, &l1, &ids[2], "approve").await;
    assert_eq!(code, StatusCode::OK);
    let (_, h) = svc.get("/api/v1/items/q-3", &cms).await;
    assert_eq!(
        (h["publishable"].as_bool(), h["status"].as_str()),
        (Some(true), Some("approved")),
        "{h}"
    );
    assert_eq!(h["history"].as_array().unwrap().len(), 1);
    let (code, _) = resolve(&svc, &l1, &ids[1], "reject").await;
    assert_eq!(code, StatusCode::OK);
    let (_, h) = svc.get("/api/v1/items/q-2", &l1).await;
    assert_eq!(
        (h["publishable"].as_bool(), h["status"].as_str()),
        (Some(false), Some("rejected")),
        "{h}"
    );
    let (code, v) = svc.get("/api/v1/items/q-2", &other_cms).await;
    assert_eq!(code, StatusCode::NOT_FOUND, "another CMS token: {v}");
    let (code, v) = svc.get("/api/v1/items/never-seen", &cms).await;
    assert_eq!(code, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(queue("").await, ["q-1"]);
    svc.stop().await;
}

async fn tokens_401_and_403_with_json_bodies_record_nothing(on: On) {
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

async fn malformed_requests_are_400_naming_the_field_and_record_nothing(on: On) {
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

async fn body_over_the_limit_is_413_and_records_nothing(on: On) {
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
async fn default_body_limit_is_16_mib() {
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

async fn time_budget_decides_review_never_pass(on: On) {
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

async fn resolutions_need_comment_and_basis(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer").await;
    let (_, r) = svc
        .submit(&cms, json!({"item_id": "r-1", "content": FLAGGED}))
        .await;
    let path = format!(
        "/api/v1/reviews/{}/resolution",
        r["review_id"].as_str().unwrap()
    );
    let before = svc.recorded().await;
    for (body, field) in [
        (
            json!({"action": "approve", "comment": "", "basis": "条例第十六条"}),
            "comment",
        ),
        (
            json!({"action": "approve", "comment": "  ", "basis": "条例第十六条"}),
            "comment",
        ),
        (
            json!({"action": "reject", "comment": "不宜公开", "basis": ""}),
            "basis",
        ),
        (
            json!({"action": "escalate", "comment": "不宜公开", "basis": "\n"}),
            "basis",
        ),
        (json!({"action": "approve", "basis": "x"}), "comment"),
    ] {
        let (code, v) = svc.post(&path, &l1, &body).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert!(error_message(&v).contains(field), "{body}: {v}");
    }
    assert_eq!(svc.recorded().await, before);
    let (code, v) = svc
        .post(
            "/api/v1/reviews/rv_0000000000000000/resolution",
            &l1,
            &json!({"action": "approve", "comment": "c", "basis": "b"}),
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND, "{v}");
    let (code, v) = resolve(&svc, &l1, r["review_id"].as_str().unwrap(), "approve").await;
    assert_eq!(code, StatusCode::OK, "{v}");
    assert_eq!(v["resolutions"][0]["basis"], "《政府信息公开条例》第十四条");
    assert_eq!(v["resolutions"][0]["opinion"], "公开");
    svc.stop().await;
}

async fn officer_levels_overrides_and_escalation(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "部门负责人").await;
    let l2 = svc.token(Role::Officer, Some(2), "分管领导").await;
    let l3 = svc.token(Role::Officer, Some(3), "保密负责人").await;
    let (_, blocked) = svc
        .submit(&cms, json!({"item_id": "b-1", "content": BLOCKED}))
        .await;
    let id = blocked["review_id"].as_str().unwrap().to_string();
    // (officer, action, status, error code, level afterwards)
    for (who, token, action, want, code, level) in [
        (
            "level 1",
            &l1,
            "approve",
            StatusCode::FORBIDDEN,
            "forbidden",
            1,
        ),
        ("level 1", &l1, "escalate", StatusCode::OK, "", 2),
        (
            "level 1",
            &l1,
            "reject",
            StatusCode::FORBIDDEN,
            "forbidden",
            2,
        ),
        (
            "level 2",
            &l2,
            "approve",
            StatusCode::FORBIDDEN,
            "forbidden",
            2,
        ),
        ("level 2", &l2, "escalate", StatusCode::OK, "", 3),
        (
            "level 3",
            &l3,
            "escalate",
            StatusCode::CONFLICT,
            "conflict",
            3,
        ),
        ("level 3", &l3, "approve", StatusCode::OK, "", 3),
        (
            "level 3",
            &l3,
            "reject",
            StatusCode::CONFLICT,
            "conflict",
            3,
        ),
        (
            "level 3",
            &l3,
            "approve",
            StatusCode::CONFLICT,
            "conflict",
            3,
        ),
    ] {
        let (got, v) = resolve(&svc, token, &id, action).await;
        assert_eq!(got, want, "{who} {action}: {v}");
        if !code.is_empty() {
            assert_eq!(error_code(&v), code, "{who} {action}: {v}");
        }
        let stored = svc.state.store.review(&id).await.unwrap().unwrap();
        assert_eq!(stored.level, level, "{who} {action}: level afterwards");
    }
    let (_, r) = svc.get(&format!("/api/v1/reviews/{id}"), &l1).await;
    assert_eq!(
        (r["status"].as_str(), r["publishable"].as_bool()),
        (Some("approved"), Some(true))
    );
    let actions: Vec<(&str, i64, bool)> = r["resolutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["action"].as_str().unwrap(),
                x["level"].as_i64().unwrap(),
                x["override_block"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("escalate", 1, false),
            ("escalate", 2, false),
            ("approve", 3, true)
        ]
    );
    // A `review` item: level 1 may approve it; a `block` rejected at level 1.
    for (item, content, token, action, status) in [
        ("r-1", FLAGGED, &l1, "approve", "approved"),
        ("b-2", BLOCKED, &l1, "reject", "rejected"),
        ("r-2", "内部使用\n会议纪要", &l2, "reject", "rejected"),
    ] {
        let (_, r) = svc
            .submit(&cms, json!({"item_id": item, "content": content}))
            .await;
        let (code, v) = resolve(&svc, token, r["review_id"].as_str().unwrap(), action).await;
        assert_eq!(code, StatusCode::OK, "{item}: {v}");
        assert_eq!(v["status"], status, "{item}: {v}");
    }
    // A passed item has nothing to resolve.
    let (_, passed) = svc
        .submit(&cms, json!({"item_id": "p-1", "content": NEWS}))
        .await;
    let (code, v) = resolve(&svc, &l3, passed["review_id"].as_str().unwrap(), "reject").await;
    assert_eq!(code, StatusCode::CONFLICT, "{v}");
    // An officer token without a level cannot resolve anything.
    let (_, no_level) = svc
        .submit(&cms, json!({"item_id": "r-3", "content": FLAGGED}))
        .await;
    let nameless = svc.token(Role::Officer, None, "no-level").await;
    let (code, v) = resolve(
        &svc,
        &nameless,
        no_level["review_id"].as_str().unwrap(),
        "reject",
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{v}");
    assert!(svc
        .state
        .store
        .verify_chain()
        .await
        .unwrap()
        .problem
        .is_none());
    svc.stop().await;
}

async fn the_submitter_never_resolves(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let own = svc.token(Role::Officer, Some(3), "张三").await;
    let other = svc.token(Role::Officer, Some(1), "李四").await;
    let (_, r) = svc
        .submit(
            &cms,
            json!({"item_id": "s-1", "content": FLAGGED, "submitter": "张三"}),
        )
        .await;
    let id = r["review_id"].as_str().unwrap();
    assert_eq!(r["submitter"], "张三");
    let before = svc.recorded().await;
    for action in ["approve", "reject", "escalate"] {
        let (code, v) = resolve(&svc, &own, id, action).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{action}: {v}");
        assert!(error_message(&v).contains("submitter"), "{v}");
    }
    assert_eq!(svc.recorded().await, before);
    let (code, v) = resolve(&svc, &other, id, "approve").await;
    assert_eq!(code, StatusCode::OK, "{v}");
    svc.stop().await;
}

/// A CMS endpoint on 127.0.0.1:0: `/hook/{name}` answers 500 to the first
/// call of each name and 200 after; every call is kept.
type Calls = Arc<Mutex<HashMap<String, Vec<(axum::http::HeaderMap, Vec<u8>)>>>>;

async fn callback_receiver() -> (String, Calls) {
    use axum::extract::{Path, State};
    let calls: Calls = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook/{name}",
            axum::routing::post(
                |State(calls): State<Calls>,
                 Path(name): Path<String>,
                 headers: axum::http::HeaderMap,
                 body: axum::body::Bytes| async move {
                    let mut calls = calls.lock().unwrap();
                    let seen = calls.entry(name).or_default();
                    seen.push((headers, body.to_vec()));
                    if seen.len() == 1 {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                },
            ),
        )
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), calls)
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn callbacks_are_signed_retried_and_every_attempt_recorded(on: On) {
    let (hook, calls) = callback_receiver().await;
    let webhook = format!("{hook}/configured");
    let svc = TestService::start(on, |c, _| c.webhook_url = Some(webhook)).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer-1").await;
    let l2 = svc.token(Role::Officer, Some(2), "officer-2").await;
    let (_, own) = svc
        .submit(
            &cms,
            json!({"item_id": "cb-1", "content": FLAGGED, "callback_url": format!("{hook}/item")}),
        )
        .await;
    let (_, plain) = svc
        .submit(&cms, json!({"item_id": "cb-2", "content": FLAGGED}))
        .await;
    let own_id = own["review_id"].as_str().unwrap().to_string();
    // An escalation finishes nothing: no callback for it.
    let (code, _) = resolve(&svc, &l1, &own_id, "escalate").await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = resolve(&svc, &l2, &own_id, "reject").await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = resolve(&svc, &l1, plain["review_id"].as_str().unwrap(), "approve").await;
    assert_eq!(code, StatusCode::OK);

    for (name, review_id, status) in [
        ("item", own_id.as_str(), "rejected"),
        (
            "configured",
            plain["review_id"].as_str().unwrap(),
            "approved",
        ),
    ] {
        let deliveries = poll(Duration::from_secs(20), "two recorded attempts", || async {
            let (_, r) = svc.get(&format!("/api/v1/reviews/{review_id}"), &l1).await;
            let d = r["deliveries"].as_array().cloned().unwrap_or_default();
            (d.len() >= 2).then_some(d)
        })
        .await;
        let codes: Vec<Option<i64>> = deliveries
            .iter()
            .map(|d| d["status_code"].as_i64())
            .collect();
        assert_eq!(codes, [Some(500), Some(200)], "{name}: {deliveries:?}");
        assert_eq!(deliveries[0]["attempt"], 1);
        assert_eq!(deliveries[1]["attempt"], 2);
        assert_eq!(deliveries[0]["delivery_id"], deliveries[1]["delivery_id"]);

        let seen = calls.lock().unwrap().get(name).cloned().unwrap_or_default();
        assert_eq!(
            seen.len(),
            2,
            "{name}: the receiver saw {} calls",
            seen.len()
        );
        for (headers, body) in &seen {
            let signature = headers["x-baomi-signature"].to_str().unwrap();
            assert_eq!(
                signature,
                format!("sha256={}", hmac_hex(WEBHOOK_SECRET, body)),
                "{name}: HMAC over the exact body"
            );
            assert_ne!(
                signature,
                format!("sha256={}", hmac_hex("another secret", body))
            );
            let payload: Value = serde_json::from_slice(body).unwrap();
            assert_eq!(payload["review_id"], review_id, "{name}");
            assert_eq!(payload["status"], status, "{name}: {payload}");
            assert_eq!(
                payload["resolution"]["basis"],
                "《政府信息公开条例》第十四条"
            );
            assert_eq!(
                headers["x-baomi-delivery"],
                deliveries[0]["delivery_id"].as_str().unwrap()
            );
        }
        assert_eq!(seen[0].1, seen[1].1, "a retry sends the same body");
    }
    // Accepted deliveries are not sent again: give the worker (20 ms poll,
    // 50 ms backoff) many rounds, then count. Absence cannot be polled for.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let total: usize = calls.lock().unwrap().values().map(Vec::len).sum();
    assert_eq!(
        total, 4,
        "no attempt after a 2xx, no callback for the escalation"
    );
    assert_eq!(svc.recorded().await.delivery_attempts, 4);
    svc.stop().await;
}

async fn the_form_as_json_and_escaped_html(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer").await;
    let title = "<script>alert('x')</script>关于&通知";
    let (_, r) = svc
        .submit(
            &cms,
            json!({"item_id": "f-1", "content": FLAGGED, "title": title, "department": "办公室",
                   "submitter": "王编辑"}),
        )
        .await;
    let id = r["review_id"].as_str().unwrap();
    let (code, _) = resolve(&svc, &l1, id, "reject").await;
    assert_eq!(code, StatusCode::OK);

    let (code, form) = svc.get(&format!("/api/v1/reviews/{id}/form"), &l1).await;
    assert_eq!(code, StatusCode::OK, "{form}");
    assert_eq!(form["信息标题"], title);
    assert_eq!(form["单位"], "办公室");
    assert_eq!(form["承办人"], "王编辑");
    assert_eq!(form["检查结果"], "review");
    assert_eq!(form["状态"], "rejected");
    assert_eq!(form["是否涉密"], false);
    assert_eq!(form["findings"][0]["rule"], "in-0001");
    assert_eq!(form["审查意见"][0]["意见"], "不予公开");
    assert_eq!(
        form["审查意见"][0]["依据和理由"],
        "《政府信息公开条例》第十四条"
    );

    for (query, accept) in [("?format=html", None), ("", Some("text/html"))] {
        let mut req = svc
            .http
            .get(svc.url(&format!("/api/v1/reviews/{id}/form{query}")))
            .bearer_auth(&l1);
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = resp.text().await.unwrap();
        assert!(html.contains("信息发布保密审查表"), "{query}");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;关于&amp;通知"),
            "{query}: the title must be escaped"
        );
        assert!(!html.contains("<script>"), "{query}: unescaped script tag");
        assert!(html.contains("不予公开"), "{query}");
    }
    let (code, v) = svc
        .get(&format!("/api/v1/reviews/{id}/form?format=pdf"), &l1)
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(error_message(&v).contains("format"), "{v}");
    svc.stop().await;
}

async fn the_report_counts_decisions_categories_and_overrides(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer-1").await;
    let l3 = svc.token(Role::Officer, Some(3), "officer-3").await;
    let mut ids = HashMap::new();
    for (item, content) in [
        ("p-1", NEWS),
        ("p-2", "区卫生健康委提醒广大市民注意个人防护。"),
        ("r-1", FLAGGED),
        ("b-1", BLOCKED),
        ("b-2", "绝密★启用前\n考试试卷"),
    ] {
        let (code, r) = svc
            .submit(&cms, json!({"item_id": item, "content": content}))
            .await;
        assert_eq!(code, StatusCode::CREATED, "{r}");
        ids.insert(item, r["review_id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        resolve(&svc, &l3, &ids["b-1"], "approve").await.0,
        StatusCode::OK
    );
    assert_eq!(
        resolve(&svc, &l1, &ids["r-1"], "escalate").await.0,
        StatusCode::OK
    );
    assert_eq!(
        resolve(&svc, &l3, &ids["r-1"], "reject").await.0,
        StatusCode::OK
    );

    let today = chrono::Utc::now().date_naive();
    let period = format!(
        "from={}&to={}",
        today.pred_opt().unwrap(),
        today.succ_opt().unwrap()
    );
    let (code, r) = svc.get(&format!("/api/v1/report?{period}"), &l1).await;
    assert_eq!(code, StatusCode::OK, "{r}");
    for (key, want) in [
        ("reviewed", 5),
        ("passed", 2),
        ("flagged", 3),
        ("blocked", 2),
        ("resolved", 2),
        ("still_pending", 1),
        ("overrides", 1),
    ] {
        assert_eq!(r[key], want, "{key}: {r}");
    }
    assert_eq!(
        r["by_category"],
        json!({"internal": 1, "marking": 2}),
        "{r}"
    );
    assert_eq!(
        r["resolutions"],
        json!({"approve": 1, "escalate": 1, "reject": 1}),
        "{r}"
    );
    let (code, ct, csv) = svc
        .get_text(&format!("/api/v1/report?{period}&format=csv"), Some(&l1))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    for line in [
        "reviewed,,5",
        "overrides,,1",
        "by_category,marking,2",
        "resolutions,reject,1",
    ] {
        assert!(csv.lines().any(|l| l == line), "{line} in\n{csv}");
    }
    let (code, _, md) = svc
        .get_text(
            &format!("/api/v1/report?{period}&format=markdown"),
            Some(&l1),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert!(md.contains("| 改判公开（拦截后批准） | 1 |"), "{md}");
    assert!(md.contains("| 审查信息总数 | 5 |"), "{md}");
    // A period before anything was recorded is empty.
    let (_, empty) = svc
        .get("/api/v1/report?from=2020-01-01&to=2020-12-31", &l1)
        .await;
    assert_eq!(empty["reviewed"], 0, "{empty}");
    for bad in [
        "from=2026-13-01&to=2026-12-31",
        "from=2026-02-01&to=2026-01-01",
        "to=2026-01-01",
        &format!("{period}&format=xlsx"),
    ] {
        let (code, v) = svc.get(&format!("/api/v1/report?{bad}"), &l1).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(error_code(&v) == "bad_request", "{bad}: {v}");
    }
    svc.stop().await;
}

fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in\n{text}"))
}

async fn metrics_health_and_readiness(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    for path in ["/healthz", "/readyz"] {
        let (code, _, body) = svc.get_text(path, None).await;
        assert_eq!(code, StatusCode::OK, "{path} needs no token");
        assert!(!body.is_empty());
    }
    let (code, _, body) = svc.get_text("/metrics", None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "/metrics needs a token");
    assert!(body.contains("unauthorized"));

    let (code, ct, before) = svc.get_text("/metrics", Some(&cms)).await;
    assert_eq!(code, StatusCode::OK);
    assert!(ct.starts_with("text/plain"), "{ct}");
    let block = r#"baomi_decisions_total{decision="block"}"#;
    let pass = r#"baomi_decisions_total{decision="pass"}"#;
    svc.submit(&cms, json!({"item_id": "m-1", "content": BLOCKED}))
        .await;
    svc.submit(&cms, json!({"item_id": "m-2", "content": BLOCKED}))
        .await;
    svc.post("/api/v1/check", &cms, &json!({"content": NEWS}))
        .await;
    let (_, _, after) = svc.get_text("/metrics", Some(&cms)).await;
    assert_eq!(metric(&after, block), metric(&before, block) + 2, "{after}");
    assert_eq!(metric(&after, pass), metric(&before, pass) + 1, "{after}");
    assert_eq!(metric(&after, "baomi_queue_size"), 2);
    assert!(
        metric(&after, r#"baomi_findings_total{category="marking"}"#) >= 2,
        "{after}"
    );
    assert!(
        metric(
            &after,
            r#"baomi_request_duration_seconds_count{route="/api/v1/reviews"}"#
        ) >= 2,
        "{after}"
    );
    svc.stop().await;
}

async fn openapi_lists_every_route(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let editor = svc.token(Role::Editor, None, "editor").await;
    let (code, doc) = svc.get("/api/v1/openapi.json", &editor).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{doc}"
    );
    // The API surface this test expects, written out by hand: a route added
    // to the router without documentation, or documented without being
    // served, fails here.
    const ROUTES: &[(&str, &str)] = &[
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
    for (method, path) in ROUTES {
        assert!(
            doc["paths"][path][method].is_object(),
            "openapi.json lacks {method} {path}"
        );
        // Served: anything but the router's own "no such route" or 405.
        let concrete = path.replace("{id}", "x").replace("{item_id}", "x");
        let (code, body) = svc.request(method, &concrete, &editor).await;
        assert!(
            code != StatusCode::METHOD_NOT_ALLOWED
                && !body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m == "no such route"),
            "{method} {path} is documented but not served: {code} {body}"
        );
    }
    // And nothing that the router does not serve.
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| {
            p.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                .count()
        })
        .sum();
    assert_eq!(documented, ROUTES.len());
    svc.stop().await;
}

fn lexicon_file(entries: &[(&str, &str)]) -> String {
    let mut out = String::from("# Test lexicon.\n");
    for (id, term) in entries {
        out.push_str(&format!(
            "\n[[entry]]\nid = \"{id}\"\ncategory = \"register\"\nseverity = \"block\"\n\
             text = \"{term}\"\nboundary = \"none\"\nreason = \"测试\"\n\
             examples.hit = [\"{term}今年启动\"]\nexamples.miss = [\"天气晴朗\"]\n"
        ));
    }
    out
}

async fn lexicon_reload_swaps_and_a_broken_lexicon_keeps_the_old(on: On) {
    let svc = TestService::start(on, |c, dir| {
        let lex = dir.join("lexicons");
        std::fs::create_dir_all(&lex).unwrap();
        std::fs::write(
            lex.join("extra.toml"),
            lexicon_file(&[("t-0001", "青松计划")]),
        )
        .unwrap();
        c.lexicons = Some(lex);
    })
    .await;
    let lex = svc.dir.path().join("lexicons/extra.toml");
    let admin = svc.token(Role::Admin, None, "admin").await;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer").await;
    let check = |text: &'static str| {
        let (svc, cms) = (&svc, &cms);
        async move {
            let (code, v) = svc
                .post("/api/v1/check", cms, &json!({"content": text}))
                .await;
            assert_eq!(code, StatusCode::OK, "{v}");
            (
                v["decision"].as_str().unwrap().to_string(),
                v["lexicon_version"].as_str().unwrap().to_string(),
            )
        }
    };
    let (decision, v1) = check("青松计划今年启动").await;
    assert_eq!(decision, "block", "the directory's entry is loaded");
    assert_eq!(check("白杨工程今年启动").await.0, "pass");
    let (_, old_review) = svc
        .submit(
            &cms,
            json!({"item_id": "l-1", "content": "白杨工程今年启动"}),
        )
        .await;
    assert_eq!(old_review["lexicon_version"], v1.as_str());

    std::fs::write(
        &lex,
        lexicon_file(&[("t-0001", "青松计划"), ("t-0002", "白杨工程")]),
    )
    .unwrap();
    let (code, v) = svc.post("/api/v1/admin/reload", &l1, &json!({})).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "officers do not reload: {v}");
    let (code, v) = svc.post("/api/v1/admin/reload", &admin, &json!({})).await;
    assert_eq!(code, StatusCode::OK, "{v}");
    let v2 = v["lexicon_version"].as_str().unwrap().to_string();
    assert_ne!(v2, v1);
    assert_eq!(
        check("白杨工程今年启动").await,
        ("block".to_string(), v2.clone())
    );
    let (code, new_review) = svc
        .submit(
            &cms,
            json!({"item_id": "l-1", "content": "白杨工程今年启动。"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(new_review["decision"], "block");
    assert_eq!(new_review["lexicon_version"], v2.as_str());
    let (_, old) = svc
        .get(
            &format!(
                "/api/v1/reviews/{}",
                old_review["review_id"].as_str().unwrap()
            ),
            &l1,
        )
        .await;
    assert_eq!(
        old["lexicon_version"],
        v1.as_str(),
        "old reviews keep their version"
    );

    let broken_toml = "[[entry]]\nid = \"t-0003\"\ntext = \"红旗渠\n";
    let mut failing_example = lexicon_file(&[("t-0001", "青松计划"), ("t-0002", "白杨工程")]);
    failing_example.push_str(
        "\n[[entry]]\nid = \"t-0003\"\ncategory = \"register\"\nseverity = \"block\"\n\
         text = \"红旗渠\"\nboundary = \"none\"\nreason = \"测试\"\n\
         examples.hit = [\"红旗渠\"]\nexamples.miss = [\"参观红旗渠\"]\n",
    );
    for (what, text, needle) in [
        ("bad TOML", broken_toml, "extra.toml"),
        ("an example fails", failing_example.as_str(), "t-0003"),
    ] {
        std::fs::write(&lex, text).unwrap();
        let (code, v) = svc.post("/api/v1/admin/reload", &admin, &json!({})).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {v}");
        assert_eq!(error_code(&v), "unprocessable", "{what}");
        assert!(error_message(&v).contains(needle), "{what}: {v}");
        assert!(
            error_message(&v).contains(&v2),
            "{what}: names the kept version: {v}"
        );
        assert_eq!(
            check("白杨工程今年启动").await,
            ("block".to_string(), v2.clone()),
            "{what}: the old lexicon keeps working"
        );
        assert_eq!(check("红旗渠今年通水").await.0, "pass", "{what}");
    }
    let (_, _, metrics) = svc.get_text("/metrics", Some(&cms)).await;
    assert_eq!(
        metric(&metrics, r#"baomi_lexicon_reloads_total{result="ok"}"#),
        1
    );
    assert_eq!(
        metric(&metrics, r#"baomi_lexicon_reloads_total{result="failed"}"#),
        2
    );
    svc.stop().await;
}

async fn audit_chain_verifies_and_names_tampered_rows(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let store = &svc.state.store;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer-1").await;
    let l3 = svc.token(Role::Officer, Some(3), "officer-3").await;
    // Events: 1 submit b-1, 2 submit r-1, 3 submit p-1, 4 approve r-1,
    // 5 escalate b-1, 6 submit r-2, 7 reject b-1.
    let mut ids = HashMap::new();
    for (item, content) in [("b-1", BLOCKED), ("r-1", FLAGGED), ("p-1", NEWS)] {
        let (_, r) = svc
            .submit(&cms, json!({"item_id": item, "content": content}))
            .await;
        ids.insert(item, r["review_id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        resolve(&svc, &l1, &ids["r-1"], "approve").await.0,
        StatusCode::OK
    );
    assert_eq!(
        resolve(&svc, &l1, &ids["b-1"], "escalate").await.0,
        StatusCode::OK
    );
    let (_, r) = svc
        .submit(&cms, json!({"item_id": "r-2", "content": "内部使用\n纪要"}))
        .await;
    ids.insert("r-2", r["review_id"].as_str().unwrap().to_string());
    assert_eq!(
        resolve(&svc, &l3, &ids["b-1"], "reject").await.0,
        StatusCode::OK
    );

    let clean = store.verify_chain().await.unwrap();
    assert_eq!(clean.problem, None, "{clean}");
    assert_eq!((clean.events, clean.reviews), (7, 4), "{clean}");

    // Reversible changes first, each undone before the next.
    let (r1, r2, b1) = (&ids["r-1"], &ids["r-2"], &ids["b-1"]);
    let l1_id = svc
        .state
        .tokens
        .lookup(store, &l1)
        .await
        .unwrap()
        .unwrap()
        .id;
    for (what, tamper, undo, names) in [
        (
            "a review's status",
            format!("UPDATE reviews SET status = 'approved' WHERE id = '{r2}'"),
            format!("UPDATE reviews SET status = 'pending' WHERE id = '{r2}'"),
            vec![r2.as_str(), "changed"],
        ),
        (
            "a review's findings",
            format!("UPDATE reviews SET findings = findings || ' ' WHERE id = '{b1}'"),
            format!(
                "UPDATE reviews SET findings = substr(findings, 1, length(findings) - 1) WHERE id = '{b1}'"
            ),
            vec![b1.as_str(), "findings differ"],
        ),
        (
            "an event's payload",
            "UPDATE events SET payload = replace(payload, '\"block\"', '\"pass\"') WHERE seq = 1"
                .to_string(),
            "UPDATE events SET payload = replace(payload, '\"pass\"', '\"block\"') WHERE seq = 1"
                .to_string(),
            vec!["event 1 ", b1.as_str(), "changed"],
        ),
        (
            "a resolution's basis",
            format!("UPDATE resolutions SET basis = '无' WHERE review_id = '{r1}'"),
            format!(
                "UPDATE resolutions SET basis = '《政府信息公开条例》第十四条' WHERE review_id = '{r1}'"
            ),
            vec![r1.as_str(), "resolutions"],
        ),
        (
            "a resolution deleted",
            format!("DELETE FROM resolutions WHERE review_id = '{r1}'"),
            format!(
                "INSERT INTO resolutions (review_id, action, officer_token, officer, level, comment, \
                 basis, override_block, created_at) SELECT review_id, 'approve', \
                 '{l1_id}', 'officer-1', 1, '已核对原文', '《政府信息公开条例》第十四条', 0, created_at \
                 FROM events WHERE seq = 4"
            ),
            vec![r1.as_str(), "resolutions"],
        ),
        (
            "a review inserted outside baomi",
            format!(
                "INSERT INTO reviews (id, item_id, content_hash, format, token_id, decision, status, \
                 level, findings, lexicon_version, engine_version, created_at, updated_at) \
                 SELECT 'rv_forged', 'x', content_hash, format, token_id, 'pass', 'approved', 1, '[]', \
                 lexicon_version, engine_version, created_at, updated_at FROM reviews WHERE id = '{b1}'"
            ),
            "DELETE FROM reviews WHERE id = 'rv_forged'".to_string(),
            vec!["rv_forged", "not in the chain"],
        ),
        (
            "a review deleted",
            format!("DELETE FROM reviews WHERE id = '{r2}'"),
            String::new(),
            vec![r2.as_str(), "deleted"],
        ),
    ] {
        assert_eq!(store.execute_raw(&tamper).await.unwrap(), 1, "{what}: {tamper}");
        let report = store.verify_chain().await.unwrap();
        let problem = report
            .problem
            .unwrap_or_else(|| panic!("{what}: tampering went unnoticed"));
        for needle in names {
            assert!(problem.contains(needle), "{what}: {problem:?} should name {needle:?}");
        }
        if undo.is_empty() {
            break;
        }
        assert_eq!(store.execute_raw(&undo).await.unwrap(), 1, "{what}: {undo}");
        let report = store.verify_chain().await.unwrap();
        assert_eq!(report.problem, None, "{what}: after undoing");
    }
    svc.stop().await;
}

/// Deleting events: the newest (the chain alone cannot tell, the review row
/// can), then one in the middle.
async fn audit_chain_names_deleted_events(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let store = &svc.state.store;
    let cms = svc.token(Role::Cms, None, "cms").await;
    let l1 = svc.token(Role::Officer, Some(1), "officer-1").await;
    let mut ids = Vec::new();
    for (item, content) in [("b-1", BLOCKED), ("r-1", FLAGGED), ("p-1", NEWS)] {
        let (_, r) = svc
            .submit(&cms, json!({"item_id": item, "content": content}))
            .await;
        ids.push(r["review_id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        resolve(&svc, &l1, &ids[1], "reject").await.0,
        StatusCode::OK
    );
    assert_eq!(store.verify_chain().await.unwrap().problem, None);

    assert_eq!(
        store
            .execute_raw("DELETE FROM events WHERE seq = 4")
            .await
            .unwrap(),
        1
    );
    let problem = store
        .verify_chain()
        .await
        .unwrap()
        .problem
        .expect("newest event deleted");
    assert!(
        problem.contains(&ids[1]) && problem.contains("rejected"),
        "{problem}"
    );

    assert_eq!(
        store
            .execute_raw("DELETE FROM events WHERE seq = 2")
            .await
            .unwrap(),
        1
    );
    let problem = store
        .verify_chain()
        .await
        .unwrap()
        .problem
        .expect("event 2 deleted");
    assert!(problem.contains("event 2 is missing"), "{problem}");
    svc.stop().await;
}

/// PostgreSQL is the store several instances share: two services started
/// together on one database (both migrating at once), submitting and
/// resolving concurrently, keep one unbroken chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_share_one_chain() {
    let url = server_support::postgres_database("two_instances").await;
    let start = |label: &'static str| {
        let url = url.clone();
        async move {
            TestService::start_on(
                server_support::Backend::Postgres,
                url,
                server_support::TempDir::new(label),
                |_, _| {},
            )
            .await
        }
    };
    let (a, b) = tokio::join!(start("instance-a"), start("instance-b"));
    let (a, b) = (Arc::new(a), Arc::new(b));
    let cms = a.token(Role::Cms, None, "cms").await;
    let officer = b.token(Role::Officer, Some(1), "officer").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let svc = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (cms, officer) = (cms.clone(), officer.clone());
        tasks.push(tokio::spawn(async move {
            let content = format!("{FLAGGED}\n第{i}号");
            let (code, r) = svc
                .submit(
                    &cms,
                    json!({"item_id": format!("multi-{i}"), "content": content}),
                )
                .await;
            assert_eq!(code, StatusCode::CREATED, "{r}");
            if i % 4 == 1 {
                let (code, v) =
                    resolve(&svc, &officer, r["review_id"].as_str().unwrap(), "approve").await;
                assert_eq!(code, StatusCode::OK, "{v}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = a.state.store.verify_chain().await.unwrap();
    assert_eq!(report.problem, None, "{report}");
    assert_eq!((report.events, report.reviews), (50, 40), "{report}");
    let (_, queue) = b.get("/api/v1/queue", &officer).await;
    assert_eq!(queue["count"], 30);
    Arc::into_inner(a).unwrap().stop().await;
    Arc::into_inner(b).unwrap().stop().await;
}
