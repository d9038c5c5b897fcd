//! What 网站巡检 records and shares between its stages: a run's settings,
//! the frontier's entries, one record per URL, officers' actions and the
//! 已整改 check.
//!
//! A leaf module: the store, the crawler, the server and the CLI all use
//! these types, and this file uses none of them, so no two of them import
//! each other through it.

use crate::engine::verdict::{Decision, Finding, Omitted};
use serde::{Deserialize, Serialize};

/// The user agent baomi identifies itself with, and the token robots.txt
/// groups are matched against (`User-agent: baomi`).
pub const ROBOTS_AGENT: &str = "baomi";

/// How one run crawls: where it starts, which hosts it may request, and its
/// limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct RunSettings {
    /// Start URLs (normalized).
    pub start: Vec<String>,
    /// Hosts requests may go to: the start URLs' hosts (`host:port` when the
    /// URL names a port) and the `--allow-host` ones. Nothing else is ever
    /// requested.
    pub allowed_hosts: Vec<String>,
    /// Requests per second per host.
    pub rate: f64,
    /// Requests in flight at once (per instance).
    pub concurrency: u32,
    /// Pages and attachments fetched at most.
    pub max_pages: u64,
    /// Links followed from a start URL at most (a start URL is depth 0).
    pub max_depth: u32,
    /// Per request, connect to last byte.
    pub timeout_ms: u64,
    /// Largest response read; a larger one is a record with `error`.
    pub max_bytes: u64,
    /// robots.txt rules are not obeyed (its `Sitemap:` lines still are read).
    pub ignore_robots: bool,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            start: Vec::new(),
            allowed_hosts: Vec::new(),
            rate: 4.0,
            concurrency: 4,
            max_pages: 10_000,
            max_depth: 10,
            timeout_ms: 15_000,
            max_bytes: 32 * 1024 * 1024,
            ignore_robots: false,
        }
    }
}

/// Why an entry of the frontier is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// An origin's robots.txt: leased before any other URL of that origin.
    Robots,
    /// A sitemap (from robots.txt or the conventional `/sitemap.xml`).
    Sitemap,
    /// A link, a sitemap entry, a start URL or a redirect target.
    Link,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Robots => "robots",
            EntryKind::Sitemap => "sitemap",
            EntryKind::Link => "link",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        Some(match s {
            "robots" => EntryKind::Robots,
            "sitemap" => EntryKind::Sitemap,
            "link" => EntryKind::Link,
            _ => return None,
        })
    }

    /// Lease order: robots.txt first, then sitemaps, then links.
    pub fn priority(self) -> i64 {
        match self {
            EntryKind::Robots => 0,
            EntryKind::Sitemap => 1,
            EntryKind::Link => 2,
        }
    }
}

/// One URL of a run's frontier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalized (see `inspect::urls`).
    pub url: String,
    /// `scheme://host[:port]`: robots.txt and the rate limit are per origin.
    pub origin: String,
    pub kind: EntryKind,
    /// The page (or sitemap, or redirecting URL) it was found on.
    pub referrer: Option<String>,
    pub depth: u32,
    /// The URLs that redirected here, in order (loop detection).
    pub redirects: Vec<String>,
}

/// Why an entry was not fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// robots.txt disallows it.
    Robots,
    /// Deeper than `max_depth`.
    MaxDepth,
    /// `max_pages` were fetched already.
    MaxPages,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Robots => "robots",
            SkipReason::MaxDepth => "max_depth",
            SkipReason::MaxPages => "max_pages",
        }
    }
}

/// What a record is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// An HTML page: its own content (links are followed, not included).
    Page,
    /// A linked file (by Content-Type or extension), read as `baomi scan`
    /// reads attachments.
    Attachment,
    /// A redirect within the allowed hosts; the target has its own record.
    Redirect,
    /// robots.txt or a sitemap that could not be read.
    Crawl,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Page => "page",
            RecordKind::Attachment => "attachment",
            RecordKind::Redirect => "redirect",
            RecordKind::Crawl => "crawl",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        Some(match s {
            "page" => RecordKind::Page,
            "attachment" => RecordKind::Attachment,
            "redirect" => RecordKind::Redirect,
            "crawl" => RecordKind::Crawl,
            _ => return None,
        })
    }
}

/// An officer's action on a record (and so on its URL and content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// 已整改（已删除或修改）: the next run checks that the URL is gone or clean.
    Rectified,
    /// 误报: quiet in later runs while the content stays the same.
    FalsePositive,
    /// 转入审查: the content becomes an item in the 三审 queue.
    ToReview,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Rectified => "rectified",
            ActionKind::FalsePositive => "false_positive",
            ActionKind::ToReview => "to_review",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        Some(match s {
            "rectified" => ActionKind::Rectified,
            "false_positive" => ActionKind::FalsePositive,
            "to_review" => ActionKind::ToReview,
            _ => return None,
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ActionKind::Rectified => "已整改（已删除或修改）",
            ActionKind::FalsePositive => "误报",
            ActionKind::ToReview => "转入审查",
        }
    }
}

/// What the run after an 已整改 found at the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    /// 404/410: the item was deleted.
    Gone,
    /// The content changed and nothing is found in it any more.
    Clean,
    /// The same content is still online: not rectified.
    Unchanged,
    /// The content changed but still has findings.
    StillFlagged,
}

impl CheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Gone => "gone",
            CheckResult::Clean => "clean",
            CheckResult::Unchanged => "unchanged",
            CheckResult::StillFlagged => "still_flagged",
        }
    }

    pub fn parse(s: &str) -> Option<CheckResult> {
        Some(match s {
            "gone" => CheckResult::Gone,
            "clean" => CheckResult::Clean,
            "unchanged" => CheckResult::Unchanged,
            "still_flagged" => CheckResult::StillFlagged,
            _ => return None,
        })
    }

    /// Whether the rectification held.
    pub fn verified(self) -> bool {
        matches!(self, CheckResult::Gone | CheckResult::Clean)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CheckResult::Gone => "已删除（网址已不可访问）",
            CheckResult::Clean => "已修改，复查未发现问题",
            CheckResult::Unchanged => "未整改：内容未变",
            CheckResult::StillFlagged => "已修改，但仍有问题",
        }
    }
}

/// Why a record with findings is not an open problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Quiet {
    pub action: ActionKind,
    pub action_id: String,
    /// For `to_review`: the review in the 三审 queue.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub review_id: Option<String>,
}

/// The 已整改 check this record made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Check {
    pub action_id: String,
    pub result: CheckResult,
}

/// One fetched URL (a page, an attachment, a redirect, or a URL that could
/// not be fetched).
///
/// Contract: `decision` is never `pass` for a URL whose content could not be
/// read wholly (`error` says why): HTTP errors, timeouts, redirect loops,
/// responses over the size limit, undecodable pages, unreadable attachments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Record {
    pub id: String,
    pub run_id: String,
    pub url: String,
    /// The page that links it (for a start URL: none).
    pub referrer: Option<String>,
    pub kind: RecordKind,
    /// The HTTP status; none when no answer came.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// A page's `<title>`, an attachment's file name.
    pub title: Option<String>,
    pub decision: Decision,
    /// Each with its location (for attachments, `名单.xlsx › 名单!C14`).
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
    pub error: Option<String>,
    /// SHA-256 of the body as served.
    pub content_hash: Option<String>,
    pub size: Option<u64>,
    /// A redirect's target.
    pub redirect_to: Option<String>,
    /// An earlier URL of this run with the same content (not scanned again).
    pub duplicate_of: Option<String>,
    /// Not rescanned: 304 Not Modified, or the same content as last run with
    /// the same lexicon version.
    pub unchanged: bool,
    /// The action that keeps this record's findings quiet.
    pub quiet: Option<Quiet>,
    /// The 已整改 check this record made.
    pub check: Option<Check>,
    pub lexicon_version: String,
    /// The instance that fetched it (`wk_…`).
    pub worker: String,
    pub fetched_at: String,
    /// The decoded page, for highlighting (kept for records that are not
    /// `pass`, never serialized with the record).
    #[serde(skip)]
    pub content: Option<String>,
}

impl Record {
    /// An open problem: not `pass`, and no action keeps it quiet.
    pub fn is_open(&self) -> bool {
        self.decision != Decision::Pass && self.quiet.is_none()
    }

    /// Could not be fetched at all (network, HTTP error, loop, too large):
    /// what `baomi inspect` exits 2 for.
    pub fn is_fetch_error(&self) -> bool {
        self.error.is_some()
            && self.quiet.is_none()
            && (self.content_hash.is_none() || self.kind == RecordKind::Crawl)
    }
}

/// An officer's recorded action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Action {
    pub id: String,
    pub run_id: String,
    pub record_id: String,
    pub url: String,
    /// The content the action is about: 误报 stays quiet only while it is
    /// served unchanged.
    pub content_hash: Option<String>,
    pub action: ActionKind,
    /// 中文 label of `action`.
    pub label: String,
    pub officer: String,
    /// Why (required).
    pub comment: String,
    /// For `to_review`: the review created in the queue.
    pub review_id: Option<String>,
    pub created_at: String,
    /// For `rectified`: what the next run found.
    pub check: Option<ActionCheck>,
}

/// The 已整改 check as the action keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionCheck {
    pub run_id: String,
    pub result: CheckResult,
    /// 中文 label of `result`.
    pub label: String,
    pub at: String,
}

/// What is known of a URL from the last run that fetched it (incremental
/// runs need a database).
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_hash: Option<String>,
    pub lexicon_version: Option<String>,
    /// The record whose verdict an unchanged response reuses.
    pub record_id: Option<String>,
    /// The links the page had, so that an unchanged page still leads on.
    pub links: Vec<String>,
}
