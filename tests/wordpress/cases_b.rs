//! Cases 5–8: the scheduler, edits of published posts, quick and bulk edit,
//! and baomi stopped.

use super::*;

/// Case 5: A scheduled post with a leak is not live after the scheduler runs
/// (while a clean one scheduled with it is); a plugin publishing with a
/// direct database update is caught on the status transition.
pub async fn case_5_a_scheduled_leak_is_not_live_after_the_scheduler(t: &Ctx<'_>) {
    // WordPress publishes at once what is due within a minute.
    let at = utc_in(3600);
    let (clean_id, status, answer) = t
        .editor
        .block_editor_save(
            "WPT05A 定时发布的通知",
            CLEAN,
            json!({"status": "future", "date_gmt": at}),
        )
        .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("future")),
        "case 5 clean: {answer}"
    );
    let (leak_id, status, answer) = t
        .editor
        .block_editor_save(
            "WPT05B 定时发布的文件",
            &marked("5B"),
            json!({"status": "future", "date_gmt": at}),
        )
        .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("future")),
        "case 5 leak: {answer}"
    );
    let scheduled = t.gate(leak_id).await;
    assert_eq!(
        scheduled["state"], "held",
        "case 5: submitted when scheduled: {scheduled}"
    );

    t.wp.make_due(clean_id);
    t.wp.make_due(leak_id);
    t.run_scheduler().await;
    assert_eq!(
        t.status(clean_id).await,
        "publish",
        "case 5: the scheduler did not publish the clean post"
    );
    let clean = t
        .post(clean_id, "WPT05A", "case 5 (clean, scheduled)")
        .await;
    t.visitor.assert_public(&clean, &["WPT05A"], &[]).await;
    assert_eq!(t.status(leak_id).await, "pending", "case 5 leak");
    let gate = t.gate(leak_id).await;
    assert_eq!(
        gate["review_id"], scheduled["review_id"],
        "case 5: one review per version: {gate}"
    );
    let leak = t.post(leak_id, "WPT05B", "case 5 (leak, scheduled)").await;
    t.visitor.assert_not_public(&leak, &[&sentence("5B")]).await;

    // wp_publish_post() from a plugin: the same direct update as the scheduler's.
    let id = t.draft("WPT05C 直接发布的文件", &marked("5C")).await;
    let p = t
        .editor
        .get(&format!("/?baomi_test_direct_publish={id}"))
        .await;
    assert_eq!(p.status, 200, "case 5 direct: {:.500}", p.body);
    assert_eq!(
        t.status(id).await,
        "pending",
        "case 5: a direct update published a leak"
    );
    let direct = t.post(id, "WPT05C", "case 5 (direct update)").await;
    t.visitor
        .assert_not_public(&direct, &[&sentence("5C")])
        .await;
    assert!(t.gate(id).await["review_id"]
        .as_str()
        .unwrap()
        .starts_with("rv_"));
}

/// Case 6: A leak added to a published post does not replace the online version;
/// a rejection keeps it so, an approved edit and a clean edit go online.
pub async fn case_6_a_leak_added_to_a_published_post_stays_offline(t: &Ctx<'_>, post: &Post) {
    let leaking = format!("{CLEAN}\n{}", marked("6"));
    let (status, answer) = t
        .editor
        .block_editor_update(post.id, json!({"content": leaking}))
        .await;
    let review = assert_held(&answer, status, "cm-0001", "case 6");
    assert_eq!(answer["data"]["baomi"]["kind"], "edit", "case 6: {answer}");
    t.visitor
        .assert_public(post, &["WPT01A", "义务植树"], &[MARKING])
        .await;
    let v = t.editor.post(post.id).await;
    assert_eq!(v["status"], "publish", "case 6");
    assert!(
        !v["content"]["raw"].as_str().unwrap().contains(MARKING),
        "case 6: the row holds the leak"
    );
    let revision = v["baomi"]["revision"].as_u64().unwrap();
    let (status, kept) = t
        .editor
        .rest(
            Method::GET,
            &format!("/wp/v2/posts/{}/revisions/{revision}?context=edit", post.id),
            None,
        )
        .await;
    assert_eq!(status, 200, "case 6: {kept}");
    assert!(
        kept["content"]["raw"].as_str().unwrap().contains(MARKING),
        "case 6: the proposed version is not kept"
    );

    t.officer
        .resolve(&review, "reject", "新增内容含密级标志", "不予公开")
        .await;
    poll(CALLBACK_WAIT, "the rejection of the edit", || async {
        (t.gate(post.id).await["state"] == "rejected").then_some(())
    })
    .await;
    t.visitor
        .assert_public(post, &["义务植树"], &[MARKING])
        .await;
    assert!(
        t.editor
            .edit_screen(post.id)
            .await
            .contains("新增内容含密级标志"),
        "case 6: no reason shown"
    );

    // An edit an officer approves replaces the online version by the callback.
    let with_id = format!("{CLEAN}\n{ONE_ID}");
    let (status, answer) = t
        .editor
        .block_editor_update(post.id, json!({"content": with_id}))
        .await;
    let review = assert_held(&answer, status, "pd-0001", "case 6 second edit");
    t.visitor
        .assert_public(post, &["义务植树"], &[IDS[0]])
        .await;
    t.officer
        .resolve(&review, "approve", "本人同意公开", "经当事人书面同意")
        .await;
    poll(CALLBACK_WAIT, "the approved edit to go online", || async {
        t.visitor
            .get(&format!("/{}/", post.slug))
            .await
            .body
            .contains(IDS[0])
            .then_some(())
    })
    .await;
    t.visitor
        .assert_public(post, &["义务植树", IDS[0]], &[MARKING])
        .await;

    // A clean edit goes online at once.
    let (status, answer) = t
        .editor
        .block_editor_update(post.id, json!({"content": CLEAN_2}))
        .await;
    assert_eq!(status, 200, "case 6 clean edit: {answer}");
    t.visitor
        .assert_public(post, &["图书馆"], &[IDS[0], "城东公园"])
        .await;
}

/// Case 7: Quick edit and bulk edit go through the gate.
pub async fn case_7_quick_edit_and_bulk_edit_are_gated(t: &Ctx<'_>, published: &Post) {
    let id = t.draft("WPT07A 某项工作的通知", &marked("7A")).await;
    let slug = t.post(id, "WPT07A", "").await.slug;
    let row = t
        .editor
        .quick_edit(id, "WPT07A 某项工作的通知", &slug, "publish")
        .await;
    assert_eq!(row.status, 200, "case 7 quick edit");
    let review = t.gate(id).await["review_id"].as_str().unwrap().to_string();
    assert!(
        row.body.contains("待审查") && row.body.contains(&review),
        "case 7: the row does not say held:\n{:.3000}",
        row.body
    );
    assert_eq!(t.status(id).await, "pending", "case 7 quick edit");
    let quick = t.post(id, "WPT07A", "case 7 (quick edit publish)").await;
    t.visitor
        .assert_not_public(&quick, &[&sentence("7A")])
        .await;

    // Quick edit of a published post's title: the online title stays.
    let row = t
        .editor
        .quick_edit(
            published.id,
            &format!("WPT01B {MARKING} 图书馆"),
            &published.slug,
            "publish",
        )
        .await;
    assert!(
        row.body.contains("修改待审查"),
        "case 7: the row does not say the edit is held:\n{:.3000}",
        row.body
    );
    t.visitor
        .assert_public(published, &["WPT01B", "图书馆"], &[MARKING])
        .await;

    let clean = t.draft("WPT07C 志愿者招募", CLEAN).await;
    let leak = t.draft("WPT07D 工作安排", &marked("7D")).await;
    let list = t.editor.bulk_edit_status(&[clean, leak], "publish").await;
    assert_eq!(
        t.status(clean).await,
        "publish",
        "case 7 bulk: the clean post"
    );
    assert_eq!(t.status(leak).await, "pending", "case 7 bulk: the leak");
    let review = t.gate(leak).await["review_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        list.body.contains(&format!("文章 #{leak}")) && list.body.contains(&review),
        "case 7: the posts list does not name the held post"
    );
    let bulk_clean = t.post(clean, "WPT07C", "case 7 (bulk, clean)").await;
    t.visitor.assert_public(&bulk_clean, &["WPT07C"], &[]).await;
    let bulk_leak = t.post(leak, "WPT07D", "case 7 (bulk, leak)").await;
    t.visitor
        .assert_not_public(&bulk_leak, &[&sentence("7D")])
        .await;
}

/// Case 8: With baomi stopped nothing publishes, by any path, and the editor is
/// told why; what is online stays.
pub async fn case_8_with_baomi_stopped_nothing_publishes(t: &Ctx<'_>, online: &Post) {
    const WHY: &str = "无法连接保密审查服务";
    let (id, status, answer) = t
        .editor
        .block_editor_save("WPT08A 干净的通知", CLEAN, json!({}))
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (503, Some("baomi_unavailable")),
        "case 8: {answer}"
    );
    assert!(
        answer["message"].as_str().unwrap().contains(WHY),
        "case 8: {answer}"
    );
    assert_eq!(t.status(id).await, "pending", "case 8 block editor");
    let post = t.post(id, "WPT08A", "case 8 (block editor)").await;
    t.visitor.assert_not_public(&post, &[]).await;
    assert!(
        t.editor.edit_screen(id).await.contains(WHY),
        "case 8: the edit screen does not say why"
    );

    let (id, _) = t.editor.classic_publish("WPT08B 干净的通知", CLEAN_2).await;
    assert_eq!(t.status(id).await, "pending", "case 8 classic");
    t.visitor
        .assert_not_public(&t.post(id, "WPT08B", "case 8 (classic)").await, &[])
        .await;

    let fault = xmlrpc_new_post(
        &t.wp.base,
        EDITOR_LOGIN,
        EDITOR_PASSWORD,
        "WPT08C 通知",
        CLEAN,
    )
    .await
    .expect_err("case 8: XML-RPC published without baomi");
    assert!(fault.contains(WHY), "case 8 XML-RPC: {fault}");

    let (status, answer) = t
        .rest
        .call(
            Method::POST,
            "/wp/v2/posts",
            Some(json!({"title": "WPT08D 通知", "content": CLEAN, "status": "publish"})),
        )
        .await;
    assert_eq!(status, 503, "case 8 REST: {answer}");
    t.visitor
        .assert_not_public(
            &t.post(
                answer["data"]["post_id"].as_u64().unwrap(),
                "WPT08D",
                "case 8 (REST)",
            )
            .await,
            &[],
        )
        .await;

    let id = t.draft("WPT08E 志愿者招募", CLEAN).await;
    let slug = t.post(id, "WPT08E", "").await.slug;
    let row = t
        .editor
        .quick_edit(id, "WPT08E 志愿者招募", &slug, "publish")
        .await;
    assert!(
        row.body.contains("未能审查"),
        "case 8 quick edit row:\n{:.3000}",
        row.body
    );
    t.visitor
        .assert_not_public(&t.post(id, "WPT08E", "case 8 (quick edit)").await, &[])
        .await;

    let at = utc_in(3600);
    let (id, status, _) = t
        .editor
        .block_editor_save(
            "WPT08F 定时通知",
            CLEAN,
            json!({"status": "future", "date_gmt": at}),
        )
        .await;
    assert_eq!(status, 200, "case 8 schedule");
    t.wp.make_due(id);
    t.run_scheduler().await;
    assert_eq!(t.status(id).await, "pending", "case 8 scheduler");
    t.visitor
        .assert_not_public(&t.post(id, "WPT08F", "case 8 (scheduler)").await, &[])
        .await;

    let (status, answer) = t
        .editor
        .block_editor_update(online.id, json!({"content": CLEAN}))
        .await;
    assert_eq!(status, 503, "case 8 edit: {answer}");
    t.visitor
        .assert_public(online, &["图书馆"], &["城东公园"])
        .await;

    // A baomi that accepts the connection and never answers: the timeout
    // (set in wp-config.php, which overrides the plugin's settings).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    t.wp.set_config(&format!(
        "define('BAOMI_HOOK_URL', '{silent_url}');\ndefine('BAOMI_TIMEOUT', 1);"
    ));
    let (id, status, answer) = t
        .editor
        .block_editor_save("WPT08G 干净的通知", CLEAN_2, json!({}))
        .await;
    t.wp.set_config("");
    assert_eq!(status, 503, "case 8 timeout: {answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("timed out"), "case 8 timeout: {message}");
    assert_eq!(t.status(id).await, "pending", "case 8 timeout");
    t.visitor
        .assert_not_public(&t.post(id, "WPT08G", "case 8 (timeout)").await, &[])
        .await;
}
