//! The publish hook, idempotency, draft checks, reads, items and the queue.

use super::*;

pub async fn publish_hook_answers_pass_review_and_block(on: On) {
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

pub async fn same_content_is_the_same_review_and_changed_content_a_new_one(on: On) {
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

pub async fn concurrent_identical_submissions_record_one_review(on: On) {
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

pub async fn check_records_nothing(on: On) {
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

pub async fn reviews_items_and_the_queue(on: On) {
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
