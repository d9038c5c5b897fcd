//! The store on its own, on a temporary SQLite file and on a real PostgreSQL
//! server (started by the tests on loopback): tokens, idempotent
//! submissions, the audit chain (append, verify, tampering found),
//! resolutions and callback deliveries, and adopting a database written by
//! an earlier development build.

mod server_support;

use baomi::engine::verdict::Decision;
use baomi::service::store::{
    sha256_hex, ContentRetention, NewResolution, NewReview, ReviewRecord, Store,
};
use baomi::service::workflow::{Action, Role, Status, Transition};
use server_support::{database_url, On, TempDir};

on_both_backends!(
    tokens_are_stored_as_hashes_and_revocation_is_final,
    the_same_item_and_content_is_one_review_even_when_submitted_at_once,
    reviews_submitted_together_are_committed_together,
    the_chain_verifies_and_names_what_was_tampered_with,
    a_finished_resolution_queues_one_delivery_and_every_attempt_is_kept,
    a_resolution_of_a_review_that_moved_meanwhile_is_a_conflict,
    editing_any_recorded_field_of_a_review_is_found,
    cutting_the_end_of_the_chain_is_found_by_an_anchor,
    inspection_leases_are_exclusive_expire_and_count_against_max_pages,
);

async fn open(on: On, dir: &TempDir) -> Store {
    let url = database_url(on, dir.path()).await;
    Store::connect(&url, ContentRetention::Flagged)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

fn review(item: &str, content: &str, decision: Decision) -> NewReview {
    NewReview {
        item_id: item.into(),
        content: content.into(),
        format: "text".into(),
        content_hash: sha256_hex(content.as_bytes()),
        title: Some("标题".into()),
        submitter: Some("编辑甲".into()),
        department: Some("办公室".into()),
        channel: None,
        url: None,
        callback_url: None,
        token_id: "tk_test".into(),
        decision,
        findings: Vec::new(),
        attachments: Vec::new(),
        incomplete: None,
        omitted: Vec::new(),
        lexicon_version: "lex-test".into(),
        engine_version: "0".into(),
    }
}

fn approval<'a>(callback: Option<&'a str>) -> NewResolution<'a> {
    NewResolution {
        action: Action::Approve,
        officer_token: "tk_officer",
        officer_name: "审查员甲",
        level: 1,
        comment: "可以公开",
        basis: "不涉及国家秘密",
        transition: Transition {
            status: Status::Approved,
            level: 1,
            override_block: false,
        },
        callback_url: callback,
    }
}

async fn count(store: &Store, sql: &str) -> u64 {
    // `execute_raw` returns affected rows; a counting UPDATE of nothing is
    // the portable way to count through it.
    store.execute_raw(sql).await.expect("raw sql")
}

async fn tokens_are_stored_as_hashes_and_revocation_is_final(on: On) {
    let dir = TempDir::new("store-tokens");
    let store = open(on, &dir).await;
    let (info, secret) = store
        .create_token(Role::Officer, Some(2), "审查员乙")
        .await
        .unwrap();
    assert!(secret.starts_with("bm_") && secret.len() > 40, "{secret}");
    let found = store.token_by_secret(&secret).await.unwrap().expect("live");
    assert_eq!(
        (found.id.as_str(), found.level),
        (info.id.as_str(), Some(2))
    );
    // Only the hash is in the table: no row holds the secret itself.
    let with_secret = count(
        &store,
        &format!("UPDATE tokens SET name = name WHERE hash = '{secret}' OR name = '{secret}'"),
    )
    .await;
    assert_eq!(with_secret, 0);
    let with_hash = count(
        &store,
        &format!(
            "UPDATE tokens SET name = name WHERE hash = '{}'",
            sha256_hex(secret.as_bytes())
        ),
    )
    .await;
    assert_eq!(with_hash, 1);
    assert_eq!(store.revoke_token(&info.id).await.unwrap(), 1);
    assert!(store.token_by_secret(&secret).await.unwrap().is_none());
    assert!(store.token_by_id(&info.id).await.unwrap().is_none());
    assert_eq!(
        store.revoke_token(&info.id).await.unwrap(),
        0,
        "revoking twice revokes nothing"
    );
    let listed = store.list_tokens().await.unwrap();
    assert!(listed[0].revoked_at.is_some(), "{listed:?}");
}

async fn the_same_item_and_content_is_one_review_even_when_submitted_at_once(on: On) {
    let dir = TempDir::new("store-idem");
    let store = std::sync::Arc::new(open(on, &dir).await);
    let (first, created) = store
        .record_review(review("item-1", "正文", Decision::Pass))
        .await
        .unwrap();
    assert!(created);
    let (again, created) = store
        .record_review(review("item-1", "正文", Decision::Pass))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.review_id, first.review_id);
    // Eight concurrent submissions of one new item and content: one review.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_review(review("item-2", "另一篇", Decision::Review))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    let mut created = 0;
    for t in tasks {
        let (r, c) = t.await.unwrap();
        ids.insert(r.review_id);
        created += usize::from(c);
    }
    assert_eq!((ids.len(), created), (1, 1), "{ids:?}");
    let history = store.item_history("tk_test", "item-2").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].status, Status::Pending);
    let report = store.verify_chain().await.unwrap();
    assert_eq!((report.events, report.problem), (2, None));
}

/// Group commit: 48 reviews at once (16 of them the same item and content)
/// take fewer transactions than reviews, every acknowledged one is there,
/// the duplicates are one review, and the chain verifies.
async fn reviews_submitted_together_are_committed_together(on: On) {
    let dir = TempDir::new("store-group");
    let store = std::sync::Arc::new(open(on, &dir).await);
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let (item, text) = if i % 3 == 0 {
                    ("same".to_string(), "同一篇".to_string())
                } else {
                    (format!("item-{i}"), format!("第{i}篇"))
                };
                let (r, created) = store
                    .record_review(review(&item, &text, Decision::Review))
                    .await
                    .unwrap();
                (item, r.review_id, created)
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.push(t.await.unwrap());
    }
    let created = acknowledged.iter().filter(|a| a.2).count();
    assert_eq!(created, 32 + 1);
    let same: std::collections::BTreeSet<_> = acknowledged
        .iter()
        .filter(|a| a.0 == "same")
        .map(|a| a.1.clone())
        .collect();
    assert_eq!(same.len(), 1, "{same:?}");
    for (item, id, _) in &acknowledged {
        let found = store.review(id).await.unwrap();
        assert_eq!(found.map(|r| r.item_id), Some(item.clone()));
    }
    let transactions = store.review_transactions();
    assert!(
        (1..created as u64).contains(&transactions),
        "{transactions} transactions for {created} reviews"
    );
    let report = store.verify_chain().await.unwrap();
    assert_eq!((report.events as usize, report.problem), (created, None));
}

async fn the_chain_verifies_and_names_what_was_tampered_with(on: On) {
    let dir = TempDir::new("store-chain");
    let store = open(on, &dir).await;
    let mut pending: Vec<ReviewRecord> = Vec::new();
    for i in 0..3 {
        let (r, _) = store
            .record_review(review(
                &format!("c-{i}"),
                &format!("第{i}篇"),
                Decision::Review,
            ))
            .await
            .unwrap();
        pending.push(r);
    }
    store.resolve(&pending[0], approval(None)).await.unwrap();
    let ok = store.verify_chain().await.unwrap();
    assert_eq!(
        (ok.events, ok.reviews, ok.problem.clone()),
        (4, 3, None),
        "{ok}"
    );

    // A review row changed behind baomi's back.
    let id = &pending[1].review_id;
    store
        .execute_raw(&format!(
            "UPDATE reviews SET decision = 'pass' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    let broken = store.verify_chain().await.unwrap();
    let problem = broken.problem.expect("a changed review is found");
    assert!(problem.contains(id.as_str()), "{problem}");
    store
        .execute_raw(&format!(
            "UPDATE reviews SET decision = 'review' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    assert_eq!(store.verify_chain().await.unwrap().problem, None);

    // An event's payload changed.
    store
        .execute_raw("UPDATE events SET actor = '别人' WHERE seq = 2")
        .await
        .unwrap();
    let problem = store.verify_chain().await.unwrap().problem.expect("found");
    assert!(problem.contains("event 2"), "{problem}");
    store
        .execute_raw("UPDATE events SET actor = '编辑甲' WHERE seq = 2")
        .await
        .unwrap();
    assert_eq!(store.verify_chain().await.unwrap().problem, None);

    // An event deleted from the middle.
    store
        .execute_raw("DELETE FROM events WHERE seq = 3")
        .await
        .unwrap();
    let problem = store.verify_chain().await.unwrap().problem.expect("found");
    assert!(problem.contains("event 3 is missing"), "{problem}");
}

async fn a_finished_resolution_queues_one_delivery_and_every_attempt_is_kept(on: On) {
    let dir = TempDir::new("store-deliveries");
    let store = open(on, &dir).await;
    let (r, _) = store
        .record_review(review("d-1", "待审", Decision::Review))
        .await
        .unwrap();
    let far_future = "2999-01-01T00:00:00.000Z";
    assert!(store
        .due_deliveries(far_future, 10)
        .await
        .unwrap()
        .is_empty());
    let updated = store
        .resolve(&r, approval(Some("http://127.0.0.1:9/callback")))
        .await
        .unwrap();
    assert_eq!(updated.status, Status::Approved);
    let due = store.due_deliveries(far_future, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    let delivery = &due[0];
    assert_eq!(
        (delivery.review_id.as_str(), delivery.attempts),
        (r.review_id.as_str(), 0)
    );
    let payload: serde_json::Value = serde_json::from_str(&delivery.payload).unwrap();
    assert_eq!(payload["status"], "approved");
    assert_eq!(payload["resolution"]["basis"], "不涉及国家秘密");

    // A failed attempt, retried later: not due before its time.
    store
        .record_attempt(delivery, Some(503), None, Some("2998-01-01T00:00:00.000Z"))
        .await
        .unwrap();
    assert!(store
        .due_deliveries("2997-01-01T00:00:00.000Z", 10)
        .await
        .unwrap()
        .is_empty());
    let retry = store.due_deliveries(far_future, 10).await.unwrap();
    assert_eq!(retry[0].attempts, 1);
    // Accepted: never due again.
    store
        .record_attempt(&retry[0], Some(200), None, None)
        .await
        .unwrap();
    assert!(store
        .due_deliveries(far_future, 10)
        .await
        .unwrap()
        .is_empty());
    let attempts = store.delivery_attempts(&r.review_id).await.unwrap();
    let codes: Vec<Option<i64>> = attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, vec![Some(503), Some(200)]);
}

async fn a_resolution_of_a_review_that_moved_meanwhile_is_a_conflict(on: On) {
    let dir = TempDir::new("store-conflict");
    let store = open(on, &dir).await;
    let (r, _) = store
        .record_review(review("x-1", "待审", Decision::Review))
        .await
        .unwrap();
    store.resolve(&r, approval(None)).await.unwrap();
    // `r` is the review as it was before the first resolution.
    let again = store.resolve(&r, approval(None)).await;
    assert!(
        matches!(again, Err(baomi::service::store::StoreError::Conflict)),
        "{again:?}"
    );
    assert_eq!(store.resolutions(&r.review_id).await.unwrap().len(), 1);
}

/// A SQLite file made by a development build before migrations were files
/// (a `schema_version` table at version 1, no `attachments` column) opens,
/// keeps its rows and gains the column.
#[tokio::test]
async fn a_database_from_an_early_build_is_adopted_with_its_rows() {
    let dir = TempDir::new("store-legacy");
    let url = format!("sqlite://{}/old.sqlite", dir.path().display());
    {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("{url}?mode=rwc"))
            .await
            .unwrap();
        for sql in [
            "CREATE TABLE schema_version (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
            "INSERT INTO schema_version VALUES (1, '2026-11-01T00:00:00.000Z')",
            "CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, \
             level BIGINT, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)",
            "INSERT INTO tokens VALUES ('tk_old', '旧CMS', 'cms', NULL, 'h', '2026-11-01T00:00:00.000Z', NULL)",
            "CREATE TABLE reviews (id TEXT PRIMARY KEY, item_id TEXT NOT NULL, content_hash TEXT NOT NULL, \
             format TEXT NOT NULL, title TEXT, submitter TEXT, department TEXT, channel TEXT, url TEXT, \
             callback_url TEXT, token_id TEXT NOT NULL, decision TEXT NOT NULL, status TEXT NOT NULL, \
             level BIGINT NOT NULL, findings TEXT NOT NULL, incomplete TEXT, content TEXT, \
             lexicon_version TEXT NOT NULL, engine_version TEXT NOT NULL, created_at TEXT NOT NULL, \
             updated_at TEXT NOT NULL, UNIQUE (item_id, content_hash))",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = Store::connect(&url, ContentRetention::Flagged)
        .await
        .unwrap();
    let tokens = store.list_tokens().await.unwrap();
    assert_eq!(tokens.len(), 1, "the old token is kept");
    assert_eq!(tokens[0].name, "旧CMS");
    let (r, created) = store
        .record_review(review("new-1", "新的一篇", Decision::Pass))
        .await
        .unwrap();
    assert!(created && r.attachments.is_empty());
    assert_eq!(store.verify_chain().await.unwrap().problem, None);
    // Opening it again changes nothing.
    drop(store);
    let store = Store::connect(&url, ContentRetention::Flagged)
        .await
        .unwrap();
    assert_eq!(
        store.item_history("tk_test", "new-1").await.unwrap().len(),
        1
    );
}

/// Every field the `submitted` event holds is compared with the row; the
/// stored text is compared through its hash.
async fn editing_any_recorded_field_of_a_review_is_found(on: On) {
    let dir = TempDir::new("store-fields");
    let store = open(on, &dir).await;
    let mut new = review("f-1", "内部资料\n会议纪要", Decision::Review);
    new.incomplete = Some("time budget".into());
    let (r, _) = store.record_review(new).await.unwrap();
    assert_eq!(store.verify_chain().await.unwrap().problem, None);
    let id = &r.review_id;
    for (column, value, want) in [
        ("content", "'改过的正文'", "content"),
        ("title", "'改过的标题'", "title"),
        ("submitter", "'别人'", "submitter"),
        ("department", "'别的部门'", "department"),
        ("item_id", "'other-item'", "item_id"),
        ("token_id", "'tk_other'", "token_id"),
        ("created_at", "'2020-01-01T00:00:00.000Z'", "created_at"),
        ("incomplete", "NULL", "incomplete"),
    ] {
        let old = match column {
            "content" => "'内部资料\n会议纪要'".to_string(),
            "title" => "'标题'".into(),
            "submitter" => "'编辑甲'".into(),
            "department" => "'办公室'".into(),
            "item_id" => "'f-1'".into(),
            "token_id" => "'tk_test'".into(),
            "created_at" => format!("'{}'", r.created_at),
            _ => "'time budget'".into(),
        };
        store
            .execute_raw(&format!(
                "UPDATE reviews SET {column} = {value} WHERE id = '{id}'"
            ))
            .await
            .unwrap();
        let problem = store
            .verify_chain()
            .await
            .unwrap()
            .problem
            .unwrap_or_else(|| panic!("editing {column} was not found"));
        assert!(
            problem.contains(id.as_str()) && problem.contains(want),
            "{column}: {problem}"
        );
        assert!(
            !problem.contains("改过") && !problem.contains("别的"),
            "no text quoted: {problem}"
        );
        store
            .execute_raw(&format!(
                "UPDATE reviews SET {column} = {old} WHERE id = '{id}'"
            ))
            .await
            .unwrap();
        assert_eq!(
            store.verify_chain().await.unwrap().problem,
            None,
            "{column} undone"
        );
    }
}

/// Deleting the last event together with its review leaves a chain that
/// verifies from its start; the anchor signed before shows the cut.
async fn cutting_the_end_of_the_chain_is_found_by_an_anchor(on: On) {
    use baomi::service::anchors::{anchor_now, check_anchors, read_anchor_file, AnchorKey};
    let dir = TempDir::new("store-anchor");
    let store = open(on, &dir).await;
    let key = AnchorKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    let file = dir.path().join("anchors.txt");
    store
        .record_review(review("a-1", "第一篇", Decision::Pass))
        .await
        .unwrap();
    let (last, _) = store
        .record_review(review("a-2", "第二篇", Decision::Review))
        .await
        .unwrap();
    let anchor = anchor_now(&store, &key, Some(&file))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(anchor.seq, 2);
    let given = read_anchor_file(&file).unwrap();
    assert_eq!(given, vec![anchor.clone()]);
    let trusted = [key.public_hex()];
    assert_eq!(
        check_anchors(&store, &given, &trusted)
            .await
            .unwrap()
            .problem,
        None
    );

    store
        .execute_raw("DELETE FROM events WHERE seq = 2")
        .await
        .unwrap();
    store
        .execute_raw(&format!(
            "DELETE FROM reviews WHERE id = '{}'",
            last.review_id
        ))
        .await
        .unwrap();
    store
        .execute_raw("DELETE FROM items WHERE item_id = 'a-2'")
        .await
        .unwrap();
    // The chain alone cannot see it …
    assert_eq!(store.verify_chain().await.unwrap().problem, None);
    // … the anchor does.
    let problem = check_anchors(&store, &given, &trusted)
        .await
        .unwrap()
        .problem
        .expect("the cut is found");
    assert!(problem.contains("deleted from its end"), "{problem}");
    // An anchor by another key is not trusted; a forged one fails its check.
    let other = AnchorKey::load_or_create(&dir.path().join("other.key")).unwrap();
    let forged = other.sign(1, &anchor.head, &anchor.at);
    let problem = check_anchors(&store, &[forged], &trusted)
        .await
        .unwrap()
        .problem;
    assert!(problem.is_some_and(|p| p.contains("unknown key")));
}

/// The 网站巡检 frontier: concurrent workers never lease one URL twice;
/// robots.txt is leased before the origin's other URLs; `max_pages` counts
/// first leases; an expired lease goes to another worker and the first
/// worker's completion is refused.
async fn inspection_leases_are_exclusive_expire_and_count_against_max_pages(on: On) {
    use baomi::service::inspect::model::{Entry, EntryKind, RunSettings};
    use baomi::service::store::{Completion, Leased, NewEntry, NewRun};
    use std::sync::Arc;
    let dir = TempDir::new("store-inspect");
    let store = Arc::new(open(on, &dir).await);
    let origin = "http://127.0.0.1:9".to_string();
    let settings = RunSettings {
        start: vec![format!("{origin}/")],
        allowed_hosts: vec!["127.0.0.1:9".into()],
        max_pages: 20,
        ..RunSettings::default()
    };
    let run = store
        .create_inspection(NewRun {
            name: "t",
            settings: &settings,
            started_by: "test",
            schedule: None,
            lexicon_version: "lex",
            also: Vec::new(),
        })
        .await
        .unwrap();
    // Only robots.txt is leasable until it is done.
    let Leased::Entry(robots) = store.lease_entry(&run.id, "w0", 60_000, 20).await.unwrap() else {
        panic!("robots.txt first")
    };
    assert_eq!(robots.kind, EntryKind::Robots);
    assert!(matches!(
        store.lease_entry(&run.id, "w0", 60_000, 20).await.unwrap(),
        Leased::Empty
    ));
    let links: Vec<NewEntry> = (0..30)
        .map(|i| {
            NewEntry::queued(Entry {
                url: format!("{origin}/a/{i}.html"),
                origin: origin.clone(),
                kind: EntryKind::Link,
                referrer: Some(format!("{origin}/")),
                depth: 1,
                redirects: Vec::new(),
            })
        })
        .collect();
    let done = Completion {
        robots: Some(Some(String::new())),
        links: links.clone(),
        ..Completion::default()
    };
    assert!(store
        .complete_entry(&run.id, &robots, "w0", done)
        .await
        .unwrap());
    // Pushing the same URLs again adds nothing.
    let Leased::Entry(start) = store.lease_entry(&run.id, "w0", 60_000, 20).await.unwrap() else {
        panic!("the start URL")
    };
    assert_eq!(start.url, format!("{origin}/"));
    let again = Completion {
        links,
        ..Completion::default()
    };
    assert!(store
        .complete_entry(&run.id, &start, "w0", again)
        .await
        .unwrap());
    // Four workers at once.
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        let run_id = run.id.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                match store
                    .lease_entry(&run_id, &format!("w{}", w + 1), 60_000, 20)
                    .await
                    .unwrap()
                {
                    Leased::Entry(e) => got.push(e.url),
                    Leased::Skipped => {}
                    Leased::Empty => return got,
                }
            }
        }));
    }
    let mut leased = Vec::new();
    for t in tasks {
        leased.extend(t.await.unwrap());
    }
    let distinct: std::collections::BTreeSet<&String> = leased.iter().collect();
    assert_eq!(
        distinct.len(),
        leased.len(),
        "a URL leased twice: {leased:?}"
    );
    assert_eq!(leased.len(), 19, "max_pages 20: the start URL and 19 more");
    let counts = store.frontier_counts(&run.id).await.unwrap();
    assert_eq!(
        (counts.leased, counts.skipped_pages, counts.done),
        (19, 11, 1),
        "{counts:?}"
    );
    // An expired lease: another worker takes it, the first one's result is
    // refused.
    let run2 = store
        .create_inspection(NewRun {
            name: "t2",
            settings: &settings,
            started_by: "test",
            schedule: None,
            lexicon_version: "lex",
            also: Vec::new(),
        })
        .await
        .unwrap();
    let Leased::Entry(robots) = store.lease_entry(&run2.id, "w1", -1, 20).await.unwrap() else {
        panic!("robots.txt")
    };
    let Leased::Entry(taken) = store.lease_entry(&run2.id, "w2", 60_000, 20).await.unwrap() else {
        panic!("the expired lease is leasable again")
    };
    assert_eq!(taken.url, robots.url);
    assert!(!store
        .complete_entry(&run2.id, &robots, "w1", Completion::default())
        .await
        .unwrap());
    assert!(!store
        .renew_lease(&run2.id, &robots.url, "w1", 60_000)
        .await
        .unwrap());
    assert!(store
        .complete_entry(&run2.id, &taken, "w2", Completion::default())
        .await
        .unwrap());
    assert_eq!(store.verify_chain().await.unwrap().problem, None);
}
