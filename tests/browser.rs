//! The pages in a real browser: starts the `baomi` binary of this build
//! (`baomi serve` on a fresh SQLite database in a temp dir, port 0, allowed
//! to inspect a one-page portal this test serves on loopback), creates
//! an editor, an officer (level 1) and a CMS token with `baomi token create`,
//! and runs `node tests/e2e/e2e.mjs` (playwright-core driving Debian's
//! headless Chromium at /usr/bin/chromium). Screenshots go to
//! `target/e2e-artifacts/` (or `BAOMI_E2E_ARTIFACTS`).
//!
//! Missing Node.js, `tests/e2e/node_modules` or Chromium fail the test with
//! what to install: they are required, not optional (`.ci/run` installs them).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BAOMI: &str = env!("CARGO_BIN_EXE_baomi");
const OFFICER_NAME: &str = "审查员甲";
/// The whole browser run; the script itself aims at well under a minute.
const SCRIPT_LIMIT: Duration = Duration::from_secs(180);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> PathBuf {
    std::env::var_os("BAOMI_E2E_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Fails with what to install when a prerequisite is missing.
fn check_prerequisites() {
    let mut missing = Vec::new();
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => missing.push(
            "Node.js 20 or newer (`node` on PATH; playwright-core 1.65 needs 20)".to_string(),
        ),
    }
    if !repo()
        .join("tests/e2e/node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push(
            "tests/e2e/node_modules (playwright-core): npm ci --prefix tests/e2e".to_string(),
        );
    }
    if !chromium().is_file() {
        missing.push(format!(
            "Chromium at {}: apt-get install chromium (never a browser downloaded by a test tool)",
            chromium().display()
        ));
    }
    assert!(
        missing.is_empty(),
        "the browser tests need:\n  - {}\n(.ci/run installs all of them)",
        missing.join("\n  - ")
    );
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("baomi-e2e-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed when dropped (also when the test panics).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A portal for the 网站巡检 step: one page with a marking applied, on a
/// loopback port of its own (robots.txt and everything else 404). Serves
/// until the test process ends.
fn start_portal() -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the portal");
    let addr = listener.local_addr().expect("portal address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let n = stream.read(&mut request).unwrap_or(0);
            let line = String::from_utf8_lossy(&request[..n]);
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = match path {
                "/" => (
                    "200 OK",
                    "<html><head><meta charset=\"utf-8\"><title>某县人民政府门户网站</title></head>\
                     <body><p>机密★1年</p><p>关于某项工作的通知</p></body></html>",
                ),
                _ => ("404 Not Found", "<h1>404</h1>"),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

/// Starts `baomi serve` and returns it with its base URL, read from the first
/// stdout line `baomi … listening on http://ADDR`. Its log goes to `log`.
fn start_server(dir: &Path, database_url: &str, log: &Path) -> (Killed, String) {
    let mut child = Command::new(BAOMI)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .current_dir(dir)
        .env_remove("BAOMI_CONFIG")
        .env_remove("BAOMI_WEBHOOK_URL")
        .env("BAOMI_LOG", "info")
        .env_remove("BAOMI_LEXICONS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("create the server log"))
        .spawn()
        .expect("start baomi serve");
    let stdout = child.stdout.take().expect("stdout is piped");
    let server = Killed(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = tx.send(first);
        // Keep draining so the server never blocks on a full pipe.
        for _ in lines {}
    });
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            panic!(
                "baomi serve printed no first line; its log: {}",
                log.display()
            )
        });
    let url = first
        .split_once("listening on ")
        .map(|(_, url)| url.trim().to_string())
        .filter(|url| url.starts_with("http://"))
        .unwrap_or_else(|| panic!("unexpected first line from baomi serve: {first:?}"));
    (server, url)
}

fn create_token(dir: &Path, database_url: &str, args: &[&str]) -> String {
    let out = Command::new(BAOMI)
        .args(["token", "create"])
        .args(args)
        .args(["--database-url", database_url])
        .current_dir(dir)
        .env_remove("BAOMI_CONFIG")
        .output()
        .expect("run baomi token create");
    assert!(
        out.status.success(),
        "baomi token create {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout)
        .expect("UTF-8 token")
        .trim()
        .to_string();
    assert!(
        !token.is_empty() && !token.contains(char::is_whitespace),
        "odd token {token:?}"
    );
    token
}

#[test]
fn pages_work_in_headless_chromium() {
    check_prerequisites();
    let tmp = TempDir::new();
    let artifacts = std::env::var_os("BAOMI_E2E_ARTIFACTS")
        .map_or_else(|| repo().join("target/e2e-artifacts"), PathBuf::from);
    std::fs::create_dir_all(&artifacts).expect("create the artifact dir");
    let server_log = artifacts.join("server.log");
    let database_url = format!("sqlite://{}/e2e.sqlite", tmp.0.display());
    // The 网站巡检 step inspects this portal: the config in the server's
    // working directory allows its host.
    let portal = start_portal();
    std::fs::write(
        tmp.0.join("baomi.toml"),
        format!(
            "inspect_hosts = [\"{}\"]\ninspect_poll_ms = 100\n",
            portal.trim_start_matches("http://")
        ),
    )
    .expect("write the config");

    let (mut server, url) = start_server(&tmp.0, &database_url, &server_log);
    let editor = create_token(
        &tmp.0,
        &database_url,
        &["--role", "editor", "--name", "编辑甲"],
    );
    let officer = create_token(
        &tmp.0,
        &database_url,
        &["--role", "officer", "--level", "1", "--name", OFFICER_NAME],
    );
    let cms = create_token(
        &tmp.0,
        &database_url,
        &["--role", "cms", "--name", "门户CMS"],
    );

    let mut node = Command::new("node")
        .arg(repo().join("tests/e2e/e2e.mjs"))
        .current_dir(repo())
        .env("BAOMI_E2E_URL", &url)
        .env("BAOMI_E2E_EDITOR_TOKEN", &editor)
        .env("BAOMI_E2E_OFFICER_TOKEN", &officer)
        .env("BAOMI_E2E_OFFICER_NAME", OFFICER_NAME)
        .env("BAOMI_E2E_CMS_TOKEN", &cms)
        .env("BAOMI_E2E_PORTAL", &portal)
        .env("BAOMI_E2E_ARTIFACTS", &artifacts)
        .env("BAOMI_E2E_CHROMIUM", chromium())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    // Read both pipes off-thread; wait with a deadline.
    let pipe = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = pipe(Box::new(node.stdout.take().expect("piped")));
    let err = pipe(Box::new(node.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = node.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_LIMIT {
            let _ = node.kill();
            let _ = node.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    println!("{out}");
    eprintln!("{err}");

    // The server must still be up after the run (no crash on any page).
    let alive = server.0.try_wait().expect("poll the server").is_none();
    drop(server);

    let summary = out.lines().last().unwrap_or("");
    let status = status.unwrap_or_else(|| {
        panic!(
            "the browser tests ran longer than {} s and were stopped\n{out}\n{err}",
            SCRIPT_LIMIT.as_secs()
        )
    });
    assert!(
        status.success() && summary.ends_with(" 0 failed"),
        "the browser tests failed ({status}; last line {summary:?}); screenshots and the server log in {}\n{out}\n{err}",
        artifacts.display()
    );
    assert!(
        alive,
        "baomi serve exited during the browser tests; its log: {}",
        server_log.display()
    );
}
