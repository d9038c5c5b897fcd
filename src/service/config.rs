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
    /// The only hosts (`host` or `host:port`) an item's `callback_url` may
    /// name; empty: items may not name one (outcomes go to `webhook_url`, or
    /// the CMS polls). Otherwise baomi could be made to send signed POSTs to
    /// any host its network reaches.
    pub callback_hosts: Vec<String>,
    /// Bundled lexicon files (by name, e.g. `register.toml`) that the
    /// lexicon directory may replace with something that no longer finds
    /// what the bundled examples show; any other replacement must keep that
    /// coverage, so an empty or broken copy is refused.
    pub replace_bundled: Vec<String>,
    /// The ed25519 key that signs the chain's anchors (created on first
    /// start; keep it out of reach of whoever can edit the database).
    pub audit_key_file: PathBuf,
    /// Where anchors are appended, one line each (copy it elsewhere, or
    /// print it for the 登记簿).
    pub audit_anchor_file: PathBuf,
    /// How often the running service anchors the chain when it grew; zero:
    /// only at shutdown and by `baomi audit anchor`.
    pub audit_anchor_interval: Duration,
    /// 网站巡检: hosts (`host` or `host:port`) officers may start runs on
    /// from the page or the API; the scheduled sites' hosts are allowed too.
    /// Empty: only scheduled runs.
    pub inspect_hosts: Vec<String>,
    /// Runs started on a schedule (`[[inspect_schedule]]`).
    pub inspect_schedules: Vec<InspectSchedule>,
    /// How long a worker's lease on a URL lasts without renewal (renewed
    /// every third of it while the worker lives; a killed worker's URLs are
    /// taken by another instance after it).
    pub inspect_lease: Duration,
    /// How often the worker looks for runs to work on and due schedules.
    pub inspect_poll: Duration,
}

/// One scheduled 网站巡检 (config file `[[inspect_schedule]]`).
#[derive(serde::Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InspectSchedule {
    /// Names the schedule (and its runs).
    pub name: String,
    pub start: Vec<String>,
    /// A run every this many hours (the first at start-up).
    pub every_hours: f64,
    pub allow_hosts: Option<Vec<String>>,
    pub rate: Option<f64>,
    pub concurrency: Option<u32>,
    pub max_pages: Option<u64>,
    pub max_depth: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub max_bytes: Option<u64>,
    pub ignore_robots: Option<bool>,
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
            callback_hosts: Vec::new(),
            replace_bundled: Vec::new(),
            audit_key_file: PathBuf::from("baomi-audit.key"),
            audit_anchor_file: PathBuf::from("baomi-anchors.txt"),
            audit_anchor_interval: Duration::from_secs(3600),
            inspect_hosts: Vec::new(),
            inspect_schedules: Vec::new(),
            inspect_lease: Duration::from_secs(60),
            inspect_poll: Duration::from_secs(2),
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
    pub callback_hosts: Option<Vec<String>>,
    pub replace_bundled: Option<Vec<String>>,
    pub audit_key_file: Option<PathBuf>,
    pub audit_anchor_file: Option<PathBuf>,
    pub audit_anchor_interval_s: Option<u64>,
    pub inspect_hosts: Option<Vec<String>>,
    pub inspect_schedule: Option<Vec<InspectSchedule>>,
    pub inspect_lease_s: Option<u64>,
    pub inspect_poll_ms: Option<u64>,
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
    /// Whether `url` may receive callbacks: an http(s) URL without
    /// credentials whose host (and port, if the entry names one) is in
    /// `callback_hosts`.
    pub fn callback_allowed(&self, url: &reqwest::Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let port = url.port_or_known_default();
        matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none()
            && self.callback_hosts.iter().any(|allowed| {
                let allowed = allowed.trim().to_ascii_lowercase();
                match allowed
                    .rsplit_once(':')
                    .filter(|(_, p)| p.parse::<u16>().is_ok())
                {
                    Some((h, p)) => {
                        h.trim_matches(['[', ']']) == host.trim_matches(['[', ']'])
                            && p.parse::<u16>().ok() == port
                    }
                    None => allowed.trim_matches(['[', ']']) == host.trim_matches(['[', ']']),
                }
            })
    }

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
            callback_hosts: env("BAOMI_CALLBACK_HOSTS")
                .map(|v| {
                    v.split(',')
                        .map(|h| h.trim().to_string())
                        .filter(|h| !h.is_empty())
                        .collect()
                })
                .or(file.callback_hosts)
                .unwrap_or_default(),
            replace_bundled: file.replace_bundled.unwrap_or_default(),
            audit_key_file: env("BAOMI_AUDIT_KEY_FILE")
                .map(PathBuf::from)
                .or(file.audit_key_file)
                .unwrap_or(defaults.audit_key_file),
            audit_anchor_file: file.audit_anchor_file.unwrap_or(defaults.audit_anchor_file),
            audit_anchor_interval: file
                .audit_anchor_interval_s
                .map_or(defaults.audit_anchor_interval, Duration::from_secs),
            inspect_hosts: file.inspect_hosts.unwrap_or_default(),
            inspect_schedules: file.inspect_schedule.unwrap_or_default(),
            inspect_lease: file
                .inspect_lease_s
                .map_or(defaults.inspect_lease, |s| Duration::from_secs(s.max(1))),
            inspect_poll: file.inspect_poll_ms.map_or(defaults.inspect_poll, |ms| {
                Duration::from_millis(ms.max(10))
            }),
        }
    }

    /// The hosts runs started from the page or the API may request: the
    /// `inspect_hosts` and every scheduled site's start and allowed hosts,
    /// lower case.
    pub fn inspect_hosts_permitted(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .inspect_hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        for s in &self.inspect_schedules {
            for u in &s.start {
                if let Ok(u) = reqwest::Url::parse(u) {
                    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
                    out.push(match u.port() {
                        Some(p) => format!("{host}:{p}"),
                        None => host,
                    });
                }
            }
            out.extend(
                s.allow_hosts
                    .iter()
                    .flatten()
                    .map(|h| h.trim().to_ascii_lowercase()),
            );
        }
        out
    }
}
