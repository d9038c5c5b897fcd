//! 网站巡检 in `baomi serve` (in-process, on SQLite and PostgreSQL): a run
//! started through the API is crawled by the service's worker; officers
//! act on what it found (each action in the audit chain); a second run,
//! with one page fixed, one deleted and one marked 误报, reports only what
//! is left and says what the 已整改 checks found; the period report counts
//! it all, also as .docx; a schedule starts a run by itself.

use super::portal::*;
use crate::server_support::{poll, On, TestService};
use baomi::service::workflow::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

async fn service(on: On, portal: &Portal) -> TestService {
    let host = portal.host.clone();
    TestService::start(on, move |c, _| {
        c.inspect_hosts = vec![host];
        c.inspect_poll = Duration::from_millis(20);
        c.inspect_lease = Duration::from_secs(5);
    })
    .await
}

/// Starts a run through the API and waits until the workers finished it.
async fn run(svc: &TestService, officer: &str, portal: &Portal) -> Value {
    let (code, started) = svc
        .post(
            "/api/v1/inspections",
            officer,
            &json!({"name": "门户网站", "start": [portal.url("/")], "rate": 500, "timeout_ms": 1000,
                    "max_bytes": 524288, "concurrency": 4}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    poll(
        Duration::from_secs(90),
        "the inspection to finish",
        || async {
            let (_, v) = svc.get(&format!("/api/v1/inspections/{id}"), officer).await;
            (v["status"] == "finished").then_some(v)
        },
    )
    .await
}

async fn findings(svc: &TestService, officer: &str, id: &str) -> Vec<Value> {
    let (code, v) = svc
        .get(&format!("/api/v1/inspections/{id}/findings"), officer)
        .await;
    assert_eq!(code, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn item<'a>(items: &'a [Value], portal: &Portal, path: &str) -> &'a Value {
    let url = portal.url(path);
    items
        .iter()
        .find(|i| i["url"] == url)
        .unwrap_or_else(|| panic!("no finding for {path}"))
}

/// URLs of records that are open problems with findings.
fn open_leaks(items: &[Value], portal: &Portal) -> BTreeSet<String> {
    items
        .iter()
        .filter(|i| i["quiet"].is_null() && !i["findings"].as_array().unwrap().is_empty())
        .map(|i| {
            i["url"]
                .as_str()
                .unwrap()
                .trim_start_matches(&portal.base)
                .to_string()
        })
        .collect()
}

async fn act(svc: &TestService, officer: &str, run: &str, record: &Value, action: &str) -> Value {
    let (code, v) = svc
        .post(
            &format!("/api/v1/inspections/{run}/actions"),
            officer,
            &json!({"record_id": record["id"], "action": action, "comment": "已核实处理"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{action}: {v}");
    v
}

pub async fn a_run_then_actions_then_a_second_run_reports_what_is_left(on: On) {
    let outside = Portal::start(outside).await;
    let outside_base = outside.base.clone();
    let site = Portal::start(|b| portal(b, &outside_base)).await;
    let svc = service(on, &site).await;
    let officer = svc.token(Role::Officer, Some(1), "审查员甲").await;
    let cms = svc.token(Role::Cms, None, "cms").await;

    let first = run(&svc, &officer, &site).await;
    let id1 = first["id"].as_str().unwrap().to_string();
    assert_eq!(
        first["summary"]["fetch_errors"], 4,
        "404, loop, no answer, huge: {first}"
    );
    let items = findings(&svc, &officer, &id1).await;
    let leaks = open_leaks(&items, &site);
    let want: BTreeSet<String> = [
        LEAK_PAGE,
        LEAK_COPY,
        ROSTER,
        NOTICE_DOCX,
        INTERNAL_PAGE,
        GBK_PAGE,
        SITEMAP_ONLY,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(leaks, want);
    // The page text comes with its record, for highlighting.
    let leak = item(&items, &site, LEAK_PAGE);
    assert!(leak["content"].as_str().unwrap().contains("机密★1年"));
    assert!(outside.hits().is_empty(), "the outside host was asked");
    assert!(
        site.counts().values().all(|&n| n == 1),
        "{:?}",
        site.counts()
    );

    // Who may do what, and bad input.
    let (code, _) = svc.get("/api/v1/inspections", &cms).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    for (body, want) in [
        (json!({"start": ["http://198.51.100.7/"]}), "inspect_hosts"),
        (json!({"start": []}), "start"),
        (json!({"start": [site.url("/")], "rate": 0}), "rate"),
        (json!({"start": ["javascript:alert(1)"]}), "start"),
    ] {
        let (code, v) = svc.post("/api/v1/inspections", &officer, &body).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(want),
            "{body}: {v}"
        );
    }
    let (code, v) = svc
        .post(
            &format!("/api/v1/inspections/{id1}/actions"),
            &officer,
            &json!({"record_id": leak["id"], "action": "false_positive", "comment": "  "}),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "a reason is required: {v}");
    let passed = findings_all(&svc, &officer, &id1, &site, CLEAN_PAGE).await;
    let (code, _) = svc
        .post(
            &format!("/api/v1/inspections/{id1}/actions"),
            &officer,
            &json!({"record_id": passed["id"], "action": "rectified", "comment": "x"}),
        )
        .await;
    assert_eq!(
        code,
        StatusCode::CONFLICT,
        "nothing to act on in a passed record"
    );
    let (code, _) = svc
        .post(
            "/api/v1/inspections/ir_nope/actions",
            &officer,
            &json!({"record_id": leak["id"], "action": "rectified", "comment": "x"}),
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // Officers act: one page fixed, one deleted, one fixed only in words,
    // one false alarm, one attachment to the 三审 queue.
    act(&svc, &officer, &id1, leak, "rectified").await;
    site.set(LEAK_PAGE, Res::html(&fixed_article()));
    act(
        &svc,
        &officer,
        &id1,
        item(&items, &site, GBK_PAGE),
        "rectified",
    )
    .await;
    site.set(GBK_PAGE, Res::NotFound);
    act(
        &svc,
        &officer,
        &id1,
        item(&items, &site, SITEMAP_ONLY),
        "rectified",
    )
    .await;
    act(
        &svc,
        &officer,
        &id1,
        item(&items, &site, INTERNAL_PAGE),
        "false_positive",
    )
    .await;
    let sent = act(
        &svc,
        &officer,
        &id1,
        item(&items, &site, ROSTER),
        "to_review",
    )
    .await;
    let review_id = sent["review_id"]
        .as_str()
        .expect("a review in the queue")
        .to_string();
    let (code, queue) = svc.get("/api/v1/queue", &officer).await;
    assert_eq!(code, StatusCode::OK);
    let queued = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["review_id"] == review_id.as_str());
    let queued = queued.unwrap_or_else(|| panic!("{review_id} not in the queue: {queue}"));
    assert_eq!(queued["decision"], "block", "five ID numbers: a list");
    let (_, review) = svc
        .get(&format!("/api/v1/reviews/{review_id}"), &officer)
        .await;
    assert_eq!(review["url"], site.url(ROSTER));
    assert_eq!(
        review["attachments"][0]["findings"][0]["category"],
        "personal"
    );
    let (_, actions) = svc
        .get(&format!("/api/v1/inspections/{id1}/actions"), &officer)
        .await;
    assert_eq!(actions["count"], 5, "{actions}");
    assert_eq!(actions["items"][0]["officer"], "审查员甲");

    // The second run: only what is left, and the checks say what they found.
    site.clear_hits();
    let second = run(&svc, &officer, &site).await;
    let id2 = second["id"].as_str().unwrap().to_string();
    let items = findings(&svc, &officer, &id2).await;
    let left = open_leaks(&items, &site);
    let want: BTreeSet<String> = [LEAK_COPY, NOTICE_DOCX, SITEMAP_ONLY]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        left, want,
        "fixed, deleted, 误报 and 转入审查 are not reported again"
    );
    assert_eq!(
        item(&items, &site, SITEMAP_ONLY)["check"]["result"],
        "unchanged"
    );
    assert_eq!(item(&items, &site, GBK_PAGE)["check"]["result"], "gone");
    assert_eq!(
        item(&items, &site, INTERNAL_PAGE)["quiet"]["action"],
        "false_positive"
    );
    assert_eq!(
        item(&items, &site, ROSTER)["quiet"]["review_id"],
        review_id.as_str()
    );
    assert_eq!(
        second["summary"]["checks"],
        json!({"clean": 1, "gone": 1, "unchanged": 1}),
        "{second}"
    );
    assert_eq!(second["summary"]["false_positives"], 1);
    assert_eq!(second["summary"]["in_review"], 1);
    // The fixed page passes now (it is no finding any more) and was checked.
    let (_, all) = svc
        .get(
            &format!("/api/v1/inspections/{id2}/findings?all=true"),
            &officer,
        )
        .await;
    let fixed = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"] == site.url(LEAK_PAGE))
        .unwrap()
        .clone();
    assert_eq!(fixed["decision"], "pass");
    assert_eq!(fixed["check"]["result"], "clean");
    // Unchanged pages went out with If-None-Match and were not rescanned.
    let clean = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"] == site.url(CLEAN_PAGE))
        .unwrap();
    assert_eq!(clean["unchanged"], true);
    assert!(site
        .hits()
        .iter()
        .any(|h| h.path == CLEAN_PAGE && h.if_none_match.is_some()));

    // The record: every action and check in the chain, and it verifies.
    let chain = svc.state.store.verify_chain().await.unwrap();
    assert_eq!(chain.problem, None, "{chain}");
    let kinds = svc
        .state
        .store
        .execute_raw("UPDATE events SET kind = kind WHERE kind IN ('inspection_action', 'inspection_checked')")
        .await
        .unwrap();
    assert_eq!(kinds, 5 + 3, "5 actions, 3 checks");
    svc.state
        .store
        .execute_raw("UPDATE inspect_actions SET comment = '改过' WHERE action = 'false_positive'")
        .await
        .unwrap();
    let chain = svc.state.store.verify_chain().await.unwrap();
    assert!(
        chain
            .problem
            .as_deref()
            .unwrap_or("")
            .contains("inspection action"),
        "{chain}"
    );
    assert!(
        !chain.problem.unwrap().contains("改过"),
        "never quotes the text"
    );

    // The period report: figures, Markdown and an editable Word file.
    let today = chrono::Utc::now().date_naive();
    let period = format!(
        "from={}&to={}",
        today.pred_opt().unwrap(),
        today.succ_opt().unwrap()
    );
    let (code, report) = svc.get(&format!("/api/v1/report?{period}"), &officer).await;
    assert_eq!(code, StatusCode::OK, "{report}");
    let f = &report["inspection"];
    for (key, want) in [
        ("runs", 2),
        ("rectified", 3),
        ("rectified_verified", 2),
        ("rectified_failed", 1),
        ("false_positives", 1),
        ("in_review", 1),
        ("still_open", 3),
    ] {
        assert_eq!(f[key], want, "{key}: {f}");
    }
    assert!(f["pages"].as_u64().unwrap() >= 15, "{f}");
    assert_eq!(f["attachments"], 4, "{f}");
    assert_eq!(f["by_category"]["personal"], 1, "{f}");
    let (_, _, md) = svc
        .get_text(
            &format!("/api/v1/report?{period}&format=markdown"),
            Some(&officer),
        )
        .await;
    assert!(
        md.contains("## 网站巡检") && md.contains("| 误报 | 1 |"),
        "{md}"
    );
    let resp = svc
        .http
        .get(svc.url(&format!("/api/v1/report?{period}&format=docx")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("wordprocessingml"));
    let bytes = resp.bytes().await.unwrap();
    // baomi's own .docx reader reads the report back.
    let parts =
        baomi::attach::extract_parts("report.docx", &bytes, &baomi::attach::Limits::default());
    // docx-rs always writes empty comments and footnotes parts that no
    // relationship lists; baomi's reader reports such entries (a hiding
    // place in uploads). Nothing else may be wrong with the file.
    assert!(
        parts
            .problems
            .iter()
            .all(|p| p.location.ends_with("word/comments.xml")
                || p.location.ends_with("word/footnotes.xml")),
        "{:?}",
        parts.problems
    );
    let text: String = parts
        .parts
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("网站巡检") && text.contains("误报"), "{text}");
    assert!(
        bytes.windows(4).any(|w| w == b"\x89PNG"),
        "the chart picture is in the file"
    );

    // The pages: the 网站巡检 page and its script are served.
    let (code, _, js) = svc.get_text("/assets/inspect.js", None).await;
    assert_eq!(code, StatusCode::OK);
    assert!(js.contains("/api/v1/inspections"));
    svc.stop().await;
}

async fn findings_all(
    svc: &TestService,
    officer: &str,
    id: &str,
    portal: &Portal,
    path: &str,
) -> Value {
    let (_, all) = svc
        .get(
            &format!("/api/v1/inspections/{id}/findings?all=true"),
            officer,
        )
        .await;
    all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"] == portal.url(path))
        .cloned()
        .unwrap_or_else(|| panic!("no record of {path}"))
}

pub async fn a_schedule_from_the_config_starts_runs_by_itself(on: On) {
    let outside = Portal::start(outside).await;
    let outside_base = outside.base.clone();
    let site = Portal::start(|b| portal(b, &outside_base)).await;
    let start = site.url(CLEAN_PAGE);
    let svc = TestService::start(on, move |c, _| {
        c.inspect_poll = Duration::from_millis(20);
        c.inspect_schedules = vec![baomi::service::config::InspectSchedule {
            name: "门户网站每日巡检".into(),
            start: vec![start],
            every_hours: 24.0,
            allow_hosts: None,
            rate: Some(100.0),
            concurrency: None,
            max_pages: None,
            max_depth: Some(0),
            timeout_ms: Some(1000),
            max_bytes: None,
            ignore_robots: None,
        }];
    })
    .await;
    let officer = svc.token(Role::Officer, Some(1), "审查员").await;
    let list = poll(
        Duration::from_secs(60),
        "the scheduled run to finish",
        || async {
            let (_, v) = svc.get("/api/v1/inspections", &officer).await;
            (v["items"][0]["status"] == "finished").then_some(v)
        },
    )
    .await;
    assert_eq!(
        list["count"], 1,
        "one run however often the worker looks: {list}"
    );
    assert_eq!(list["items"][0]["started_by"], "schedule:门户网站每日巡检");
    assert_eq!(list["items"][0]["summary"]["pages"], 1);
    let next = list["schedules"][0]["next_run_at"].as_str().unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(next).unwrap();
    let in_hours =
        (next.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!(
        (23.0..=24.1).contains(&in_hours),
        "next run in {in_hours} h"
    );
    // A scheduled site's host may be inspected from the page too.
    let (code, v) = svc
        .post(
            "/api/v1/inspections",
            &officer,
            &json!({"start": [site.url("/")], "max_depth": 0}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{v}");
    svc.stop().await;
}
