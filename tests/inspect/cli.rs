//! `baomi inspect` (the real binary) against the test portal: every planted
//! leak found with its URL and referrer, clean pages pass, every kind of
//! broken URL a record with `error`, no request to the outside host or to
//! what robots.txt disallows, each URL requested once; the formats, the
//! exit codes, and incremental runs with a database.

use super::portal::*;
use serde_json::Value;
use std::collections::HashMap;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_baomi");

pub async fn baomi(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(&args)
            .env_remove("BAOMI_DATABASE_URL")
            .env_remove("BAOMI_CONFIG")
            .output()
            .expect("run baomi")
    })
    .await
    .unwrap()
}

/// The flags every test run uses: fast, a 1 s timeout, a 512 KiB limit.
pub fn quick(start: &str, format: &str) -> Vec<String> {
    [
        "inspect",
        start,
        "--rate",
        "500",
        "--timeout",
        "1",
        "--max-size",
        "512K",
        "--format",
        format,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The jsonl records by URL.
pub fn by_url(stdout: &[u8]) -> HashMap<String, Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .map(|v| (v["url"].as_str().unwrap().to_string(), v))
        .collect()
}

pub fn rules(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

pub fn categories(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_planted_leak_is_found_and_nothing_outside_is_requested() {
    let outside = Portal::start(outside).await;
    let outside_base = outside.base.clone();
    let site = Portal::start(|b| portal(b, &outside_base)).await;
    let out = baomi(quick(&site.url("/"), "jsonl")).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "URLs that could not be fetched: exit 2\n{stderr}"
    );
    let records = by_url(&out.stdout);
    let r = |path: &str| {
        records
            .get(&site.url(path))
            .unwrap_or_else(|| panic!("no record of {path}; have {:?}", records.keys()))
    };
    // Every record has the fields the issue names.
    for (url, rec) in &records {
        for field in [
            "url",
            "referrer",
            "status",
            "content_type",
            "decision",
            "findings",
            "error",
        ] {
            assert!(rec.get(field).is_some(), "{url} lacks {field}: {rec}");
        }
    }
    // Leaks, with where they are.
    for (path, decision, category) in [
        (LEAK_PAGE, "block", "marking"),
        (LEAK_COPY, "block", "marking"),
        // Five valid ID numbers: a list, block.
        (ROSTER, "block", "personal"),
        (NOTICE_DOCX, "block", "marking"),
        (INTERNAL_PAGE, "review", "internal"),
        (GBK_PAGE, "review", "internal"),
        (SITEMAP_ONLY, "block", "marking"),
    ] {
        let rec = r(path);
        assert_eq!(rec["decision"], decision, "{path}: {rec}");
        assert!(
            categories(rec).iter().any(|c| c == category),
            "{path}: {rec}"
        );
    }
    assert_eq!(
        r(LEAK_COPY)["duplicate_of"],
        site.url(LEAK_PAGE),
        "same content, not scanned twice"
    );
    assert_eq!(r(ROSTER)["kind"], "attachment");
    assert_eq!(r(ROSTER)["referrer"], site.url("/news/index_2.html"));
    assert_eq!(r(ROSTER)["title"], "名单.xlsx");
    let located = r(ROSTER)["findings"][0]["location"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(located.starts_with("名单.xlsx › 名单!C"), "{located}");
    assert_eq!(
        r(NOTICE_DOCX)["kind"],
        "attachment",
        "an octet-stream .docx is read as one"
    );
    assert_eq!(
        r(SITEMAP_ONLY)["referrer"],
        site.url("/sitemap.xml"),
        "reached only through the sitemap"
    );
    // The GBK column decoded: its title reads as Chinese, by <meta> and by header.
    assert_eq!(r(GBK_PAGE)["title"], "旧栏目");
    assert_eq!(r(GBK_HEADER_PAGE)["title"], "旧栏目文章");
    // Clean pages and files pass.
    for path in [
        "/",
        CLEAN_PAGE,
        "/news/a3.html",
        "/notice/n0.html",
        GBK_HEADER_PAGE,
        CLEAN_PDF,
        "/files/data.csv",
        "/list?a=1&b=2",
        "/news/index_2.html",
    ] {
        assert_eq!(r(path)["decision"], "pass", "{path}: {}", r(path));
        assert!(r(path)["error"].is_null(), "{path}");
    }
    // Broken URLs: records with an error, never pass.
    for (path, status, says) in [
        (GONE, Some(404u64), "HTTP 404"),
        ("/loop/b", Some(302), "redirect loop"),
        (SLOW, None, "timed out"),
        (HUGE, Some(200), "size limit"),
    ] {
        let rec = r(path);
        assert_ne!(rec["decision"], "pass", "{path}");
        assert_eq!(rec["status"].as_u64(), status, "{path}: {rec}");
        assert!(
            rec["error"].as_str().unwrap_or("").contains(says),
            "{path}: {rec}"
        );
    }
    assert_eq!(r("/moved")["kind"], "redirect");
    assert_eq!(r("/moved")["redirect_to"], site.url(CLEAN_PAGE));
    // Pagination: both styles were followed.
    for path in [
        "/news/index_1.html",
        "/news/index_2.html",
        "/notice/index_1.html",
    ] {
        assert!(records.contains_key(&site.url(path)), "{path} not reached");
    }
    // Requests: none outside, none disallowed, each URL once.
    assert!(
        outside.hits().is_empty(),
        "the outside host was asked: {:?}",
        outside.hits()
    );
    let counts = site.counts();
    assert!(
        !counts.contains_key(PRIVATE),
        "robots.txt disallows {PRIVATE}"
    );
    for (path, n) in &counts {
        assert_eq!(*n, 1, "{path} was requested {n} times");
    }
    assert_eq!(
        counts.get("/list?a=1&b=2"),
        Some(&1),
        "query order is one URL"
    );
    assert_eq!(counts.get("/robots.txt"), Some(&1));
    assert!(!records.contains_key(&site.url(PRIVATE)));
    assert!(stderr.contains("robots.txt 禁止 1"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formats_exit_codes_and_ignoring_robots() {
    let outside = Portal::start(outside).await;
    let outside_base = outside.base.clone();
    let site = Portal::start(|b| portal(b, &outside_base)).await;
    // One page each (the sitemap would lead on to the whole site).
    let one = |path: &str, format: &str| {
        let mut args = quick(&site.url(path), format);
        args.extend(["--max-depth".into(), "0".into()]);
        args
    };
    // Human: the hit marked in its line, the referrer, the summary.
    let out = baomi(one(LEAK_PAGE, "human")).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a leak and nothing broken: exit 1\n{text}"
    );
    assert!(
        text.contains("BLOCK") && text.contains("⟦机密★1年⟧"),
        "{text}"
    );
    assert!(text.contains("巡检完成：1 个网址"), "{text}");
    // --fail-on block with only a review-level leak: exit 0.
    let mut args = one(INTERNAL_PAGE, "csv");
    args.extend(["--fail-on".into(), "block".into()]);
    let out = baomi(args).await;
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{csv}");
    assert!(
        csv.starts_with("url,referrer,status,content_type,decision,rule,"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.contains("/notice/index_1.html") && l.contains(",internal,")),
        "{csv}"
    );
    // A clean page alone: exit 0.
    let out = baomi(one(CLEAN_PAGE, "json")).await;
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["decision"], "pass");
    // SARIF: a result with the URL as artifact, errors as notifications.
    let out = baomi(quick(&site.url("/"), "sarif")).await;
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == site.url(LEAK_PAGE)
    ));
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    // --ignore-robots: the disallowed page is fetched, and the summary says so.
    site.clear_hits();
    let mut args = quick(&site.url("/"), "jsonl");
    args.push("--ignore-robots".into());
    let out = baomi(args).await;
    let records = by_url(&out.stdout);
    assert_eq!(records[&site.url(PRIVATE)]["decision"], "block");
    assert!(String::from_utf8_lossy(&out.stderr).contains("未遵守 robots.txt"));
    assert!(outside.hits().is_empty());
    // A bad start URL is a usage error.
    let out = baomi(quick("ftp://127.0.0.1/", "jsonl")).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("start"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_database_unchanged_pages_are_not_rescanned() {
    let dir = crate::server_support::TempDir::new("inspect-cli-db");
    let outside = Portal::start(outside).await;
    let outside_base = outside.base.clone();
    let site = Portal::start(|b| portal(b, &outside_base)).await;
    let db = format!("sqlite://{}/i.sqlite", dir.path().display());
    let mut args = quick(&site.url("/"), "jsonl");
    args.extend(["--database-url".into(), db.clone()]);
    let first = by_url(&baomi(args.clone()).await.stdout);
    assert!(first.values().all(|r| r["unchanged"] == false));
    site.clear_hits();
    let out = baomi(args).await;
    let second = by_url(&out.stdout);
    assert_eq!(first.len(), second.len(), "the same URLs again");
    // The validators went out, the portal answered 304, nothing was rescanned,
    // and the verdicts are the same.
    let hits = site.hits();
    let clean = hits
        .iter()
        .find(|h| h.path == CLEAN_PAGE)
        .expect("fetched again");
    assert!(
        clean.if_none_match.is_some(),
        "If-None-Match sent: {clean:?}"
    );
    for path in [CLEAN_PAGE, LEAK_PAGE, ROSTER] {
        let rec = &second[&site.url(path)];
        assert_eq!(rec["unchanged"], true, "{path}: {rec}");
        assert_eq!(
            rec["decision"],
            first[&site.url(path)]["decision"],
            "{path}"
        );
        assert_eq!(rules(rec), rules(&first[&site.url(path)]), "{path}");
    }
    assert_eq!(second[&site.url(LEAK_PAGE)]["status"], 304);
    assert!(outside.hits().is_empty());
}
