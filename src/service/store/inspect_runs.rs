//! 网站巡检 runs: starting one (its frontier seeded, an `inspection_started`
//! event in the chain), reading them, finishing one exactly once however
//! many instances work on it, per-origin robots.txt and request slots, and
//! claiming due schedules.

use super::db::{epoch_ms, now, random_id, Result, Store, StoreError};
use super::inspect_frontier::NewEntry;
use crate::service::inspect::model::{Entry, EntryKind, RunSettings};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A run as stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RunRow {
    pub id: String,
    pub name: String,
    pub settings: RunSettings,
    /// `running` or `finished`.
    pub status: String,
    pub started_by: String,
    pub schedule: Option<String>,
    pub lexicon_version: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// A run to start.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub name: &'a str,
    pub settings: &'a RunSettings,
    pub started_by: &'a str,
    pub schedule: Option<&'a str>,
    pub lexicon_version: &'a str,
    /// URLs to fetch besides the start URLs (pending 已整改 checks).
    pub also: Vec<String>,
}

/// How far a run's frontier got.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FrontierCounts {
    pub queued: u64,
    pub leased: u64,
    pub done: u64,
    pub skipped_robots: u64,
    pub skipped_depth: u64,
    pub skipped_pages: u64,
}

impl Store {
    const RUN_COLUMNS: &'static str = "id, name, settings, status, started_by, schedule, \
         lexicon_version, created_at, finished_at";

    fn run_from_row(row: &AnyRow) -> Result<RunRow> {
        let id: String = row.try_get("id")?;
        let settings: String = row.try_get("settings")?;
        Ok(RunRow {
            settings: serde_json::from_str(&settings).map_err(|e| StoreError::Corrupt {
                what: format!("inspection {id}"),
                detail: format!("settings: {e}"),
            })?,
            id,
            name: row.try_get("name")?,
            status: row.try_get("status")?,
            started_by: row.try_get("started_by")?,
            schedule: row.try_get("schedule")?,
            lexicon_version: row.try_get("lexicon_version")?,
            created_at: row.try_get("created_at")?,
            finished_at: row.try_get("finished_at")?,
        })
    }

    /// Starts a run: the row, its seeded frontier and its chain event, in
    /// one transaction.
    pub async fn create_inspection(&self, new: NewRun<'_>) -> Result<RunRow> {
        let id = random_id("ir");
        let at = now();
        let settings = serde_json::to_string(new.settings).unwrap_or_else(|_| "{}".into());
        let payload = serde_json::json!({
            "name": new.name,
            "settings": new.settings,
            "started_by": new.started_by,
            "schedule": new.schedule,
            "lexicon_version": new.lexicon_version,
        })
        .to_string();
        let mut seeds = Vec::new();
        for url in new.settings.start.iter().chain(&new.also) {
            if let Ok(u) = url::Url::parse(url) {
                seeds.push(NewEntry::queued(Entry {
                    url: u.to_string(),
                    origin: crate::service::inspect::urls::origin(&u),
                    kind: EntryKind::Link,
                    referrer: None,
                    depth: 0,
                    redirects: Vec::new(),
                }));
            }
        }
        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        self.lock_chain(&mut tx).await?;
        sqlx::query(&format!(
            "INSERT INTO inspect_runs ({}, leased) VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, NULL, 0)",
            Self::RUN_COLUMNS
        ))
        .bind(&id)
        .bind(new.name)
        .bind(&settings)
        .bind(new.started_by)
        .bind(new.schedule)
        .bind(new.lexicon_version)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        Self::push_entries(&mut tx, &id, &seeds).await?;
        self.append_event(
            &mut tx,
            &id,
            "inspection_started",
            new.started_by,
            &payload,
            &at,
        )
        .await?;
        tx.commit().await?;
        drop(_guard);
        self.inspection(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("inspection {id}"),
                detail: "not found right after commit".into(),
            })
    }

    pub async fn inspection(&self, id: &str) -> Result<Option<RunRow>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM inspect_runs WHERE id = $1",
            Self::RUN_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::run_from_row).transpose()
    }

    /// Runs, newest first (at most `limit`).
    pub async fn inspections(&self, limit: i64) -> Result<Vec<RunRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM inspect_runs ORDER BY created_at DESC, id DESC LIMIT $1",
            Self::RUN_COLUMNS
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::run_from_row).collect()
    }

    /// Runs started in `[from, to)`.
    pub async fn inspections_between(&self, from: &str, to: &str) -> Result<Vec<RunRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM inspect_runs WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id",
            Self::RUN_COLUMNS
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::run_from_row).collect()
    }

    /// Runs still being crawled, oldest first.
    pub async fn running_inspections(&self) -> Result<Vec<RunRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM inspect_runs WHERE status = 'running' ORDER BY created_at, id",
            Self::RUN_COLUMNS
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::run_from_row).collect()
    }

    /// Marks the run finished when nothing is queued or leased any more;
    /// `true` for the one caller that did it (it appends the
    /// `inspection_finished` event).
    pub async fn finish_inspection(&self, id: &str, summary: &serde_json::Value) -> Result<bool> {
        let at = now();
        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        self.lock_chain(&mut tx).await?;
        let done = sqlx::query(
            "UPDATE inspect_runs SET status = 'finished', finished_at = $1 WHERE id = $2 \
             AND status = 'running' AND NOT EXISTS (SELECT 1 FROM inspect_frontier \
             WHERE run_id = $2 AND state IN ('queued', 'leased'))",
        )
        .bind(&at)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !done {
            return Ok(false);
        }
        self.append_event(
            &mut tx,
            id,
            "inspection_finished",
            "网站巡检",
            &summary.to_string(),
            &at,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The frontier's counts by state.
    pub async fn frontier_counts(&self, run_id: &str) -> Result<FrontierCounts> {
        let rows = sqlx::query(
            "SELECT state, skip_reason, COUNT(*) AS n FROM inspect_frontier WHERE run_id = $1 \
             AND kind = 'link' GROUP BY state, skip_reason",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        let mut c = FrontierCounts::default();
        for row in &rows {
            let n = row.try_get::<i64, _>("n")?.max(0) as u64;
            let state: String = row.try_get("state")?;
            let reason: Option<String> = row.try_get("skip_reason")?;
            match (state.as_str(), reason.as_deref()) {
                ("queued", _) => c.queued += n,
                ("leased", _) => c.leased += n,
                ("done", _) => c.done += n,
                ("skipped", Some("robots")) => c.skipped_robots += n,
                ("skipped", Some("max_depth")) => c.skipped_depth += n,
                ("skipped", _) => c.skipped_pages += n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// An origin's robots.txt as fetched in this run: `None` until its
    /// robots entry is done; then the stored body (see `Robots::to_stored`).
    pub async fn origin_robots(
        &self,
        run_id: &str,
        origin: &str,
    ) -> Result<Option<Option<String>>> {
        let row = sqlx::query(
            "SELECT robots, robots_done FROM inspect_origins WHERE run_id = $1 AND origin = $2",
        )
        .bind(run_id)
        .bind(origin)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) if r.try_get::<i64, _>("robots_done")? == 1 => Ok(Some(r.try_get("robots")?)),
            _ => Ok(None),
        }
    }

    /// Reserves the origin's next request slot, `interval_ms` after the last
    /// one (shared by every instance); the epoch ms to wait for.
    pub async fn reserve_slot(&self, run_id: &str, origin: &str, interval_ms: i64) -> Result<i64> {
        let now = epoch_ms();
        let row = sqlx::query(
            "UPDATE inspect_origins SET next_slot = CASE WHEN next_slot > $1 THEN next_slot ELSE $1 END + $2 \
             WHERE run_id = $3 AND origin = $4 RETURNING next_slot",
        )
        .bind(now)
        .bind(interval_ms)
        .bind(run_id)
        .bind(origin)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("next_slot")? - interval_ms,
            None => now,
        })
    }

    /// Claims schedule `name` if it is due at `at` (or has never run):
    /// `true` for the one instance that should start its run; the schedule
    /// is then due again at `next`.
    pub async fn claim_schedule(&self, name: &str, at: &str, next: &str) -> Result<bool> {
        sqlx::query(
            "INSERT INTO inspect_schedules (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(at)
        .execute(&self.pool)
        .await?;
        let claimed = sqlx::query(
            "UPDATE inspect_schedules SET next_run_at = $1 WHERE name = $2 AND next_run_at <= $3",
        )
        .bind(next)
        .bind(name)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Remembers the run a schedule started.
    pub async fn set_schedule_run(&self, name: &str, run_id: &str) -> Result<()> {
        sqlx::query("UPDATE inspect_schedules SET last_run_id = $1 WHERE name = $2")
            .bind(run_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Each schedule's next due time and last run.
    pub async fn schedules(&self) -> Result<Vec<(String, String, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT name, next_run_at, last_run_id FROM inspect_schedules ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("name")?,
                    r.try_get("next_run_at")?,
                    r.try_get("last_run_id")?,
                ))
            })
            .collect()
    }
}
