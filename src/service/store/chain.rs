//! The audit chain: `events` is append-only and hash-chained; each row's
//! `hash` covers its own fields and the previous row's hash. Appends are
//! serialized (an in-process lock, plus `pg_advisory_xact_lock` on
//! PostgreSQL). [`Store::verify_chain`] names the first event that was
//! changed, inserted or deleted, and any review, resolution or item row
//! that disagrees with the chain: a `submitted` event holds every field of
//! its review that no later event changes (and the hash of the stored
//! text), `resolved` events the status and level changes and the
//! resolution rows, `submitted`/`resubmitted` events which review each
//! item shows. What the chain alone cannot see is its own end cut off:
//! that is what signed anchors are for (see `service::anchors`).

use super::db::{framed_sha256, sha256_hex, Backend, Result, Store};
use super::hashes::{event_hash, GENESIS};
use super::statements::{CHAIN_HEAD, INSERT_EVENT};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub events: i64,
    pub reviews: i64,
    /// The first problem, naming the row; `None` when everything verifies.
    pub problem: Option<String>,
    /// The last event: its number and hash (what an anchor signs).
    pub head: Option<(i64, String)>,
}

impl fmt::Display for ChainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            None => write!(
                f,
                "audit chain verifies: {} events, {} reviews",
                self.events, self.reviews
            ),
            Some(p) => write!(f, "audit chain broken: {p}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ResolutionFields {
    created_at: String,
    action: String,
    officer_token: String,
    officer: String,
    level: i64,
    comment: String,
    basis: String,
    override_block: bool,
}

impl Store {
    pub(super) async fn lock_chain(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7212002)")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    pub(super) async fn append_event(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        review_id: &str,
        kind: &str,
        actor: &str,
        payload: &str,
        at: &str,
    ) -> Result<()> {
        let head = sqlx::query(CHAIN_HEAD).fetch_optional(&mut **tx).await?;
        let (seq, prev) = match head {
            Some(row) => (
                row.try_get::<i64, _>("seq")? + 1,
                row.try_get::<String, _>("hash")?,
            ),
            None => (1, GENESIS.to_string()),
        };
        let hash = event_hash(2, seq, &prev, review_id, kind, actor, payload, at);
        sqlx::query(INSERT_EVENT)
            .bind(seq)
            .bind(review_id)
            .bind(kind)
            .bind(actor)
            .bind(payload)
            .bind(at)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    // ----- audit --------------------------------------------------------

    /// The last event's number and hash.
    pub async fn chain_head(&self) -> Result<Option<(i64, String)>> {
        let row = sqlx::query(CHAIN_HEAD).fetch_optional(&self.pool).await?;
        row.map(|r| Ok((r.try_get("seq")?, r.try_get("hash")?)))
            .transpose()
    }

    /// The hash of event `seq`, if there is one.
    pub async fn event_hash_at(&self, seq: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT hash FROM events WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("hash")).transpose()?)
    }

    /// Walks the chain from the first event; see the module docs.
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        let rows = sqlx::query(
            "SELECT seq, review_id, kind, actor, payload, created_at, prev_hash, hash, hash_version \
             FROM events ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let events = rows.len() as i64;
        let mut report = ChainReport {
            events,
            reviews: 0,
            problem: None,
            head: None,
        };
        let mut expected_prev = GENESIS.to_string();
        // What the chain says each review, resolution list and item holds.
        let mut replay: BTreeMap<String, Replayed> = BTreeMap::new();
        let mut chained_resolutions: BTreeMap<String, Vec<ResolutionFields>> = BTreeMap::new();
        let mut current: BTreeMap<(String, String), String> = BTreeMap::new();
        // 网站巡检: actions and their 已整改 checks, by action id.
        let mut actions: BTreeMap<String, Value> = BTreeMap::new();
        let mut checks: BTreeMap<String, (Value, String)> = BTreeMap::new();
        for (expected_seq, row) in (1i64..).zip(rows.iter()) {
            let seq: i64 = row.try_get("seq")?;
            let review_id: String = row.try_get("review_id")?;
            let kind: String = row.try_get("kind")?;
            let actor: String = row.try_get("actor")?;
            let payload: String = row.try_get("payload")?;
            let at: String = row.try_get("created_at")?;
            let prev: String = row.try_get("prev_hash")?;
            let hash: String = row.try_get("hash")?;
            let version: Option<i64> = row.try_get("hash_version")?;
            if seq != expected_seq {
                report.problem = Some(format!(
                    "event {expected_seq} is missing (deleted): the chain jumps from {} to {seq}",
                    expected_seq - 1
                ));
                return Ok(report);
            }
            if prev != expected_prev {
                report.problem = Some(format!(
                    "event {seq} does not follow event {}: an event was inserted or deleted before it",
                    seq - 1
                ));
                return Ok(report);
            }
            let recomputed = event_hash(
                version.unwrap_or(1),
                seq,
                &prev,
                &review_id,
                &kind,
                &actor,
                &payload,
                &at,
            );
            if recomputed != hash {
                report.problem = Some(format!(
                    "event {seq} (review {review_id}, {kind}) was changed"
                ));
                return Ok(report);
            }
            let p: Value = serde_json::from_str(&payload).unwrap_or_default();
            let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            match kind.as_str() {
                "submitted" => {
                    let scope = p
                        .get("token_id")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    if let Some(scope) = &scope {
                        current.insert((scope.clone(), text("item_id")), review_id.clone());
                    }
                    replay.insert(
                        review_id,
                        Replayed {
                            payload: p,
                            created_at: at,
                        },
                    );
                }
                "resubmitted" => {
                    if !replay.contains_key(&review_id) {
                        report.problem = Some(format!(
                            "event {seq} resubmits review {review_id}, which was never submitted"
                        ));
                        return Ok(report);
                    }
                    current.insert((text("token_id"), text("item_id")), review_id);
                }
                "resolved" => {
                    let Some(state) = replay.get_mut(&review_id) else {
                        report.problem = Some(format!(
                            "event {seq} resolves review {review_id}, which was never submitted"
                        ));
                        return Ok(report);
                    };
                    state.payload["status"] = p["status"].clone();
                    if let Some(level) = p["new_level"].as_i64() {
                        state.payload["level"] = Value::from(level);
                    }
                    chained_resolutions
                        .entry(review_id)
                        .or_default()
                        .push(ResolutionFields {
                            created_at: at,
                            action: text("action"),
                            officer_token: text("officer_token"),
                            officer: text("officer"),
                            level: p["level"].as_i64().unwrap_or(0),
                            comment: text("comment"),
                            basis: text("basis"),
                            override_block: p["override_block"].as_bool().unwrap_or(false),
                        });
                }
                "inspection_action" => {
                    actions.insert(review_id, p);
                }
                "inspection_checked" => {
                    checks.insert(review_id, (p, at));
                }
                _ => {}
            }
            expected_prev = hash.clone();
            report.head = Some((seq, hash));
        }
        let rows = sqlx::query(
            "SELECT id, item_id, token_id, content_hash, content, format, title, submitter, department, \
             channel, url, callback_url, decision, status, level, findings, attachments, omitted, \
             incomplete, lexicon_version, engine_version, created_at FROM reviews ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        report.reviews = rows.len() as i64;
        let mut seen = BTreeSet::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let Some(want) = replay.get(&id) else {
                report.problem = Some(format!(
                    "review {id} is not in the chain (inserted outside baomi)"
                ));
                return Ok(report);
            };
            if let Some((field, values)) = differing_field(row, want)? {
                report.problem = Some(format!(
                    "review {id} was changed: its {field} differs from what the chain recorded{}",
                    values.map_or(String::new(), |(table, chain)| format!(
                        " (the table says {table}, the chain {chain})"
                    ))
                ));
                return Ok(report);
            }
            seen.insert(id);
        }
        if let Some(missing) = replay.keys().find(|id| !seen.contains(*id)) {
            report.problem = Some(format!(
                "review {missing} was deleted from the reviews table"
            ));
            return Ok(report);
        }
        if let Some(problem) = self.check_resolutions(chained_resolutions).await? {
            report.problem = Some(problem);
            return Ok(report);
        }
        if let Some(problem) = self.check_items(current).await? {
            report.problem = Some(problem);
            return Ok(report);
        }
        if let Some(problem) = self.check_inspection_actions(&actions, &checks).await? {
            report.problem = Some(problem);
        }
        Ok(report)
    }

    /// Resolution rows are what forms and reports show: each must be the one
    /// its `resolved` event recorded.
    async fn check_resolutions(
        &self,
        mut chained: BTreeMap<String, Vec<ResolutionFields>>,
    ) -> Result<Option<String>> {
        let rows = sqlx::query(
            "SELECT review_id, action, officer_token, officer, level, comment, basis, \
             override_block, created_at FROM resolutions",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tabled: BTreeMap<String, Vec<ResolutionFields>> = BTreeMap::new();
        for row in &rows {
            tabled
                .entry(row.try_get("review_id")?)
                .or_default()
                .push(ResolutionFields {
                    created_at: row.try_get("created_at")?,
                    action: row.try_get("action")?,
                    officer_token: row.try_get("officer_token")?,
                    officer: row.try_get("officer")?,
                    level: row.try_get("level")?,
                    comment: row.try_get("comment")?,
                    basis: row.try_get("basis")?,
                    override_block: row.try_get::<i64, _>("override_block")? != 0,
                });
        }
        for list in tabled.values_mut().chain(chained.values_mut()) {
            list.sort();
        }
        let ids: BTreeSet<&String> = tabled.keys().chain(chained.keys()).collect();
        for id in ids {
            let (table, chain) = (tabled.get(id), chained.get(id));
            if table != chain {
                return Ok(Some(format!(
                    "the resolutions of review {id} were changed, inserted or deleted: \
                     the table has {}, the chain records {}",
                    table.map_or(0, Vec::len),
                    chain.map_or(0, Vec::len)
                )));
            }
        }
        Ok(None)
    }

    /// Each item must show the review its last `submitted`/`resubmitted`
    /// event named (items of early builds, whose events named no CMS, are
    /// not checked).
    async fn check_items(
        &self,
        current: BTreeMap<(String, String), String>,
    ) -> Result<Option<String>> {
        let rows = sqlx::query("SELECT scope, item_id, current_review_id FROM items")
            .fetch_all(&self.pool)
            .await?;
        let mut tabled: BTreeMap<(String, String), String> = BTreeMap::new();
        for row in &rows {
            tabled.insert(
                (row.try_get("scope")?, row.try_get("item_id")?),
                row.try_get("current_review_id")?,
            );
        }
        for (key, want) in &current {
            match tabled.get(key) {
                Some(have) if have == want => {}
                other => {
                    return Ok(Some(format!(
                        "item {} shows review {} but the chain says {want}",
                        key.1,
                        other.map_or("none", String::as_str)
                    )))
                }
            }
        }
        Ok(None)
    }
}

/// A review as the chain says it should be now.
struct Replayed {
    payload: Value,
    created_at: String,
}

/// A field that differs, and for the fields that are not document text
/// (decision, status, level) both values.
type Difference = (&'static str, Option<(String, String)>);

/// The first field of a review row that is not what the chain recorded
/// (fields an early build's event did not hold are not compared). Values
/// of text fields are never quoted: they may be what the record guards.
fn differing_field(row: &AnyRow, want: &Replayed) -> Result<Option<Difference>> {
    let p = &want.payload;
    let text = |col: &str| -> Result<Option<String>> { Ok(row.try_get::<Option<String>, _>(col)?) };
    let created_at: String = row.try_get("created_at")?;
    if created_at != want.created_at {
        return Ok(Some(("created_at", None)));
    }
    for field in [
        "item_id",
        "token_id",
        "content_hash",
        "format",
        "title",
        "submitter",
        "department",
        "channel",
        "url",
        "callback_url",
        "decision",
        "status",
        "incomplete",
        "lexicon_version",
        "engine_version",
    ] {
        let Some(recorded) = p.get(field) else {
            continue;
        };
        let have = text(field)?;
        if recorded.as_str().map(str::to_string) != have {
            let shown = matches!(field, "decision" | "status").then(|| {
                (
                    have.unwrap_or_default(),
                    recorded.as_str().unwrap_or_default().to_string(),
                )
            });
            return Ok(Some((field, shown)));
        }
    }
    let level: i64 = row.try_get("level")?;
    if let Some(l) = p
        .get("level")
        .and_then(Value::as_i64)
        .filter(|&l| l != level)
    {
        return Ok(Some(("level", Some((level.to_string(), l.to_string())))));
    }
    let findings: String = row.try_get("findings")?;
    let hash = findings_hash(
        &findings,
        text("attachments")?.as_deref(),
        text("omitted")?.as_deref(),
    );
    if p.get("findings_hash").and_then(Value::as_str) != Some(hash.as_str()) {
        return Ok(Some(("findings", None)));
    }
    if let Some(recorded) = p.get("stored_content_hash") {
        let stored = text("content")?.map(|c| sha256_hex(c.as_bytes()));
        if recorded.as_str().map(str::to_string) != stored {
            return Ok(Some(("content", None)));
        }
    }
    Ok(None)
}

/// What the chain records of a review's findings: the hash of the text's
/// findings, of the attachments' records and of the omitted counts, when
/// there are any (the first two forms are those of early builds).
pub(super) fn findings_hash(
    findings_json: &str,
    attachments_json: Option<&str>,
    omitted_json: Option<&str>,
) -> String {
    match (attachments_json, omitted_json) {
        (None, None) => sha256_hex(findings_json.as_bytes()),
        (Some(a), None) => sha256_hex(format!("{findings_json}\n{a}").as_bytes()),
        (a, Some(o)) => framed_sha256([
            findings_json.as_bytes(),
            a.unwrap_or_default().as_bytes(),
            o.as_bytes(),
        ]),
    }
}
