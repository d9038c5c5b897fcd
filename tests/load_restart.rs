//! The real binary under load: concurrent submissions, SIGTERM while
//! requests are in flight, a restart on the same database. Every
//! acknowledged review must be there with its decision, and the audit chain
//! must verify. The restarted instance also reloads its lexicons on SIGHUP.

mod server_support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server_support::{poll, TempDir};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REQUESTS: usize = 300;
const CONCURRENCY: usize = 16;
/// SIGTERM goes out once this many submissions were acknowledged.
const SIGNAL_AFTER: usize = 100;

fn baomi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_baomi"))
}

struct Server {
    child: Child,
    base: String,
    /// The start-up lines after the first.
    banner: Vec<String>,
}

/// `baomi serve` on 127.0.0.1:0 in `dir`; waits for its start-up lines.
fn serve(dir: &Path, database_url: &str, extra: &[&str], log: &str) -> Server {
    let mut child = baomi()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join(log)).unwrap())
        .spawn()
        .expect("start baomi serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                // Nobody listens any more; keep draining.
            }
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|e| {
            panic!(
                "no start-up line ({e}); log:\n{}",
                std::fs::read_to_string(dir.join(log)).unwrap_or_default()
            )
        });
    let addr = first
        .split("listening on http://")
        .nth(1)
        .unwrap_or_else(|| panic!("first line does not say where it listens: {first:?}"));
    assert!(first.starts_with("baomi "), "{first:?}");
    let banner: Vec<String> = (0..3)
        .map(|_| {
            rx.recv_timeout(Duration::from_secs(10))
                .expect("start-up lines")
        })
        .collect();
    Server {
        child,
        base: format!("http://{}", addr.trim()),
        banner,
    }
}

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {sig} {pid}");
}

/// Waits for the process to exit; its exit code.
fn wait_exit(child: &mut Child, within: Duration) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() > within {
            let _ = child.kill();
            panic!("baomi serve did not stop within {within:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn content(i: usize) -> (String, &'static str) {
    match i % 3 {
        0 => (format!("机密★1年\n关于第{i}项工作的通知"), "block"),
        1 => (format!("内部资料 注意保存\n第{i}次会议纪要"), "review"),
        _ => (
            format!(
                "市教育局组织开展第{i}届中小学安全教育周活动，邀请消防部门进校园开展专题讲座。"
            ),
            "pass",
        ),
    }
}

#[derive(Debug, Clone)]
struct Ack {
    review_id: String,
    item_id: String,
    decision: String,
    after_signal: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_acknowledged_reviews_survive_sigterm_and_restart() {
    let dir = TempDir::new("load");
    let db = format!("sqlite://{}/load.sqlite", dir.path().display());
    load_sigterm_restart(dir, db, "database: sqlite://").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_acknowledged_reviews_survive_sigterm_and_restart() {
    let dir = TempDir::new("load-pg");
    let db = server_support::postgres_database("load_restart").await;
    // The start-up line hides credentials: postgres://…@host:port/db.
    load_sigterm_restart(dir, db, "database: postgres://…@127.0.0.1:").await;
}

async fn load_sigterm_restart(dir: TempDir, db: String, database_line: &str) {
    let out = baomi()
        .args(["token", "create", "--role", "cms", "--name", "load-cms"])
        .args(["--database-url", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("bm_"), "{token:?}");

    let mut server = serve(dir.path(), &db, &[], "serve-1.log");
    let banner = server.banner.join("\n");
    assert!(banner.contains(database_line), "{banner}");
    assert!(banner.contains("lexicons: lex-"), "{banner}");
    assert!(banner.contains("baomi token create"), "{banner}");
    let pid = server.child.id();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    let next = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let acked: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let refused = Arc::new(AtomicUsize::new(0));
    let signalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, next, in_flight, acked, refused, signalled, token, base) = (
            client.clone(),
            next.clone(),
            in_flight.clone(),
            acked.clone(),
            refused.clone(),
            signalled.clone(),
            token.clone(),
            server.base.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= REQUESTS {
                    return;
                }
                let (text, decision) = content(i);
                let item_id = format!("load-{i:04}");
                in_flight.fetch_add(1, Ordering::SeqCst);
                let result = client
                    .post(format!("{base}/api/v1/reviews"))
                    .bearer_auth(&token)
                    .json(&json!({"item_id": item_id, "content": text}))
                    .send()
                    .await;
                let result = match result {
                    Ok(resp) => Ok((resp.status(), resp.json::<Value>().await)),
                    Err(e) => Err(e),
                };
                in_flight.fetch_sub(1, Ordering::SeqCst);
                match result {
                    Ok((StatusCode::CREATED, Ok(v))) => {
                        assert_eq!(v["decision"], decision, "{item_id}: {v}");
                        acked.lock().unwrap().push(Ack {
                            review_id: v["review_id"].as_str().unwrap().to_string(),
                            item_id,
                            decision: decision.to_string(),
                            after_signal: signalled.load(Ordering::SeqCst),
                        });
                    }
                    // Cut off by the shutdown: not acknowledged, nothing promised.
                    Ok((_, Err(_))) | Err(_) => {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok((status, Ok(v))) => panic!("{item_id}: {status} {v}"),
                }
            }
        }));
    }
    let in_flight_at_signal = {
        let acked = acked.clone();
        poll(
            Duration::from_secs(60),
            "the first acknowledgements",
            || {
                let n = acked.lock().unwrap().len();
                async move { (n >= SIGNAL_AFTER).then_some(()) }
            },
        )
        .await;
        let n = in_flight.load(Ordering::SeqCst);
        signalled.store(true, Ordering::SeqCst);
        signal(pid, "-TERM");
        n
    };
    tokio::time::timeout(Duration::from_secs(120), async {
        for w in workers {
            w.await.expect("a worker panicked");
        }
    })
    .await
    .expect("the load finishes within 2 minutes");
    let code = tokio::task::spawn_blocking(move || {
        let code = wait_exit(&mut server.child, Duration::from_secs(30));
        (code, server)
    })
    .await
    .unwrap();
    let (exit_code, _server) = code;
    let acked = acked.lock().unwrap().clone();
    let after = acked.iter().filter(|a| a.after_signal).count();
    eprintln!(
        "load: {} acknowledged ({after} after SIGTERM), {} cut off, {in_flight_at_signal} in flight at the signal, {:?}",
        acked.len(),
        refused.load(Ordering::SeqCst),
        started.elapsed()
    );
    assert_eq!(
        exit_code,
        Some(0),
        "exit code after SIGTERM; log:\n{}",
        std::fs::read_to_string(dir.path().join("serve-1.log")).unwrap_or_default()
    );
    assert!(in_flight_at_signal > 0, "SIGTERM must arrive mid-load");
    assert!(
        acked.len() >= SIGNAL_AFTER && acked.len() < REQUESTS,
        "{} acknowledged: the signal should cut the run short",
        acked.len()
    );
    assert!(
        after > 0,
        "requests in flight at SIGTERM should still be answered"
    );

    // Restart on the same database, with a lexicon directory for SIGHUP.
    let lexicons = dir.path().join("lexicons");
    std::fs::create_dir_all(&lexicons).unwrap();
    let lexicon = |terms: &[&str]| {
        let mut out = String::new();
        for (i, term) in terms.iter().enumerate() {
            out.push_str(&format!(
                "[[entry]]\nid = \"t-{i:04}\"\ncategory = \"register\"\nseverity = \"block\"\n\
                 text = \"{term}\"\nboundary = \"none\"\nreason = \"测试\"\n\
                 examples.hit = [\"{term}今年启动\"]\nexamples.miss = [\"天气晴朗\"]\n\n"
            ));
        }
        out
    };
    std::fs::write(lexicons.join("extra.toml"), lexicon(&["青松计划"])).unwrap();
    let mut server = serve(
        dir.path(),
        &db,
        &["--lexicons", lexicons.to_str().unwrap()],
        "serve-2.log",
    );
    let base = server.base.clone();
    for a in &acked {
        let resp = client
            .get(format!("{base}/api/v1/reviews/{}", a.review_id))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{a:?} is lost");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["decision"], a.decision.as_str(), "{a:?}: {v}");
        assert_eq!(v["item_id"], a.item_id.as_str(), "{a:?}: {v}");
    }

    // SIGHUP reloads the lexicons; a broken file keeps the running ones.
    let check = |text: &'static str| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        async move {
            let v: Value = client
                .post(format!("{base}/api/v1/check"))
                .bearer_auth(&token)
                .json(&json!({"content": text}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["decision"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(check("青松计划今年启动").await, "block");
    assert_eq!(check("白杨工程今年启动").await, "pass");
    std::fs::write(
        lexicons.join("extra.toml"),
        lexicon(&["青松计划", "白杨工程"]),
    )
    .unwrap();
    signal(server.child.id(), "-HUP");
    poll(Duration::from_secs(30), "the SIGHUP reload", || async {
        (check("白杨工程今年启动").await == "block").then_some(())
    })
    .await;
    std::fs::write(lexicons.join("extra.toml"), "[[entry]\nbroken").unwrap();
    signal(server.child.id(), "-HUP");
    let metrics = |client: reqwest::Client, base: String, token: String| async move {
        client
            .get(format!("{base}/metrics"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    poll(Duration::from_secs(30), "the refused SIGHUP reload", || {
        let m = metrics(client.clone(), base.clone(), token.clone());
        async move {
            m.await
                .contains("baomi_lexicon_reloads_total{result=\"failed\"} 1")
                .then_some(())
        }
    })
    .await;
    assert_eq!(
        check("白杨工程今年启动").await,
        "block",
        "the old lexicon runs on"
    );

    signal(server.child.id(), "-TERM");
    let exit =
        tokio::task::spawn_blocking(move || wait_exit(&mut server.child, Duration::from_secs(30)))
            .await
            .unwrap();
    assert_eq!(exit, Some(0));

    let out = baomi()
        .args(["audit", "verify", "--database-url", &db])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "audit chain verifies: N events, N reviews"
    let reviews: usize = said
        .split(", ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said:?}"));
    assert!(reviews >= acked.len(), "{said}");
    assert!(
        said.contains(&format!("{reviews} events")),
        "one event per review: {said}"
    );

    let today = chrono::Utc::now().date_naive();
    let out = baomi()
        .args(["report", "--format", "json", "--database-url", &db])
        .args(["--from", &today.pred_opt().unwrap().to_string()])
        .args(["--to", &today.succ_opt().unwrap().to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["reviewed"], reviews, "{report}");
    let blocked = acked.iter().filter(|a| a.decision == "block").count();
    assert!(
        report["blocked"].as_u64().unwrap() as usize >= blocked,
        "{report}"
    );
}
