//! Several `baomi serve` (the real binary) on one PostgreSQL database share
//! a run: the frontier is in the database and workers lease URLs with
//! `FOR UPDATE SKIP LOCKED`, so no URL is fetched twice, both instances do
//! part of the work, and the run is finished once. A killed instance's
//! lease expires and another instance takes the URL.

use super::portal::*;
use crate::server_support::{poll, postgres_database, TempDir};
use baomi::service::store::{ContentRetention, Store};
use baomi::service::workflow::Role;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `baomi serve` on 127.0.0.1:0 with a config file in its own directory.
fn serve(dir: &std::path::Path, name: &str, database_url: &str, host: &str) -> Instance {
    let home = dir.join(name);
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("baomi.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase_url = \"{database_url}\"\ninspect_hosts = [\"{host}\"]\n\
             inspect_lease_s = 3\ninspect_poll_ms = 50\naudit_anchor_interval_s = 0\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["serve", "--config", "baomi.toml"])
        .current_dir(&home)
        .env_remove("BAOMI_DATABASE_URL")
        .env_remove("BAOMI_LISTEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(home.join("stderr.log")).unwrap())
        .spawn()
        .expect("start baomi serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_else(|| {
        panic!(
            "{name} printed nothing; log:\n{}",
            std::fs::read_to_string(home.join("stderr.log")).unwrap_or_default()
        )
    });
    let addr = first
        .split("listening on http://")
        .nth(1)
        .expect("where it listens")
        .trim()
        .to_string();
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Instance {
        child,
        base: format!("http://{addr}"),
    }
}

async fn start_run(
    http: &reqwest::Client,
    instance: &Instance,
    token: &str,
    portal: &Portal,
) -> String {
    let resp = http
        .post(format!("{}/api/v1/inspections", instance.base))
        .bearer_auth(token)
        .json(&json!({"start": [portal.url("/")], "rate": 200, "concurrency": 1, "timeout_ms": 20000}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn wait_finished(
    http: &reqwest::Client,
    instance: &Instance,
    token: &str,
    id: &str,
) -> Value {
    poll(
        Duration::from_secs(90),
        "the shared run to finish",
        || async {
            let v: Value = http
                .get(format!("{}/api/v1/inspections/{id}", instance.base))
                .bearer_auth(token)
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (v["status"] == "finished").then_some(v)
        },
    )
    .await
}

/// `n` articles linked from the index, each answering only once the gate
/// opened: the first request waits for a second one in flight, which with
/// one worker per instance can only come from the other instance.
fn articles(n: usize) -> impl FnOnce(&str) -> HashMap<String, Res> {
    move |_| {
        let mut m = HashMap::new();
        let links: String = (0..n)
            .map(|i| format!("<a href=\"/a/{i}.html\">{i}</a>"))
            .collect();
        m.insert(
            "/".into(),
            Res::html(&format!("<html><body>{links}</body></html>")),
        );
        for i in 0..n {
            m.insert(
                format!("/a/{i}.html"),
                Res::Gated {
                    content_type: "text/html; charset=utf-8".into(),
                    body: format!(
                        "<html><body><p>第{i}篇</p>{}</body></html>",
                        if i % 5 == 0 {
                            "<p>机密★1年</p>"
                        } else {
                            ""
                        }
                    )
                    .into_bytes(),
                },
            );
        }
        m
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_a_run_and_fetch_no_url_twice() {
    let dir = TempDir::new("inspect-multi");
    let db = postgres_database("inspect_multi_share").await;
    let site = Portal::start(articles(20)).await;
    let store = Store::connect(&db, ContentRetention::Flagged)
        .await
        .unwrap();
    let (_, token) = store
        .create_token(Role::Officer, Some(1), "审查员")
        .await
        .unwrap();
    let a = serve(dir.path(), "a", &db, &site.host);
    let b = serve(dir.path(), "b", &db, &site.host);
    let http = reqwest::Client::new();
    // The gate opens as soon as two requests are in flight at once.
    let gate = site.gate.clone();
    let shared = site.site.clone();
    let opener = tokio::spawn(async move {
        for _ in 0..2000 {
            if shared.lock().unwrap().max_in_flight >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        loop {
            gate.notify_waiters();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let id = start_run(&http, &a, &token, &site).await;
    let done = wait_finished(&http, &b, &token, &id).await;
    opener.abort();
    assert!(
        site.site.lock().unwrap().max_in_flight >= 2,
        "the instances worked at once"
    );
    let counts = site.counts();
    for (path, n) in &counts {
        assert_eq!(*n, 1, "{path} fetched {n} times");
    }
    assert_eq!(
        counts.len(),
        1 + 1 + 1 + 20,
        "robots.txt, sitemap.xml, the index, 20 articles: {counts:?}"
    );
    let records = store.inspection_records(&id).await.unwrap();
    assert_eq!(records.len(), 21);
    let workers: HashSet<&str> = records.iter().map(|r| r.worker.as_str()).collect();
    assert_eq!(workers.len(), 2, "both instances recorded part of the run");
    assert_eq!(done["summary"]["open"], 4, "{done}");
    let finished = store
        .execute_raw(&format!("UPDATE events SET kind = kind WHERE kind = 'inspection_finished' AND review_id = '{id}'"))
        .await
        .unwrap();
    assert_eq!(finished, 1, "finished once");
    assert_eq!(store.verify_chain().await.unwrap().problem, None);
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instances_lease_expires_and_another_takes_the_url() {
    let dir = TempDir::new("inspect-kill");
    let db = postgres_database("inspect_multi_kill").await;
    let site = Portal::start(|_| {
        let mut m = HashMap::new();
        m.insert(
            "/".into(),
            Res::html(
                r#"<html><body><a href="/hold.html">1</a><a href="/b.html">2</a></body></html>"#,
            ),
        );
        m.insert(
            "/hold.html".into(),
            Res::Gated {
                content_type: "text/html".into(),
                body: "<html><body><p>内部资料 注意保存</p></body></html>"
                    .as_bytes()
                    .to_vec(),
            },
        );
        m.insert(
            "/b.html".into(),
            Res::html("<html><body><p>通知</p></body></html>"),
        );
        m
    })
    .await;
    let store = Store::connect(&db, ContentRetention::Flagged)
        .await
        .unwrap();
    let (_, token) = store
        .create_token(Role::Officer, Some(1), "审查员")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let mut a = serve(dir.path(), "a", &db, &site.host);
    let id = start_run(&http, &a, &token, &site).await;
    // A leases /hold.html and waits for its answer; then it is killed.
    let counts = site.counts();
    poll(
        Duration::from_secs(60),
        "A to request /hold.html",
        || async { site.counts().contains_key("/hold.html").then_some(()) },
    )
    .await;
    drop(counts);
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    // B starts later; the gate is open now, so its request is answered.
    let gate = site.gate.clone();
    let opener = tokio::spawn(async move {
        loop {
            gate.notify_waiters();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let b = serve(dir.path(), "b", &db, &site.host);
    let done = wait_finished(&http, &b, &token, &id).await;
    opener.abort();
    let counts = site.counts();
    assert_eq!(
        counts.get("/hold.html"),
        Some(&2),
        "A's request, then B's after the lease expired"
    );
    for (path, n) in counts.iter().filter(|(p, _)| p.as_str() != "/hold.html") {
        assert_eq!(*n, 1, "{path} fetched {n} times");
    }
    let records = store.inspection_records(&id).await.unwrap();
    let by: HashMap<&str, &str> = records
        .iter()
        .map(|r| (r.url.trim_start_matches(&site.base), r.worker.as_str()))
        .collect();
    assert_eq!(records.len(), 3, "one record per URL: {by:?}");
    assert_ne!(by["/"], by["/hold.html"], "the index by A, /hold.html by B");
    assert_eq!(done["summary"]["open"], 1, "{done}");
    drop(b);
}
