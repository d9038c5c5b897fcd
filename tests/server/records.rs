//! The 审查表, the report, metrics, the OpenAPI document.

use super::*;

pub async fn the_form_as_json_and_escaped_html(on: On) {
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
        // An official form: Chinese throughout, times as people read them
        // (China Standard Time to the minute), never the stored UTC stamp.
        assert!(
            html.contains("<td>需人工审查</td>"),
            "{query}: 检查结果 in Chinese"
        );
        for raw in [">review<", ">rejected<", ">pending<", ">block<"] {
            assert!(!html.contains(raw), "{query}: {raw} on the form");
        }
        let created = r["created_at"].as_str().unwrap();
        let cst = (chrono::DateTime::parse_from_rfc3339(created)
            .unwrap()
            .naive_utc()
            + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string();
        assert!(html.contains(&cst), "{query}: {cst} on the form");
        assert!(
            !html.contains(created),
            "{query}: the raw UTC stamp on the form"
        );
    }
    let (code, v) = svc
        .get(&format!("/api/v1/reviews/{id}/form?format=pdf"), &l1)
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{v}");
    assert!(error_message(&v).contains("format"), "{v}");
    svc.stop().await;
}

pub async fn the_report_counts_decisions_categories_and_overrides(on: On) {
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

pub fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in\n{text}"))
}

pub async fn metrics_health_and_readiness(on: On) {
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

pub async fn openapi_lists_every_route(on: On) {
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
        ("post", "/api/v1/inspections"),
        ("get", "/api/v1/inspections"),
        ("get", "/api/v1/inspections/{id}"),
        ("get", "/api/v1/inspections/{id}/findings"),
        ("post", "/api/v1/inspections/{id}/actions"),
        ("get", "/api/v1/inspections/{id}/actions"),
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
                && body["error"]["message"].as_str() != Some("no such route"),
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

pub fn lexicon_file(entries: &[(&str, &str)]) -> String {
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
