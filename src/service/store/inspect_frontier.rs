//! The shared URL frontier of a run: pushing URLs (each once per run),
//! leasing them to workers, renewing and completing leases.
//!
//! Contract:
//! - a URL is in a run's frontier at most once (primary key), so it is
//!   leased at most once, except when its lease expired (its worker died or
//!   stalled past the lease): then another worker takes it, and the first
//!   one's completion is refused ([`Store::complete_entry`] answers `false`);
//! - leasing is one statement: `UPDATE … WHERE url = (SELECT … FOR UPDATE
//!   SKIP LOCKED)` on PostgreSQL, so concurrent workers of several instances
//!   never wait for or take the same row; on SQLite the single writer makes
//!   the same statement atomic;
//! - an origin's URLs are leased only once its robots.txt entry is done;
//! - a link's first lease counts against the run's `max_pages`; past it the
//!   entry is skipped (`max_pages`), not leased.

use super::db::{epoch_ms, now, Backend, Result, Store};
use crate::service::inspect::model::{Entry, EntryKind, Known, Record, SkipReason};
use sqlx::Row;
use std::sync::atomic::{AtomicI64, Ordering};

/// An entry to push: queued, or recorded as skipped (too deep).
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub entry: Entry,
    pub skip: Option<SkipReason>,
}

impl NewEntry {
    pub fn queued(entry: Entry) -> NewEntry {
        NewEntry { entry, skip: None }
    }
}

/// What a lease attempt gave.
#[derive(Debug, Clone)]
pub enum Leased {
    Entry(Entry),
    /// An entry was taken off the frontier without work (over `max_pages`).
    Skipped,
    /// Nothing leasable now.
    Empty,
}

/// The result of working on one leased entry, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub record: Option<Record>,
    pub links: Vec<NewEntry>,
    /// For a robots entry: the origin's robots.txt as stored.
    pub robots: Option<Option<String>>,
    pub known: Option<(String, Known)>,
    /// An 已整改 check made: the action and its result.
    pub check: Option<(String, crate::service::inspect::model::CheckResult)>,
    /// Not fetched, and why.
    pub skipped: Option<SkipReason>,
}

/// Discovery order across instances: milliseconds, then a counter.
fn next_seq() -> i64 {
    static COUNTER: AtomicI64 = AtomicI64::new(0);
    epoch_ms() * 1000 + COUNTER.fetch_add(1, Ordering::Relaxed).rem_euclid(1000)
}

impl Store {
    /// Pushes entries (each URL once per run) and, for each new origin, its
    /// origin row and robots.txt entry.
    pub(super) async fn push_entries(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        run_id: &str,
        entries: &[NewEntry],
    ) -> Result<()> {
        for new in entries {
            let e = &new.entry;
            let origin_new = sqlx::query(
                "INSERT INTO inspect_origins (run_id, origin, robots, robots_done, next_slot) \
                 VALUES ($1, $2, NULL, 0, 0) ON CONFLICT (run_id, origin) DO NOTHING",
            )
            .bind(run_id)
            .bind(&e.origin)
            .execute(&mut **tx)
            .await?
            .rows_affected()
                == 1;
            if origin_new {
                let robots = Entry {
                    url: format!("{}/robots.txt", e.origin),
                    origin: e.origin.clone(),
                    kind: EntryKind::Robots,
                    referrer: None,
                    depth: 0,
                    redirects: Vec::new(),
                };
                Self::insert_entry(tx, run_id, &robots, None).await?;
            }
            Self::insert_entry(tx, run_id, e, new.skip).await?;
        }
        Ok(())
    }

    async fn insert_entry(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        run_id: &str,
        e: &Entry,
        skip: Option<SkipReason>,
    ) -> Result<()> {
        let redirects = (!e.redirects.is_empty())
            .then(|| serde_json::to_string(&e.redirects).unwrap_or_default());
        sqlx::query(
            "INSERT INTO inspect_frontier (run_id, url, origin, kind, priority, referrer, depth, redirects, \
             state, skip_reason, lease_owner, lease_until, attempts, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, 0, $11) \
             ON CONFLICT (run_id, url) DO NOTHING",
        )
        .bind(run_id)
        .bind(&e.url)
        .bind(&e.origin)
        .bind(e.kind.as_str())
        .bind(e.kind.priority())
        .bind(&e.referrer)
        .bind(i64::from(e.depth))
        .bind(redirects)
        .bind(if skip.is_some() { "skipped" } else { "queued" })
        .bind(skip.map(SkipReason::as_str))
        .bind(next_seq())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Leases the next entry of the run to `worker` until now + `ttl_ms`.
    pub async fn lease_entry(
        &self,
        run_id: &str,
        worker: &str,
        ttl_ms: i64,
        max_pages: u64,
    ) -> Result<Leased> {
        let now = epoch_ms();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "UPDATE inspect_frontier SET state = 'leased', lease_owner = $1, lease_until = $2, \
             attempts = attempts + 1 WHERE run_id = $3 AND url = (SELECT f.url FROM inspect_frontier f \
             WHERE f.run_id = $3 AND (f.state = 'queued' OR (f.state = 'leased' AND f.lease_until < $4)) \
             AND (f.kind = 'robots' OR EXISTS (SELECT 1 FROM inspect_origins o WHERE o.run_id = f.run_id \
             AND o.origin = f.origin AND o.robots_done = 1)) \
             ORDER BY f.priority, f.depth, f.seq LIMIT 1{lock}) \
             RETURNING url, origin, kind, referrer, depth, redirects, attempts"
        ))
        .bind(worker)
        .bind(now + ttl_ms)
        .bind(run_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Leased::Empty);
        };
        let kind: String = row.try_get("kind")?;
        let kind = EntryKind::parse(&kind).unwrap_or(EntryKind::Link);
        let redirects: Option<String> = row.try_get("redirects")?;
        let entry = Entry {
            url: row.try_get("url")?,
            origin: row.try_get("origin")?,
            kind,
            referrer: row.try_get("referrer")?,
            depth: row.try_get::<i64, _>("depth")?.clamp(0, u32::MAX as i64) as u32,
            redirects: redirects
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
        };
        let attempts: i64 = row.try_get("attempts")?;
        if kind == EntryKind::Link && attempts == 1 {
            let budget = sqlx::query(
                "UPDATE inspect_runs SET leased = leased + 1 WHERE id = $1 AND leased < $2",
            )
            .bind(run_id)
            .bind(max_pages.min(i64::MAX as u64) as i64)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if budget == 0 {
                self.skip_entry(run_id, &entry.url, worker, SkipReason::MaxPages)
                    .await?;
                return Ok(Leased::Skipped);
            }
        }
        Ok(Leased::Entry(entry))
    }

    /// Extends a lease the worker still holds; `false` when it lost it.
    pub async fn renew_lease(
        &self,
        run_id: &str,
        url: &str,
        worker: &str,
        ttl_ms: i64,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE inspect_frontier SET lease_until = $1 WHERE run_id = $2 AND url = $3 \
             AND lease_owner = $4 AND state = 'leased'",
        )
        .bind(epoch_ms() + ttl_ms)
        .bind(run_id)
        .bind(url)
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Takes a leased entry off the frontier without a record.
    pub async fn skip_entry(
        &self,
        run_id: &str,
        url: &str,
        worker: &str,
        why: SkipReason,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE inspect_frontier SET state = 'skipped', skip_reason = $1 WHERE run_id = $2 \
             AND url = $3 AND lease_owner = $4",
        )
        .bind(why.as_str())
        .bind(run_id)
        .bind(url)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Entries still queued or leased.
    pub async fn frontier_remaining(&self, run_id: &str) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM inspect_frontier WHERE run_id = $1 AND state IN ('queued', 'leased')",
        )
        .bind(run_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")?.max(0) as u64)
    }

    /// Completes a leased entry: marks it done (or skipped), writes its
    /// record, its links, the origin's robots.txt, what is known of the URL
    /// and the 已整改 check, in one transaction. `false` (and nothing
    /// written) when the worker no longer holds the lease.
    pub async fn complete_entry(
        &self,
        run_id: &str,
        entry: &Entry,
        worker: &str,
        done: Completion,
    ) -> Result<bool> {
        let at = now();
        // The chain lock is taken first when an event will be appended, so
        // that every appender locks in the same order.
        let _guard = match done.check {
            Some(_) => Some(self.append_lock.lock().await),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let (state, reason) = match done.skipped {
            Some(r) => ("skipped", Some(r.as_str())),
            None => ("done", None),
        };
        let held = sqlx::query(
            "UPDATE inspect_frontier SET state = $1, skip_reason = $2 WHERE run_id = $3 AND url = $4 \
             AND lease_owner = $5 AND state = 'leased'",
        )
        .bind(state)
        .bind(reason)
        .bind(run_id)
        .bind(&entry.url)
        .bind(worker)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !held {
            return Ok(false);
        }
        if let Some(record) = &done.record {
            Self::insert_record(&mut tx, record).await?;
        }
        Self::push_entries(&mut tx, run_id, &done.links).await?;
        if let Some(robots) = &done.robots {
            sqlx::query(
                "UPDATE inspect_origins SET robots = $1, robots_done = 1 WHERE run_id = $2 AND origin = $3",
            )
            .bind(robots.as_deref())
            .bind(run_id)
            .bind(&entry.origin)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((url, known)) = &done.known {
            Self::upsert_known(&mut tx, url, known, &at).await?;
        }
        if let Some((action_id, result)) = &done.check {
            self.record_check(&mut tx, action_id, run_id, *result, &at)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn upsert_known(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        url: &str,
        k: &Known,
        at: &str,
    ) -> Result<()> {
        let links = serde_json::to_string(&k.links).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO inspect_urls (url, etag, last_modified, content_hash, lexicon_version, record_id, links, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, \
             last_modified = excluded.last_modified, content_hash = excluded.content_hash, \
             lexicon_version = excluded.lexicon_version, record_id = excluded.record_id, \
             links = excluded.links, updated_at = excluded.updated_at",
        )
        .bind(url)
        .bind(&k.etag)
        .bind(&k.last_modified)
        .bind(&k.content_hash)
        .bind(&k.lexicon_version)
        .bind(&k.record_id)
        .bind(links)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// What the last run knew of `url`.
    pub async fn known_url(&self, url: &str) -> Result<Option<Known>> {
        let row = sqlx::query(
            "SELECT etag, last_modified, content_hash, lexicon_version, record_id, links FROM inspect_urls WHERE url = $1",
        )
        .bind(url)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let links: Option<String> = row.try_get("links")?;
        Ok(Some(Known {
            etag: row.try_get("etag")?,
            last_modified: row.try_get("last_modified")?,
            content_hash: row.try_get("content_hash")?,
            lexicon_version: row.try_get("lexicon_version")?,
            record_id: row.try_get("record_id")?,
            links: links
                .and_then(|l| serde_json::from_str(&l).ok())
                .unwrap_or_default(),
        }))
    }
}
