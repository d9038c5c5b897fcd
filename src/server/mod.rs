//! `baomi serve`: the publish hook a CMS calls before publishing, and the
//! API officers resolve the queue with.
//!
//! Contract: handlers are glue. They check the token, turn the request into
//! engine input, scan off the async runtime (with a time budget: a failure or
//! a timeout is recorded as `review`, never `pass`), record through the
//! [`Store`] and answer only after the record is committed. Logs carry the
//! request id, review ids and rule ids, never document text.

mod api;
pub mod attachments;
pub mod web;
pub use api::{report_period, validate_token_request, ROUTES};
pub mod callbacks;
pub mod error;
mod extract;
pub mod metrics;

use crate::engine::{Engine, EngineBuilder};
use crate::lexicon::{Lexicon, LexiconSource};
use crate::store::{Store, TokenInfo};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Settings of a running service (see `config` for where they come from).
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: String,
    pub database_url: String,
    pub lexicons: Option<PathBuf>,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// Longest an engine scan may take before the item is decided `review`.
    pub scan_budget: Duration,
    pub retention: crate::store::ContentRetention,
    /// Where outcomes go when an item has no `callback_url`.
    pub webhook_url: Option<String>,
    /// HMAC key for callbacks; generated and stored in the database when unset.
    pub webhook_secret: Option<String>,
    /// First retry delay; doubles per attempt up to 10 minutes.
    pub callback_backoff: Duration,
    /// How often the delivery worker looks for due callbacks.
    pub callback_poll: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://baomi.sqlite".into(),
            lexicons: None,
            body_limit: 16 * 1024 * 1024,
            scan_budget: Duration::from_secs(2),
            retention: crate::store::ContentRetention::Flagged,
            webhook_url: None,
            webhook_secret: None,
            callback_backoff: Duration::from_secs(1),
            callback_poll: Duration::from_millis(500),
        }
    }
}

/// Bearer-token lookups cached for a few seconds: a database round trip per
/// request costs more than the scan of a short article. Revocations made
/// through this instance clear the cache at once; other instances see them
/// within [`TOKEN_CACHE_TTL`].
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<String, (Instant, Option<TokenInfo>)>>,
}

impl TokenCache {
    pub async fn lookup(
        &self,
        store: &Store,
        secret: &str,
    ) -> Result<Option<TokenInfo>, crate::store::StoreError> {
        let key = crate::store::sha256_hex(secret.as_bytes());
        if let Some((at, token)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            if at.elapsed() < TOKEN_CACHE_TTL {
                return Ok(token.clone());
            }
        }
        let token = store.token_by_secret(secret).await?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), token.clone()));
        Ok(token)
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

pub struct Inner {
    pub config: ServeConfig,
    pub store: Store,
    pub engine: RwLock<Arc<Engine>>,
    pub metrics: metrics::Metrics,
    pub tokens: TokenCache,
    pub webhook_secret: String,
    /// HMAC key of the pages' session cookies and CSRF tokens.
    pub session_secret: String,
    /// Serializes lexicon reloads.
    reload_lock: tokio::sync::Mutex<()>,
}

/// Shared state of the handlers.
pub type AppState = Arc<Inner>;

/// Builds the lexicon: the bundled files with `dir` on top (a file named
/// like a bundled one replaces it).
pub fn lexicon_sources(dir: Option<&std::path::Path>) -> Result<Vec<LexiconSource>, String> {
    let mut sources = crate::lexicon::embedded_sources();
    if let Some(dir) = dir {
        let user = crate::lexicon::load_dir(dir)
            .map_err(|e| format!("reading lexicon directory {}: {e}", dir.display()))?;
        if user.is_empty() {
            return Err(format!(
                "lexicon directory {} holds no .toml file",
                dir.display()
            ));
        }
        for source in user {
            let file_name = std::path::Path::new(&source.name)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match sources.iter().position(|s| s.name == file_name) {
                Some(i) => sources[i] = source,
                None => sources.push(source),
            }
        }
    }
    Ok(sources)
}

/// Builds an engine and runs every lexicon example against it; a lexicon
/// whose examples fail is refused (it would judge items wrongly).
pub fn build_checked_engine(dir: Option<&std::path::Path>) -> Result<Engine, String> {
    let sources = lexicon_sources(dir)?;
    let lexicon = Lexicon::from_sources(&sources).map_err(|e| e.to_string())?;
    let engine = EngineBuilder::new()
        .build(&lexicon)
        .map_err(|e| e.to_string())?;
    let report = crate::check::check_examples(&engine);
    if !report.failures.is_empty() {
        let first: Vec<String> = report
            .failures
            .iter()
            .take(5)
            .map(|f| f.to_string())
            .collect();
        return Err(format!(
            "{} lexicon examples fail, e.g.: {}",
            report.failures.len(),
            first.join("; ")
        ));
    }
    Ok(engine)
}

impl Inner {
    pub fn engine(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Builds and self-checks the lexicons off the async runtime, then swaps
    /// atomically. A broken lexicon leaves the running one in place.
    pub async fn reload_lexicons(&self) -> Result<String, String> {
        let _guard = self.reload_lock.lock().await;
        let dir = self.config.lexicons.clone();
        let built = tokio::task::spawn_blocking(move || build_checked_engine(dir.as_deref()))
            .await
            .map_err(|e| format!("the reload task failed: {e}"))?;
        match built {
            Ok(engine) => {
                let version = engine.lexicon_version().to_string();
                *self.engine.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
                self.metrics.record_reload(true);
                tracing::info!(lexicon = %version, "lexicons reloaded");
                Ok(version)
            }
            Err(e) => {
                self.metrics.record_reload(false);
                tracing::warn!(error = %e, "lexicon reload refused; the old lexicons keep running");
                Err(e)
            }
        }
    }
}

/// A ready service: state and router, before it listens.
pub struct Service {
    pub state: AppState,
    pub router: axum::Router,
}

impl Service {
    pub async fn new(config: ServeConfig) -> Result<Service, String> {
        let dir = config.lexicons.clone();
        let engine = tokio::task::spawn_blocking(move || build_checked_engine(dir.as_deref()))
            .await
            .map_err(|e| e.to_string())??;
        let store = Store::connect(&config.database_url, config.retention)
            .await
            .map_err(|e| format!("{}: {e}", config.database_url))?;
        let webhook_secret = match &config.webhook_secret {
            Some(s) => s.clone(),
            None => store
                .setting_or_init("webhook_secret", || crate::store::random_id("whs"))
                .await
                .map_err(|e| e.to_string())?,
        };
        let session_secret = store
            .setting_or_init("session_secret", || {
                let mut key = [0u8; 32];
                getrandom::getrandom(&mut key).expect("the OS random source works");
                hex::encode(key)
            })
            .await
            .map_err(|e| e.to_string())?;
        // Load the segmenter now, not on the first request.
        tokio::task::spawn_blocking(crate::boundary::shared_jieba)
            .await
            .map_err(|e| e.to_string())?;
        let state = Arc::new(Inner {
            config,
            store,
            engine: RwLock::new(Arc::new(engine)),
            metrics: metrics::Metrics::default(),
            tokens: TokenCache::default(),
            webhook_secret,
            session_secret,
            reload_lock: tokio::sync::Mutex::new(()),
        });
        let router = api::router(state.clone());
        Ok(Service { state, router })
    }

    /// Serves on `listener` until `shutdown` resolves, then finishes the
    /// requests in flight and stops the delivery worker.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(callbacks::run_worker(self.state.clone(), stop_rx));
        let result = axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop_tx.send(true);
        let _ = worker.await;
        self.state.store.close().await;
        result
    }
}
