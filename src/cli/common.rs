//! What several commands share: where the store is, the async runtime, the
//! engine built from the lexicons.

use anyhow::Result;
use baomi::service::config::{ConfigFile, Overrides, ServeConfig};
use baomi::service::lexicons;
use baomi::service::store::{ContentRetention, Store};
use baomi::Engine;
use std::path::{Path, PathBuf};

/// Where the store is: `--database-url` (or `BAOMI_DATABASE_URL`), else the
/// config file's `database_url`, else `sqlite://baomi.sqlite`.
#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// `sqlite://PATH` (default `sqlite://baomi.sqlite`) or `postgres://…`.
    #[arg(long, env = "BAOMI_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A TOML config file (keys as in README: listen, database_url, lexicons, …).
    #[arg(long, env = "BAOMI_CONFIG")]
    pub config: Option<PathBuf>,
}

impl DbArgs {
    /// The settings as `baomi serve` would see them (for the audit files).
    pub fn settings(&self) -> anyhow::Result<ServeConfig> {
        let file = ConfigFile::read(self.config.as_deref())?;
        Ok(ServeConfig::resolve(
            file,
            Overrides {
                database_url: self.database_url.clone(),
                ..Overrides::default()
            },
        ))
    }

    pub async fn open_store(&self) -> anyhow::Result<Store> {
        use anyhow::Context;
        let file = ConfigFile::read(self.config.as_deref())?;
        let url = file.database_url(self.database_url.as_deref());
        Store::connect(&url, ContentRetention::Flagged)
            .await
            .with_context(|| format!("opening {url}"))
    }
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The engine over the bundled lexicons with `dir` on top.
pub fn build_engine(dir: Option<&Path>) -> Result<Engine> {
    let started = std::time::Instant::now();
    let engine = lexicons::load_engine(dir)?;
    tracing::debug!(
        entries = engine.lexicon().entries.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "engine ready"
    );
    Ok(engine)
}
