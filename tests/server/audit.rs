//! Lexicon reloads and the audit chain.

use super::*;

pub async fn lexicon_reload_swaps_and_a_broken_lexicon_keeps_the_old(on: On) {
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

pub async fn audit_chain_verifies_and_names_tampered_rows(on: On) {
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
pub async fn audit_chain_names_deleted_events(on: On) {
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
pub async fn postgres_two_instances_share_one_chain() {
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
