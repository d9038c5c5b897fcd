//! The service layer: the publish and check use cases, the 三审 workflow,
//! the record (store), reports, callbacks, and `server` (HTTP only) on top.
//! Uses the engine and attach layers; nothing here is used by them.
//!
//! Contract: use cases ([`publish`], [`resolve`]) hold the domain logic and
//! return typed [`error::ServiceError`]s; HTTP handlers in [`server`] are
//! glue. A scan runs off the async runtime within a time budget: a failure
//! or a timeout is recorded as `review`, never `pass`. Logs carry request
//! ids, review ids and rule ids, never document text.

pub mod auth;
pub mod callbacks;
pub mod config;
pub mod error;
pub mod lexicons;
pub mod metrics;
pub mod publish;
pub mod report;
pub mod resolve;
pub mod server;
pub mod signing;
pub mod store;
pub mod workflow;

pub use config::ServeConfig;

use crate::engine::Engine;
use auth::TokenCache;
use lexicons::{build_checked_engine, LexiconLoadError};
use std::sync::{Arc, RwLock};
use store::Store;

/// The running service: settings, store, engine and the caches around them.
pub struct App {
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
pub type AppState = Arc<App>;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Lexicons(#[from] LexiconLoadError),
    #[error("{url}: {source}")]
    Store {
        url: String,
        source: store::StoreError,
    },
    #[error(transparent)]
    Setting(#[from] store::StoreError),
}

impl App {
    pub fn engine(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Builds and self-checks the lexicons off the async runtime, then swaps
    /// atomically. A broken lexicon leaves the running one in place.
    pub async fn reload_lexicons(&self) -> Result<String, LexiconLoadError> {
        let _guard = self.reload_lock.lock().await;
        let dir = self.config.lexicons.clone();
        let built =
            match tokio::task::spawn_blocking(move || build_checked_engine(dir.as_deref())).await {
                Ok(built) => built,
                Err(e) => {
                    tracing::error!(error = %e, "the lexicon reload task failed");
                    Err(LexiconLoadError::TaskFailed)
                }
            };
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
    pub async fn new(config: ServeConfig) -> Result<Service, StartError> {
        let dir = config.lexicons.clone();
        let engine = tokio::task::spawn_blocking(move || build_checked_engine(dir.as_deref()))
            .await
            .map_err(|_| StartError::Lexicons(LexiconLoadError::TaskFailed))??;
        let store = Store::connect(&config.database_url, config.retention)
            .await
            .map_err(|source| StartError::Store {
                url: config.database_url.clone(),
                source,
            })?;
        let webhook_secret = match &config.webhook_secret {
            Some(s) => s.clone(),
            None => {
                store
                    .setting_or_init("webhook_secret", || store::random_id("whs"))
                    .await?
            }
        };
        let session_secret = store
            .setting_or_init("session_secret", || {
                let mut key = [0u8; 32];
                getrandom::getrandom(&mut key).expect("the OS random source works");
                hex::encode(key)
            })
            .await?;
        // Load the segmenter now, not on the first request.
        tokio::task::spawn_blocking(crate::engine::boundary::shared_jieba)
            .await
            .map_err(|_| StartError::Lexicons(LexiconLoadError::TaskFailed))?;
        let state = Arc::new(App {
            config,
            store,
            engine: RwLock::new(Arc::new(engine)),
            metrics: metrics::Metrics::default(),
            tokens: TokenCache::default(),
            webhook_secret,
            session_secret,
            reload_lock: tokio::sync::Mutex::new(()),
        });
        let router = server::router(state.clone());
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
