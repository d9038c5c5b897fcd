//! The settings of `baomi serve` and the other commands that open the store.
//!
//! Contract: settings come from, strongest first, the command line, the
//! environment (`BAOMI_*`), the config file (`--config`, `BAOMI_CONFIG`, or
//! `baomi.toml` in the working directory when present), built-in defaults.
//! An unknown key in the config file is an error naming it (a typo must not
//! silently fall back to a default).

use super::store::ContentRetention;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    pub retention: ContentRetention,
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
            retention: ContentRetention::Flagged,
            webhook_url: None,
            webhook_secret: None,
            callback_backoff: Duration::from_secs(1),
            callback_poll: Duration::from_millis(500),
        }
    }
}

/// Keys of the config file; every one optional.
#[derive(serde::Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub lexicons: Option<PathBuf>,
    pub body_limit_bytes: Option<usize>,
    pub scan_budget_ms: Option<u64>,
    pub store_passed_content: Option<bool>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub callback_backoff_ms: Option<u64>,
    pub callback_poll_ms: Option<u64>,
}

/// Why the config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
}

impl ConfigFile {
    /// Reads `path`, or `./baomi.toml` when no path is given (a missing
    /// default file is no error; a missing named one is).
    pub fn read(path: Option<&Path>) -> Result<ConfigFile, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("baomi.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source }),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(ConfigFile::default())
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// The database URL: the command line's (or environment's) if given,
    /// else the file's, else the default.
    pub fn database_url(&self, given: Option<&str>) -> String {
        given
            .map(str::to_string)
            .or_else(|| self.database_url.clone())
            .unwrap_or_else(|| ServeConfig::default().database_url)
    }
}

/// What the command line (with clap's environment fallbacks) says.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub lexicons: Option<PathBuf>,
}

impl ServeConfig {
    /// Command line, then environment, then file, then defaults.
    pub fn resolve(file: ConfigFile, overrides: Overrides) -> ServeConfig {
        let defaults = ServeConfig::default();
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        ServeConfig {
            database_url: file.database_url(overrides.database_url.as_deref()),
            listen: overrides.listen.or(file.listen).unwrap_or(defaults.listen),
            lexicons: overrides.lexicons.or(file.lexicons),
            body_limit: file.body_limit_bytes.unwrap_or(defaults.body_limit),
            scan_budget: file
                .scan_budget_ms
                .map_or(defaults.scan_budget, Duration::from_millis),
            retention: if file.store_passed_content.unwrap_or(false) {
                ContentRetention::All
            } else {
                ContentRetention::Flagged
            },
            webhook_url: env("BAOMI_WEBHOOK_URL").or(file.webhook_url),
            webhook_secret: env("BAOMI_WEBHOOK_SECRET").or(file.webhook_secret),
            callback_backoff: file
                .callback_backoff_ms
                .map_or(defaults.callback_backoff, Duration::from_millis),
            callback_poll: file
                .callback_poll_ms
                .map_or(defaults.callback_poll, Duration::from_millis),
        }
    }
}
