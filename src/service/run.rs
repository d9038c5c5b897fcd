//! Starting and running the service: build and self-check the engine, open
//! and migrate the store, load the secrets, then serve HTTP and deliver
//! callbacks until shutdown.

use super::anchors::{anchor_now, AnchorError, AnchorKey};
use super::app::{App, AppState};
use super::auth::TokenCache;
use super::callbacks;
use super::config::ServeConfig;
use super::lexicons::{build_checked_engine, LexiconLoadError};
use super::metrics::Metrics;
use super::server::routes::router;
use super::store::{random_id, Store, StoreError};
use std::sync::{Arc, RwLock};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Lexicons(#[from] LexiconLoadError),
    #[error("{url}: {source}")]
    Store { url: String, source: StoreError },
    #[error(transparent)]
    Setting(#[from] StoreError),
    #[error(transparent)]
    Anchor(#[from] AnchorError),
}

/// A ready service: state and router, before it listens.
pub struct Service {
    pub state: AppState,
    pub router: axum::Router,
}

impl Service {
    pub async fn new(config: ServeConfig) -> Result<Service, StartError> {
        let dir = config.lexicons.clone();
        let replace = config.replace_bundled.clone();
        let engine =
            tokio::task::spawn_blocking(move || build_checked_engine(dir.as_deref(), &replace))
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
                    .setting_or_init("webhook_secret", || random_id("whs"))
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
        // Load the segmenter and its tagger now, not on the first request.
        tokio::task::spawn_blocking(crate::engine::boundary::warm_jieba)
            .await
            .map_err(|_| StartError::Lexicons(LexiconLoadError::TaskFailed))?;
        let anchor_key = Arc::new(AnchorKey::load_or_create(&config.audit_key_file)?);
        let state = Arc::new(App {
            config,
            store,
            engine: RwLock::new(Arc::new(engine)),
            metrics: Metrics::default(),
            tokens: TokenCache::default(),
            webhook_secret,
            session_secret,
            anchor_key,
            reload_lock: tokio::sync::Mutex::new(()),
        });
        let router = router(state.clone());
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
        let worker = tokio::spawn(callbacks::run_worker(self.state.clone(), stop_rx.clone()));
        let inspections = tokio::spawn(super::inspect::runs::run_worker(
            self.state.clone(),
            stop_rx.clone(),
        ));
        let anchoring = tokio::spawn(anchor_periodically(self.state.clone(), stop_rx));
        let result = axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop_tx.send(true);
        let _ = worker.await;
        let _ = inspections.await;
        // The last anchor covers everything this instance recorded.
        let last = anchoring.await.ok().flatten();
        anchor_if_grown(&self.state, last).await;
        self.state.store.close().await;
        result
    }
}

/// Anchors the chain every `audit_anchor_interval` when it grew; returns the
/// head it anchored last.
async fn anchor_periodically(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Option<(i64, String)> {
    let mut last = state
        .store
        .anchors()
        .await
        .ok()
        .and_then(|a| a.last().map(|a| (a.seq, a.head_hash.clone())));
    let interval = state.config.audit_anchor_interval;
    if interval.is_zero() {
        let _ = stop.changed().await;
        return last;
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return last,
        }
        if let Some(head) = anchor_if_grown(&state, last.clone()).await {
            last = Some(head);
        }
    }
}

/// Anchors the chain if its head is not `last`; the head anchored.
async fn anchor_if_grown(state: &AppState, last: Option<(i64, String)>) -> Option<(i64, String)> {
    let head = state.store.chain_head().await.ok().flatten()?;
    if last.as_ref() == Some(&head) {
        return None;
    }
    match anchor_now(
        &state.store,
        &state.anchor_key,
        Some(&state.config.audit_anchor_file),
    )
    .await
    {
        Ok(Some(a)) => {
            tracing::info!(seq = a.seq, "audit chain anchored");
            Some((a.seq, a.head))
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "could not anchor the audit chain");
            None
        }
    }
}
