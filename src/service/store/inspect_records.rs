//! 网站巡检 records and officers' actions: one record per URL and run,
//! looked up by run, content hash or id; actions (each with its
//! `inspection_action` event) and the 已整改 checks later runs make (each
//! with its `inspection_checked` event); and what `verify_chain` compares
//! the action rows with.

use super::db::{now, parse_decision, random_id, Result, Store, StoreError};
use crate::service::inspect::model::{
    Action, ActionCheck, ActionKind, Check, CheckResult, Quiet, Record, RecordKind,
};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// An action to record.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    pub run_id: &'a str,
    pub record: &'a Record,
    pub action: ActionKind,
    pub officer_token: &'a str,
    pub officer: &'a str,
    pub comment: &'a str,
    pub review_id: Option<&'a str>,
}

const RECORD_COLUMNS: &str = "id, run_id, url, referrer, kind, status, content_type, title, decision, \
     findings, omitted, error, content_hash, size, content, redirect_to, duplicate_of, unchanged, quiet, \
     check_result, lexicon_version, worker, fetched_at";

const ACTION_COLUMNS: &str =
    "id, run_id, record_id, url, content_hash, action, officer_token, officer, \
     comment, review_id, created_at, check_run_id, check_result, checked_at";

fn corrupt(what: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what: what.to_string(),
        detail: detail.into(),
    }
}

fn record_from_row(row: &AnyRow) -> Result<Record> {
    let id: String = row.try_get("id")?;
    let what = format!("inspection record {id}");
    let json = |col: &str| -> Result<Option<String>> { Ok(row.try_get::<Option<String>, _>(col)?) };
    let kind: String = row.try_get("kind")?;
    let decision: String = row.try_get("decision")?;
    let findings: String = row.try_get("findings")?;
    Ok(Record {
        run_id: row.try_get("run_id")?,
        url: row.try_get("url")?,
        referrer: row.try_get("referrer")?,
        kind: RecordKind::parse(&kind).ok_or_else(|| corrupt(&what, format!("kind {kind:?}")))?,
        status: row
            .try_get::<Option<i64>, _>("status")?
            .and_then(|s| u16::try_from(s).ok()),
        content_type: row.try_get("content_type")?,
        title: row.try_get("title")?,
        decision: parse_decision(&decision)
            .ok_or_else(|| corrupt(&what, format!("decision {decision:?}")))?,
        findings: serde_json::from_str(&findings).map_err(|e| corrupt(&what, e.to_string()))?,
        omitted: match json("omitted")? {
            Some(o) => serde_json::from_str(&o).map_err(|e| corrupt(&what, e.to_string()))?,
            None => Vec::new(),
        },
        error: row.try_get("error")?,
        content_hash: row.try_get("content_hash")?,
        size: row
            .try_get::<Option<i64>, _>("size")?
            .map(|s| s.max(0) as u64),
        content: row.try_get("content")?,
        redirect_to: row.try_get("redirect_to")?,
        duplicate_of: row.try_get("duplicate_of")?,
        unchanged: row.try_get::<i64, _>("unchanged")? != 0,
        quiet: json("quiet")?.and_then(|q| serde_json::from_str::<Quiet>(&q).ok()),
        check: json("check_result")?.and_then(|c| serde_json::from_str::<Check>(&c).ok()),
        lexicon_version: row.try_get("lexicon_version")?,
        worker: row.try_get("worker")?,
        fetched_at: row.try_get("fetched_at")?,
        id,
    })
}

fn action_from_row(row: &AnyRow) -> Result<Action> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("action")?;
    let action = ActionKind::parse(&kind).ok_or_else(|| {
        corrupt(
            &format!("inspection action {id}"),
            format!("action {kind:?}"),
        )
    })?;
    let check_run: Option<String> = row.try_get("check_run_id")?;
    let result: Option<String> = row.try_get("check_result")?;
    let checked_at: Option<String> = row.try_get("checked_at")?;
    let check = match (
        check_run,
        result.as_deref().and_then(CheckResult::parse),
        checked_at,
    ) {
        (Some(run_id), Some(result), Some(at)) => Some(ActionCheck {
            run_id,
            label: result.label_zh().to_string(),
            result,
            at,
        }),
        _ => None,
    };
    Ok(Action {
        run_id: row.try_get("run_id")?,
        record_id: row.try_get("record_id")?,
        url: row.try_get("url")?,
        content_hash: row.try_get("content_hash")?,
        label: action.label_zh().to_string(),
        action,
        officer: row.try_get("officer")?,
        comment: row.try_get("comment")?,
        review_id: row.try_get("review_id")?,
        created_at: row.try_get("created_at")?,
        check,
        id,
    })
}

impl Store {
    pub(super) async fn insert_record(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        r: &Record,
    ) -> Result<()> {
        let findings = serde_json::to_string(&r.findings).unwrap_or_else(|_| "[]".into());
        let omitted =
            (!r.omitted.is_empty()).then(|| serde_json::to_string(&r.omitted).unwrap_or_default());
        // The page's text is kept where an officer needs it: records that
        // are not `pass`.
        let content = (r.decision != crate::engine::verdict::Decision::Pass)
            .then_some(r.content.as_deref())
            .flatten();
        let quiet = r
            .quiet
            .as_ref()
            .map(|q| serde_json::to_string(q).unwrap_or_default());
        let check = r
            .check
            .as_ref()
            .map(|c| serde_json::to_string(c).unwrap_or_default());
        sqlx::query(&format!(
            "INSERT INTO inspect_records ({RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
             ON CONFLICT (run_id, url) DO NOTHING"
        ))
        .bind(&r.id)
        .bind(&r.run_id)
        .bind(&r.url)
        .bind(&r.referrer)
        .bind(r.kind.as_str())
        .bind(r.status.map(i64::from))
        .bind(&r.content_type)
        .bind(&r.title)
        .bind(r.decision.as_str())
        .bind(findings)
        .bind(omitted)
        .bind(&r.error)
        .bind(&r.content_hash)
        .bind(r.size.map(|s| s.min(i64::MAX as u64) as i64))
        .bind(content)
        .bind(&r.redirect_to)
        .bind(&r.duplicate_of)
        .bind(i64::from(r.unchanged))
        .bind(quiet)
        .bind(check)
        .bind(&r.lexicon_version)
        .bind(&r.worker)
        .bind(&r.fetched_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Every record of a run, by URL.
    pub async fn inspection_records(&self, run_id: &str) -> Result<Vec<Record>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM inspect_records WHERE run_id = $1 ORDER BY url"
        ))
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Records of the runs started in `[from, to)`.
    pub async fn inspection_records_between(&self, from: &str, to: &str) -> Result<Vec<Record>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM inspect_records r WHERE r.run_id IN (SELECT id FROM inspect_runs \
             WHERE created_at >= $1 AND created_at < $2) ORDER BY r.fetched_at, r.id",
            RECORD_COLUMNS
                .split(", ")
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    pub async fn inspection_record(&self, id: &str) -> Result<Option<Record>> {
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM inspect_records WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// The first record of the run with this content (for deduplication).
    pub async fn record_with_hash(&self, run_id: &str, hash: &str) -> Result<Option<Record>> {
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM inspect_records WHERE run_id = $1 AND content_hash = $2 \
             AND duplicate_of IS NULL AND kind IN ('page', 'attachment') ORDER BY fetched_at, id LIMIT 1"
        ))
        .bind(run_id)
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// Records an officer's action and its `inspection_action` event.
    pub async fn record_action(&self, a: NewAction<'_>) -> Result<Action> {
        let id = random_id("ia");
        let at = now();
        let payload = serde_json::json!({
            "run_id": a.run_id,
            "record_id": a.record.id,
            "url": a.record.url,
            "content_hash": a.record.content_hash,
            "action": a.action,
            "officer_token": a.officer_token,
            "officer": a.officer,
            "comment": a.comment,
            "review_id": a.review_id,
        })
        .to_string();
        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        self.lock_chain(&mut tx).await?;
        sqlx::query(&format!(
            "INSERT INTO inspect_actions ({ACTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, NULL, NULL, NULL)"
        ))
        .bind(&id)
        .bind(a.run_id)
        .bind(&a.record.id)
        .bind(&a.record.url)
        .bind(&a.record.content_hash)
        .bind(a.action.as_str())
        .bind(a.officer_token)
        .bind(a.officer)
        .bind(a.comment)
        .bind(a.review_id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        self.append_event(&mut tx, &id, "inspection_action", a.officer, &payload, &at)
            .await?;
        tx.commit().await?;
        drop(_guard);
        self.inspection_action(&id).await?.ok_or_else(|| {
            corrupt(
                &format!("inspection action {id}"),
                "not found right after commit",
            )
        })
    }

    pub async fn inspection_action(&self, id: &str) -> Result<Option<Action>> {
        let row = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM inspect_actions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(action_from_row).transpose()
    }

    /// Actions taken on records of one run, oldest first.
    pub async fn inspection_actions(&self, run_id: &str) -> Result<Vec<Action>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM inspect_actions WHERE run_id = $1 ORDER BY created_at, id"
        ))
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(action_from_row).collect()
    }

    /// Actions taken in `[from, to)`.
    pub async fn inspection_actions_between(&self, from: &str, to: &str) -> Result<Vec<Action>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM inspect_actions WHERE created_at >= $1 AND created_at < $2 \
             ORDER BY created_at, id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(action_from_row).collect()
    }

    /// The newest action on `url`, if any.
    pub async fn latest_action(&self, url: &str) -> Result<Option<Action>> {
        let row = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM inspect_actions WHERE url = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
        ))
        .bind(url)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(action_from_row).transpose()
    }

    /// URLs marked 已整改 that no run has checked yet (the next run fetches
    /// them even when nothing links them any more).
    pub async fn unchecked_rectifications(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT url FROM inspect_actions WHERE action = 'rectified' AND check_result IS NULL ORDER BY url",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("url")?)).collect()
    }

    /// Records what a run found where an action said 已整改, once (the
    /// first run to check it), with its `inspection_checked` event.
    pub(super) async fn record_check(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        action_id: &str,
        run_id: &str,
        result: CheckResult,
        at: &str,
    ) -> Result<()> {
        let first = sqlx::query(
            "UPDATE inspect_actions SET check_run_id = $1, check_result = $2, checked_at = $3 \
             WHERE id = $4 AND check_result IS NULL",
        )
        .bind(run_id)
        .bind(result.as_str())
        .bind(at)
        .bind(action_id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if first {
            self.lock_chain(tx).await?;
            let payload = serde_json::json!({
                "run_id": run_id,
                "result": result,
            })
            .to_string();
            self.append_event(
                tx,
                action_id,
                "inspection_checked",
                "网站巡检",
                &payload,
                at,
            )
            .await?;
        }
        Ok(())
    }

    /// Every action row must be what its `inspection_action` event recorded,
    /// and its check what its `inspection_checked` event did; `None` when
    /// they agree. Values are never quoted (a comment may quote a leak).
    pub(super) async fn check_inspection_actions(
        &self,
        actions: &BTreeMap<String, Value>,
        checks: &BTreeMap<String, (Value, String)>,
    ) -> Result<Option<String>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM inspect_actions ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut seen = 0usize;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let Some(want) = actions.get(&id) else {
                return Ok(Some(format!(
                    "inspection action {id} is not in the chain (inserted outside baomi)"
                )));
            };
            seen += 1;
            for field in [
                "run_id",
                "record_id",
                "url",
                "content_hash",
                "action",
                "officer_token",
                "officer",
                "comment",
                "review_id",
            ] {
                let have: Option<String> = row.try_get(field)?;
                if want.get(field).and_then(Value::as_str).map(str::to_string) != have {
                    return Ok(Some(format!(
                        "inspection action {id} was changed: its {field} differs from what the chain recorded"
                    )));
                }
            }
            let result: Option<String> = row.try_get("check_result")?;
            let check_run: Option<String> = row.try_get("check_run_id")?;
            let chained = checks.get(&id);
            let agrees = match (chained, &result) {
                (None, None) => true,
                (Some((p, _)), Some(r)) => {
                    p["result"].as_str() == Some(r.as_str())
                        && p["run_id"].as_str() == check_run.as_deref()
                }
                _ => false,
            };
            if !agrees {
                return Ok(Some(format!(
                    "the 已整改 check of inspection action {id} differs from what the chain recorded"
                )));
            }
        }
        if seen != actions.len() {
            return Ok(Some(
                "an inspection action recorded in the chain was deleted from its table".into(),
            ));
        }
        Ok(None)
    }
}
