//! The running service's state: settings, store, engine (swapped whole on a
//! lexicon reload), metrics and the token cache. Every use case and handler
//! takes an [`App`].

use super::anchors::AnchorKey;
use super::auth::TokenCache;
use super::config::ServeConfig;
use super::lexicons::{build_checked_engine, LexiconLoadError};
use super::metrics::Metrics;
use super::store::Store;
use crate::engine::pipeline::Engine;
use std::sync::{Arc, RwLock};

/// The running service: settings, store, engine and the caches around them.
pub struct App {
    pub config: ServeConfig,
    pub store: Store,
    pub engine: RwLock<Arc<Engine>>,
    pub metrics: Metrics,
    pub tokens: TokenCache,
    pub webhook_secret: String,
    /// HMAC key of the pages' session cookies and CSRF tokens.
    pub session_secret: String,
    /// Signs the audit chain's anchors (kept in a file, never in the
    /// database).
    pub anchor_key: Arc<AnchorKey>,
    /// Serializes lexicon reloads.
    pub(super) reload_lock: tokio::sync::Mutex<()>,
}

/// Shared state of the handlers.
pub type AppState = Arc<App>;

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
        let replace = self.config.replace_bundled.clone();
        let built = match tokio::task::spawn_blocking(move || {
            build_checked_engine(dir.as_deref(), &replace)
        })
        .await
        {
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
