//! Resolutions, officer levels, overrides, escalation, the submitter rule, callbacks.

use super::*;

pub async fn resolutions_need_comment_and_basis(on: On) {
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

pub async fn officer_levels_overrides_and_escalation(on: On) {
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

pub async fn the_submitter_never_resolves(on: On) {
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

pub async fn callback_receiver() -> (String, Calls) {
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

pub fn hmac_hex(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

pub async fn callbacks_are_signed_retried_and_every_attempt_recorded(on: On) {
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
