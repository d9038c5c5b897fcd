//! Shared by the service tests: temp dirs, a throwaway PostgreSQL cluster on
//! loopback, and the real service started in-process on 127.0.0.1:0.
//!
//! PostgreSQL: one cluster per test binary (initdb costs seconds; a database
//! per test costs a fraction of one), started on first use and stopped by a
//! watchdog process when the test binary exits, however it exits. Missing
//! server binaries fail the PostgreSQL tests: they are required, not optional.

// Each test binary uses a subset of these helpers.
#![allow(dead_code)]

use baomi::service::workflow::Role;
use baomi::service::{AppState, ServeConfig, Service};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ----- temp dirs --------------------------------------------------------

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "baomi-{label}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ----- backends ---------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Which backend a scenario runs on, and the test's name (for database names).
#[derive(Debug, Clone, Copy)]
pub struct On {
    pub backend: Backend,
    pub test: &'static str,
}

/// Runs each named scenario (`async fn name(on: On)`) as two tests,
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::server_support::On {
                        backend: $crate::server_support::Backend::Sqlite,
                        test: stringify!($name),
                    })
                    .await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::server_support::On {
                        backend: $crate::server_support::Backend::Postgres,
                        test: stringify!($name),
                    })
                    .await
                }
            )*
        }
    };
}

/// A fresh database for one test: a SQLite file in `dir`, or a new database
/// in the shared PostgreSQL cluster.
pub async fn database_url(on: On, dir: &Path) -> String {
    match on.backend {
        Backend::Sqlite => format!("sqlite://{}/t.sqlite", dir.display()),
        Backend::Postgres => postgres_database(on.test).await,
    }
}

// ----- PostgreSQL -------------------------------------------------------

struct PgCluster {
    port: u16,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `initdb`/`pg_ctl` of the newest PostgreSQL under /usr/lib/postgresql.
fn pg_bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "the PostgreSQL tests need a PostgreSQL server: no initdb/pg_ctl under \
             /usr/lib/postgresql/*/bin. Install it with `apt-get install postgresql` \
             (.ci/run does this)"
        ),
    }
}

/// A command for a PostgreSQL server binary: as user `postgres` when we are
/// root (the server refuses to run as root).
fn pg_command(bin: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

fn run_checked(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn start_cluster() -> PgCluster {
    let bin = pg_bin_dir();
    let root = running_as_root();
    // Not a TempDir: the watchdog below removes it after the server stopped.
    let dir = std::env::temp_dir().join(format!(
        "baomi-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).expect("create the cluster dir");
    if root {
        run_checked(
            {
                let mut c = Command::new("chown");
                c.arg("postgres:").arg(&dir);
                c
            },
            "chown the cluster dir to postgres",
        )
        .unwrap_or_else(|e| panic!("{e} (the Debian postgresql package creates that user)"));
    }
    let data = dir.join("data");
    let mut initdb = pg_command(&bin.join("initdb"), root);
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8"])
        .args(["--locale=C.UTF-8", "--no-sync"]);
    run_checked(initdb, "initdb").unwrap_or_else(|e| panic!("{e}"));

    // Stop the server and remove the dir when this test binary exits.
    let pg_ctl = bin.join("pg_ctl");
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; \
         {runuser}{pg_ctl} -D {data} stop -m immediate; rm -rf {dir}",
        pid = std::process::id(),
        runuser = if root { "runuser -u postgres -- " } else { "" },
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    );
    // Never waited for: it must outlive this process to stop the server.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &stop])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the cluster watchdog");

    let conf = std::fs::read_to_string(data.join("postgresql.conf")).expect("postgresql.conf");
    let mut last_error = String::new();
    // The free port may be taken between finding and binding it: retry.
    for _ in 0..5 {
        let port = free_port();
        let settings = format!(
            "{conf}\n# baomi tests\nlisten_addresses = '127.0.0.1'\nport = {port}\n\
             unix_socket_directories = '{}'\nmax_connections = 300\n\
             # A throwaway cluster: durability is not what is tested here.\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
            dir.display()
        );
        std::fs::write(data.join("postgresql.conf"), settings).expect("write postgresql.conf");
        let mut start = pg_command(&pg_ctl, root);
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "start"]);
        match run_checked(start, "pg_ctl start") {
            Ok(()) => return PgCluster { port },
            Err(e) => {
                last_error = format!(
                    "{e}\nserver log:\n{}",
                    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
                )
            }
        }
    }
    panic!("could not start PostgreSQL on loopback: {last_error}");
}

fn cluster() -> &'static PgCluster {
    static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
    CLUSTER.get_or_init(start_cluster)
}

/// The URL of a new, empty database named after the test.
pub async fn postgres_database(test: &str) -> String {
    use sqlx::Connection;
    static N: AtomicU64 = AtomicU64::new(0);
    let port = tokio::task::spawn_blocking(|| cluster().port)
        .await
        .expect("cluster start");
    let name: String = format!("{test}_{}", N.fetch_add(1, Ordering::Relaxed))
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("t_{}", &name[name.len().saturating_sub(50)..]);
    let admin = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let mut conn = sqlx::postgres::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("connect to the test cluster at {admin}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let _ = conn.close().await;
    format!("postgres://postgres@127.0.0.1:{port}/{name}")
}

// ----- the service in-process ------------------------------------------

/// The webhook secret of every test service (callbacks are checked with it).
pub const WEBHOOK_SECRET: &str = "test-webhook-secret";

/// The real service on 127.0.0.1:0 with its own database.
pub struct TestService {
    pub base: String,
    pub state: AppState,
    pub http: reqwest::Client,
    pub dir: TempDir,
    pub database_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestService {
    /// Starts on `on`'s backend; `tweak` adjusts the config first (the
    /// defaults here: short callback backoff and poll, a known webhook secret).
    pub async fn start(on: On, tweak: impl FnOnce(&mut ServeConfig, &Path)) -> TestService {
        let dir = TempDir::new(on.test);
        let database_url = database_url(on, dir.path()).await;
        Self::start_on(on.backend, database_url, dir, tweak).await
    }

    /// Starts on an existing database (e.g. a second instance on the first
    /// one's PostgreSQL database).
    pub async fn start_on(
        backend: Backend,
        database_url: String,
        dir: TempDir,
        tweak: impl FnOnce(&mut ServeConfig, &Path),
    ) -> TestService {
        let mut config = ServeConfig {
            listen: "127.0.0.1:0".into(),
            database_url: database_url.clone(),
            webhook_secret: Some(WEBHOOK_SECRET.into()),
            callback_backoff: Duration::from_millis(50),
            callback_poll: Duration::from_millis(20),
            // Callbacks go to receivers the tests open on loopback.
            callback_hosts: vec!["127.0.0.1".into()],
            audit_key_file: dir.path().join("audit.key"),
            audit_anchor_file: dir.path().join("anchors.txt"),
            ..Default::default()
        };
        tweak(&mut config, dir.path());
        let service = Service::new(config)
            .await
            .unwrap_or_else(|e| panic!("service start on {database_url}: {e}"));
        let want = match backend {
            Backend::Sqlite => baomi::service::store::Backend::Sqlite,
            Backend::Postgres => baomi::service::store::Backend::Postgres,
        };
        assert_eq!(service.state.store.backend(), want, "{database_url}");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = service.state.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(service.serve(listener, async move {
            let _ = stopped.await;
        }));
        TestService {
            base: format!("http://{addr}"),
            state,
            http: reqwest::Client::new(),
            dir,
            database_url,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Graceful shutdown; waits until the server and its worker stopped.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
    }

    pub async fn token(&self, role: Role, level: Option<i64>, name: &str) -> String {
        self.state
            .store
            .create_token(role, level, name)
            .await
            .expect("create token")
            .1
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST a JSON body; the status and the JSON answer (`Null` if none).
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        answer(resp).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        answer(resp).await
    }

    pub async fn get_text(&self, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, content_type, resp.text().await.expect("body"))
    }

    /// Any method with an empty body; a non-JSON answer comes back as a
    /// JSON string.
    pub async fn request(&self, method: &str, path: &str, token: &str) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .expect("an HTTP method");
        let resp = self
            .http
            .request(method, self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// Submits an item to the publish hook.
    pub async fn submit(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.post("/api/v1/reviews", token, &body).await
    }

    /// How much is recorded: reviews, events, resolutions, deliveries.
    pub async fn recorded(&self) -> Recorded {
        let store = &self.state.store;
        let reviews = store
            .reviews_between("0000", "9999")
            .await
            .expect("reviews");
        let resolutions = store
            .resolutions_between("0000", "9999")
            .await
            .expect("resolutions");
        let mut deliveries = 0;
        for r in &reviews {
            deliveries += store
                .delivery_attempts(&r.review_id)
                .await
                .expect("deliveries")
                .len();
        }
        let chain = store.verify_chain().await.expect("verify chain");
        Recorded {
            reviews: reviews.len(),
            events: chain.events,
            resolutions: resolutions.len(),
            delivery_attempts: deliveries,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub reviews: usize,
    pub events: i64,
    pub resolutions: usize,
    pub delivery_attempts: usize,
}

pub async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let bytes = resp.bytes().await.expect("body");
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "status {status}: the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    (status, value)
}

/// Polls `check` every 10 ms until it returns `Some`, or panics after
/// `within` with `what`.
pub async fn poll<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if started.elapsed() > within {
            panic!("timed out after {within:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
