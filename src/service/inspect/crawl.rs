//! The crawl: workers lease URLs from the frontier, fetch each once, decide
//! what it is, scan it with the engine (pages) or the attachment readers
//! (files, exactly as `baomi scan` and the publish hook read them), follow
//! its links within the allowed hosts, and complete the lease with one
//! record.
//!
//! Contract:
//! - no request ever goes to a host outside `allowed_hosts`: links,
//!   sitemap entries and redirect targets elsewhere are not followed (a
//!   redirect there is a record with `error`);
//! - robots.txt of an origin is fetched before its other URLs and obeyed
//!   unless `ignore_robots`; requests to one origin are `1/rate` seconds
//!   apart (across every instance working on the run);
//! - a URL that cannot be read wholly (no answer, HTTP error, redirect loop,
//!   over the size limit, undecodable, an attachment part unreadable, the
//!   engine out of time) is a record with `error` and at least `review`;
//!   the crawl goes on with the other URLs;
//! - with a database: unchanged content (304, or the same hash as last
//!   time) is not rescanned unless the lexicon version changed; an
//!   officer's 误报/转入审查 keeps the same content quiet; the first run
//!   after an 已整改 checks the URL and records what it found.

use super::charset::decode_page;
use super::disposition::apply_action;
use super::fetch::{Conditions, Fetched, Fetcher, Response};
use super::frontier::Frontier;
use super::links::{page_links, page_title};
use super::model::{Entry, EntryKind, Record, RecordKind, RunSettings, SkipReason};
use super::robots::Robots;
use super::scan::{add_error, apply_verdict, copy_verdict, is_page, scan_file, scan_page};
use super::sitemap::parse_sitemap;
use super::urls::{authority, file_name, host_allowed, origin, readable, resolve};
use crate::engine::verdict::Decision;
use crate::engine::Engine;
use crate::service::store::{now, random_id, sha256_hex, Completion, Leased, NewEntry, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Most redirects followed from one URL.
const MAX_REDIRECTS: usize = 10;

/// Extensions of files linked as attachments (for naming a record that
/// could not be fetched; fetched ones are told by content).
const ATTACHMENT_EXTENSIONS: &[&str] = &[
    "txt", "md", "csv", "docx", "xlsx", "pdf", "zip", "doc", "xls", "wps", "et", "pptx", "ppt",
    "dps", "odt", "ods", "odp", "ofd", "rtf", "png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif",
    "rar", "7z",
];

/// Why a crawl stopped before its frontier was empty.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Client(String),
}

/// Counts for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    pub fetched: AtomicU64,
    pub problems: AtomicU64,
    pub errors: AtomicU64,
    /// Links to hosts outside the inspection, not followed.
    pub external: AtomicU64,
}

/// One instance's part in one run.
pub struct Crawler {
    pub run_id: String,
    pub settings: RunSettings,
    pub engine: Arc<Engine>,
    pub frontier: Frontier,
    pub fetcher: Fetcher,
    /// This instance (`wk_…`): lease owner and the records' `worker`.
    pub worker: String,
    pub progress: Progress,
}

impl Crawler {
    pub fn new(
        run_id: String,
        settings: RunSettings,
        engine: Arc<Engine>,
        frontier: Frontier,
        worker: String,
    ) -> Result<Crawler, String> {
        let fetcher = Fetcher::new(
            Duration::from_millis(settings.timeout_ms),
            settings.max_bytes,
        )?;
        Ok(Crawler {
            run_id,
            settings,
            engine,
            frontier,
            fetcher,
            worker,
            progress: Progress::default(),
        })
    }

    /// Works until the run's frontier is empty (nothing queued or leased,
    /// also by other instances).
    pub async fn run(self: &Arc<Self>) -> Result<(), StoreError> {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.settings.concurrency.clamp(1, 64) {
            let me = self.clone();
            workers.spawn(async move { me.work().await });
        }
        let mut result = Ok(());
        while let Some(done) = workers.join_next().await {
            match done {
                Ok(Err(e)) if result.is_ok() => result = Err(e),
                Err(e) if result.is_ok() => {
                    tracing::error!(run_id = %self.run_id, error = %e, "an inspection worker failed");
                }
                _ => {}
            }
        }
        result
    }

    async fn work(self: &Arc<Self>) -> Result<(), StoreError> {
        let mut idle = Duration::from_millis(20);
        loop {
            match self
                .frontier
                .lease(&self.worker, self.settings.max_pages)
                .await?
            {
                Leased::Entry(entry) => {
                    idle = Duration::from_millis(20);
                    self.handle(entry).await?;
                }
                Leased::Skipped => {}
                Leased::Empty => {
                    if self.frontier.remaining().await? == 0 {
                        return Ok(());
                    }
                    // Others hold leases (or robots.txt is being read): they
                    // may find more.
                    tokio::time::sleep(idle).await;
                    idle = (idle * 2).min(Duration::from_millis(500));
                }
            }
        }
    }

    async fn handle(self: &Arc<Self>, entry: Entry) -> Result<(), StoreError> {
        // The lease is renewed while the work lasts, so only a dead worker's
        // lease ever expires.
        let heartbeat = match &self.frontier {
            Frontier::Db(d) => {
                let me = self.clone();
                let url = entry.url.clone();
                let every = d.lease_ttl / 3;
                Some(tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(every).await;
                        if !matches!(me.frontier.renew(&url, &me.worker).await, Ok(true)) {
                            return;
                        }
                    }
                }))
            }
            Frontier::Memory(_) => None,
        };
        let done = self.process(&entry).await;
        if let Some(h) = heartbeat {
            h.abort();
        }
        let done = done?;
        if let Some(r) = &done.record {
            self.progress.fetched.fetch_add(1, Ordering::Relaxed);
            if r.is_open() {
                self.progress.problems.fetch_add(1, Ordering::Relaxed);
            }
            if r.error.is_some() {
                self.progress.errors.fetch_add(1, Ordering::Relaxed);
            }
            let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
            tracing::info!(run_id = %self.run_id, record_id = %r.id, url = %r.url, status = ?r.status,
                decision = %r.decision, rules = ?rules, "inspected");
        }
        if !self.frontier.complete(&entry, &self.worker, done).await? {
            tracing::warn!(run_id = %self.run_id, url = %entry.url, "lease lost: another worker owns this URL now; result dropped");
        }
        Ok(())
    }

    async fn process(&self, entry: &Entry) -> Result<Completion, StoreError> {
        let Ok(url) = Url::parse(&entry.url) else {
            return Ok(Completion::default());
        };
        match entry.kind {
            EntryKind::Robots => self.robots_txt(entry, &url).await,
            EntryKind::Sitemap => self.sitemap(entry, &url).await,
            EntryKind::Link => self.link(entry, &url).await,
        }
    }

    fn interval(&self) -> Duration {
        let rate = if self.settings.rate.is_finite() && self.settings.rate > 0.0 {
            self.settings.rate
        } else {
            4.0
        };
        Duration::from_secs_f64(1.0 / rate)
    }

    async fn fetch(
        &self,
        entry: &Entry,
        url: &Url,
        conditions: &Conditions,
    ) -> Result<Fetched, StoreError> {
        self.frontier
            .wait_slot(&entry.origin, self.interval())
            .await?;
        Ok(self.fetcher.get(url, conditions).await)
    }

    async fn allowed_by_robots(&self, entry: &Entry) -> Result<bool, StoreError> {
        if self.settings.ignore_robots {
            return Ok(true);
        }
        Ok(match self.frontier.robots(&entry.origin).await? {
            Some(robots) => robots.allows(&entry.url),
            None => true,
        })
    }

    fn record(&self, entry: &Entry, kind: RecordKind) -> Record {
        Record {
            id: random_id("rc"),
            run_id: self.run_id.clone(),
            url: entry.url.clone(),
            referrer: entry.referrer.clone(),
            kind,
            status: None,
            content_type: None,
            title: None,
            decision: Decision::Review,
            findings: Vec::new(),
            omitted: Vec::new(),
            error: None,
            content_hash: None,
            size: None,
            redirect_to: None,
            duplicate_of: None,
            unchanged: false,
            quiet: None,
            check: None,
            lexicon_version: self.engine.lexicon_version().to_string(),
            worker: self.worker.clone(),
            fetched_at: now(),
            content: None,
        }
    }

    /// An entry for a link found at `from`, if it may be followed: its host
    /// is allowed (else it is counted as external), and it is queued or,
    /// past `max_depth`, recorded as skipped.
    fn follow(&self, from: &Entry, links: &[Url], depth: u32, kind: EntryKind) -> Vec<NewEntry> {
        let mut out = Vec::new();
        for link in links {
            if !host_allowed(link, &self.settings.allowed_hosts) {
                self.progress.external.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            out.push(NewEntry {
                entry: Entry {
                    url: link.to_string(),
                    origin: origin(link),
                    kind,
                    referrer: Some(from.url.clone()),
                    depth,
                    redirects: Vec::new(),
                },
                skip: (depth > self.settings.max_depth).then_some(SkipReason::MaxDepth),
            });
        }
        out
    }

    async fn robots_txt(&self, entry: &Entry, url: &Url) -> Result<Completion, StoreError> {
        let fetched = self.fetch(entry, url, &Conditions::default()).await?;
        let (robots, reason) = match &fetched {
            Fetched::Body(r) => (Robots::from_response(Some(r.status), Some(&r.body)), None),
            Fetched::Status { status, .. } => (
                Robots::from_response(Some(*status), None),
                Some(format!("HTTP {status}")),
            ),
            // Redirected or oversized robots.txt: read as none (Google's
            // matcher does the same after its redirect limit).
            Fetched::Redirect { .. } | Fetched::TooLarge { .. } | Fetched::NotModified => {
                (Robots::Missing, None)
            }
            Fetched::Failed(why) => (Robots::Unreachable, Some(why.clone())),
        };
        let mut done = Completion {
            robots: Some(robots.to_stored()),
            ..Completion::default()
        };
        if robots == Robots::Unreachable && !self.settings.ignore_robots {
            let mut r = self.record(entry, RecordKind::Crawl);
            r.status = match fetched {
                Fetched::Status { status, .. } => Some(status),
                _ => None,
            };
            r.error = Some(format!(
                "robots.txt could not be read ({}): nothing of {} is fetched, as RFC 9309 \
                 says (inspect it with --ignore-robots)",
                reason.unwrap_or_default(),
                entry.origin
            ));
            done.record = Some(r);
        }
        let mut sitemaps: Vec<Url> = robots
            .sitemaps()
            .iter()
            .filter_map(|s| resolve(None, s).ok())
            .collect();
        let listed = sitemaps.len();
        if let Ok(conventional) = url.join("/sitemap.xml") {
            if !sitemaps.contains(&conventional) {
                sitemaps.push(conventional);
            }
        }
        for (i, s) in sitemaps.iter().enumerate() {
            if !host_allowed(s, &self.settings.allowed_hosts) {
                continue;
            }
            done.links.push(NewEntry::queued(Entry {
                url: s.to_string(),
                origin: origin(s),
                kind: EntryKind::Sitemap,
                // Listed ones name robots.txt; the conventional path none.
                referrer: (i < listed).then(|| entry.url.clone()),
                depth: 0,
                redirects: Vec::new(),
            }));
        }
        Ok(done)
    }

    async fn sitemap(&self, entry: &Entry, url: &Url) -> Result<Completion, StoreError> {
        let listed = entry.referrer.is_some();
        if !listed && !self.allowed_by_robots(entry).await? {
            return Ok(Completion {
                skipped: Some(SkipReason::Robots),
                ..Completion::default()
            });
        }
        let mut done = Completion::default();
        let failure = match self.fetch(entry, url, &Conditions::default()).await? {
            Fetched::Body(r) => {
                let sm = parse_sitemap(&r.body, self.settings.max_bytes);
                let pages: Vec<Url> = sm
                    .pages
                    .iter()
                    .filter_map(|p| resolve(None, p).ok())
                    .collect();
                let nested: Vec<Url> = sm
                    .sitemaps
                    .iter()
                    .filter_map(|p| resolve(None, p).ok())
                    .collect();
                done.links = self.follow(entry, &pages, 1, EntryKind::Link);
                done.links
                    .extend(self.follow(entry, &nested, 0, EntryKind::Sitemap));
                sm.error
            }
            Fetched::Status {
                status: 404 | 410, ..
            } if !listed => None,
            Fetched::Status { status, .. } => Some(format!("HTTP {status}")),
            Fetched::Redirect { location, .. } => {
                let target = location.and_then(|l| resolve(Some(url), &l).ok());
                if let Some(t) = target {
                    done.links = self.follow(entry, &[t], 0, EntryKind::Sitemap);
                }
                None
            }
            Fetched::TooLarge { limit, .. } => {
                Some(format!("larger than the size limit of {limit} bytes"))
            }
            Fetched::NotModified => None,
            Fetched::Failed(why) => Some(why),
        };
        if let Some(why) = failure {
            let mut r = self.record(entry, RecordKind::Crawl);
            r.error = Some(format!(
                "sitemap could not be read wholly ({why}): pages it lists may be missed"
            ));
            done.record = Some(r);
        }
        Ok(done)
    }

    fn guessed_kind(url: &Url) -> RecordKind {
        match super::urls::extension(url) {
            Some(ext) if ATTACHMENT_EXTENSIONS.contains(&ext.as_str()) => RecordKind::Attachment,
            _ => RecordKind::Page,
        }
    }

    async fn link(&self, entry: &Entry, url: &Url) -> Result<Completion, StoreError> {
        if !self.allowed_by_robots(entry).await? {
            return Ok(Completion {
                skipped: Some(SkipReason::Robots),
                ..Completion::default()
            });
        }
        let lexicon = self.engine.lexicon_version().to_string();
        let known = self.frontier.known(&entry.url).await?;
        // Validators are sent only when the verdict they would save is one
        // this lexicon made.
        let conditions = match &known {
            Some((k, Some(_))) if k.lexicon_version.as_deref() == Some(lexicon.as_str()) => {
                Conditions {
                    etag: k.etag.clone(),
                    last_modified: k.last_modified.clone(),
                }
            }
            _ => Conditions::default(),
        };
        let mut fetched = self.fetch(entry, url, &conditions).await?;
        let previous = known.as_ref().and_then(|(_, r)| r.clone());
        if fetched == Fetched::NotModified && previous.is_none() {
            fetched = self.fetch(entry, url, &Conditions::default()).await?;
        }
        let mut record = self.record(entry, Self::guessed_kind(url));
        let mut done = Completion::default();
        match fetched {
            Fetched::NotModified => {
                let (k, prev) = known.expect("a 304 comes only with what was known");
                let prev = prev.expect("checked above");
                copy_verdict(&mut record, &prev);
                record.status = Some(304);
                record.content_type = prev.content_type.clone();
                record.content_hash = prev.content_hash.clone();
                record.size = prev.size;
                record.unchanged = true;
                let links: Vec<Url> = k.links.iter().filter_map(|l| Url::parse(l).ok()).collect();
                done.links = self.follow(entry, &links, entry.depth + 1, EntryKind::Link);
                let mut k = k;
                k.record_id = Some(record.id.clone());
                done.known = Some((entry.url.clone(), k));
            }
            Fetched::Redirect { status, location } => {
                record.status = Some(status);
                self.redirect(entry, url, location, &mut record, &mut done);
            }
            Fetched::Status {
                status,
                content_type,
            } => {
                record.status = Some(status);
                record.content_type = content_type;
                record.error = Some(format!("HTTP {status}: not read"));
            }
            Fetched::TooLarge {
                status,
                content_type,
                limit,
            } => {
                record.status = Some(status);
                record.content_type = content_type;
                record.error = Some(format!(
                    "larger than the size limit of {limit} bytes: not read (a person must look)"
                ));
            }
            Fetched::Failed(why) => record.error = Some(why),
            Fetched::Body(resp) => {
                self.body(entry, url, resp, known, &mut record, &mut done, &lexicon)
                    .await?;
            }
        }
        self.disposition(&mut record, &mut done).await?;
        done.record = Some(record);
        Ok(done)
    }

    fn redirect(
        &self,
        entry: &Entry,
        url: &Url,
        location: Option<String>,
        record: &mut Record,
        done: &mut Completion,
    ) {
        let Some(location) = location else {
            record.error = Some("a redirect without a Location: not followed".into());
            return;
        };
        let target = match resolve(Some(url), &location) {
            Ok(t) => t,
            Err(e) => {
                record.error = Some(format!(
                    "redirects to an address that is not followed ({e})"
                ));
                return;
            }
        };
        let mut chain = entry.redirects.clone();
        chain.push(entry.url.clone());
        if chain.iter().any(|u| *u == target.as_str()) {
            record.error = Some(format!("redirect loop: {} → {target}", chain.join(" → ")));
        } else if chain.len() > MAX_REDIRECTS {
            record.error = Some(format!("more than {MAX_REDIRECTS} redirects in a row"));
        } else if !host_allowed(&target, &self.settings.allowed_hosts) {
            record.error = Some(format!(
                "redirects to {}, a host outside this inspection: not fetched (add it with --allow-host)",
                authority(&target)
            ));
        } else {
            record.kind = RecordKind::Redirect;
            record.decision = Decision::Pass;
            record.redirect_to = Some(target.to_string());
            done.links.push(NewEntry::queued(Entry {
                url: target.to_string(),
                origin: origin(&target),
                kind: EntryKind::Link,
                referrer: Some(entry.url.clone()),
                depth: entry.depth,
                redirects: chain,
            }));
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn body(
        &self,
        entry: &Entry,
        url: &Url,
        resp: Response,
        known: Option<(super::model::Known, Option<Record>)>,
        record: &mut Record,
        done: &mut Completion,
        lexicon: &str,
    ) -> Result<(), StoreError> {
        let hash = sha256_hex(&resp.body);
        record.status = Some(resp.status);
        record.content_type = resp.content_type.clone();
        record.content_hash = Some(hash.clone());
        record.size = Some(resp.body.len() as u64);
        let mut remember = super::model::Known {
            etag: resp.etag.clone(),
            last_modified: resp.last_modified.clone(),
            content_hash: Some(hash.clone()),
            lexicon_version: Some(lexicon.to_string()),
            record_id: Some(record.id.clone()),
            links: Vec::new(),
        };
        // The same content at another URL of this run: not scanned again.
        if let Some(first) = self.frontier.with_hash(&hash).await? {
            if first.url != record.url {
                copy_verdict(record, &first);
                record.duplicate_of = Some(first.url.clone());
                done.known = Some((entry.url.clone(), remember));
                return Ok(());
            }
        }
        // The same content as last run, scanned with this lexicon.
        if let Some((k, Some(prev))) = &known {
            if k.content_hash.as_deref() == Some(hash.as_str())
                && k.lexicon_version.as_deref() == Some(lexicon)
            {
                copy_verdict(record, prev);
                record.unchanged = true;
                let links: Vec<Url> = k.links.iter().filter_map(|l| Url::parse(l).ok()).collect();
                done.links = self.follow(entry, &links, entry.depth + 1, EntryKind::Link);
                remember.links = k.links.clone();
                done.known = Some((entry.url.clone(), remember));
                return Ok(());
            }
        }
        let name = resp
            .file_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| file_name(url));
        if is_page(resp.content_type.as_deref(), &name, &resp.body) {
            let decoded = decode_page(&resp.body, resp.content_type.as_deref());
            let links = page_links(url, &decoded.text);
            let allowed: Vec<Url> = links
                .iter()
                .filter(|l| host_allowed(l, &self.settings.allowed_hosts))
                .cloned()
                .collect();
            done.links = self.follow(entry, &links, entry.depth + 1, EntryKind::Link);
            remember.links = allowed.iter().map(Url::to_string).collect();
            record.kind = RecordKind::Page;
            record.title = page_title(&decoded.text);
            let (verdict, text) = scan_page(self.engine.clone(), decoded.text, readable(url)).await;
            apply_verdict(record, verdict);
            if decoded.malformed {
                add_error(
                    record,
                    format!(
                        "bytes not valid in {} (from the {}): some characters could not be read, a person must look",
                        decoded.encoding, decoded.source
                    ),
                );
            }
            record.content = text;
        } else {
            record.kind = RecordKind::Attachment;
            let name = if name.trim().is_empty() {
                "附件".to_string()
            } else {
                name
            };
            record.title = Some(name.clone());
            let verdict = scan_file(self.engine.clone(), name, resp.body).await;
            record.decision = verdict.decision;
            record.findings = verdict.findings;
            record.omitted = verdict.omitted;
            record.error = verdict.error;
        }
        done.known = Some((entry.url.clone(), remember));
        Ok(())
    }

    /// Applies the newest officer's action on the URL (see
    /// [`super::disposition`]).
    async fn disposition(
        &self,
        record: &mut Record,
        done: &mut Completion,
    ) -> Result<(), StoreError> {
        if let Some(action) = self.frontier.latest_action(&record.url).await? {
            done.check = apply_action(record, &action);
        }
        Ok(())
    }
}
