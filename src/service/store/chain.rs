//! The audit chain: `events` is append-only and hash-chained; each row's
//! `hash` covers its own fields and the previous row's hash. Appends are
//! serialized (an in-process lock, plus `pg_advisory_xact_lock` on
//! PostgreSQL). [`Store::verify_chain`] names the first event that was
//! changed, inserted or deleted, and any review or resolution row that
//! disagrees with the chain.

use super::db::{sha256_hex, Backend, Result, Store};
use sqlx::Row;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub events: i64,
    pub reviews: i64,
    /// The first problem, naming the row; `None` when everything verifies.
    pub problem: Option<String>,
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

/// The hash of the chain before its first event.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn event_hash(
    seq: i64,
    prev: &str,
    review_id: &str,
    kind: &str,
    actor: &str,
    payload: &str,
    at: &str,
) -> String {
    sha256_hex(format!("{seq}\n{prev}\n{review_id}\n{kind}\n{actor}\n{payload}\n{at}").as_bytes())
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
        let head = sqlx::query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        let (seq, prev) = match head {
            Some(row) => (
                row.try_get::<i64, _>("seq")? + 1,
                row.try_get::<String, _>("hash")?,
            ),
            None => (1, GENESIS.to_string()),
        };
        let hash = event_hash(seq, &prev, review_id, kind, actor, payload, at);
        sqlx::query(
            "INSERT INTO events (seq, review_id, kind, actor, payload, created_at, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
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

    /// Walks the chain from the first event; see the module docs.
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        use std::collections::BTreeMap;
        let rows = sqlx::query(
            "SELECT seq, review_id, kind, actor, payload, created_at, prev_hash, hash FROM events ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut expected_prev = GENESIS.to_string();
        // What the chain says each review should look like now.
        let mut replay: BTreeMap<String, (String, String, String, i64, String)> = BTreeMap::new();
        // What the chain says each review's resolution rows hold.
        let mut chained_resolutions: BTreeMap<String, Vec<ResolutionFields>> = BTreeMap::new();
        let events = rows.len() as i64;
        let report = |problem: String| ChainReport {
            events,
            reviews: 0,
            problem: Some(problem),
        };
        for (expected_seq, row) in (1i64..).zip(rows.iter()) {
            let seq: i64 = row.try_get("seq")?;
            let review_id: String = row.try_get("review_id")?;
            let kind: String = row.try_get("kind")?;
            let actor: String = row.try_get("actor")?;
            let payload: String = row.try_get("payload")?;
            let at: String = row.try_get("created_at")?;
            let prev: String = row.try_get("prev_hash")?;
            let hash: String = row.try_get("hash")?;
            if seq != expected_seq {
                return Ok(report(format!(
                    "event {expected_seq} is missing (deleted): the chain jumps from {} to {seq}",
                    expected_seq - 1
                )));
            }
            if prev != expected_prev {
                return Ok(report(format!(
                    "event {seq} does not follow event {}: an event was inserted or deleted before it",
                    seq - 1
                )));
            }
            if event_hash(seq, &prev, &review_id, &kind, &actor, &payload, &at) != hash {
                return Ok(report(format!(
                    "event {seq} (review {review_id}, {kind}) was changed"
                )));
            }
            let p: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            match kind.as_str() {
                "submitted" => {
                    replay.insert(
                        review_id,
                        (
                            text("content_hash"),
                            text("decision"),
                            text("status"),
                            p["level"].as_i64().unwrap_or(1),
                            text("findings_hash"),
                        ),
                    );
                }
                "resolved" => {
                    let Some(state) = replay.get_mut(&review_id) else {
                        return Ok(report(format!(
                            "event {seq} resolves review {review_id}, which was never submitted"
                        )));
                    };
                    state.2 = text("status");
                    state.3 = p["new_level"].as_i64().unwrap_or(state.3);
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
                _ => {}
            }
            expected_prev = hash;
        }
        let rows = sqlx::query(
            "SELECT id, content_hash, decision, status, level, findings, attachments FROM reviews ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let reviews = rows.len() as i64;
        let mut seen = 0usize;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let findings: String = row.try_get("findings")?;
            let attachments: Option<String> = row.try_get("attachments")?;
            let actual = (
                row.try_get::<String, _>("content_hash")?,
                row.try_get::<String, _>("decision")?,
                row.try_get::<String, _>("status")?,
                row.try_get::<i64, _>("level")?,
                findings_hash(&findings, attachments.as_deref()),
            );
            match replay.get(&id) {
                None => {
                    return Ok(ChainReport {
                        events,
                        reviews,
                        problem: Some(format!("review {id} is not in the chain (inserted outside baomi)")),
                    })
                }
                Some(want) if *want != actual => {
                    return Ok(ChainReport {
                        events,
                        reviews,
                        problem: Some(format!(
                            "review {id} was changed: the table says {}/{}/level {}, the chain says {}/{}/level {}{}",
                            actual.1,
                            actual.2,
                            actual.3,
                            want.1,
                            want.2,
                            want.3,
                            if want.0 != actual.0 || want.4 != actual.4 { " (content or findings differ)" } else { "" }
                        )),
                    })
                }
                Some(_) => seen += 1,
            }
        }
        if seen != replay.len() {
            let present: std::collections::HashSet<String> = rows
                .iter()
                .filter_map(|r| r.try_get::<String, _>("id").ok())
                .collect();
            let missing = replay
                .keys()
                .find(|id| !present.contains(*id))
                .cloned()
                .unwrap_or_default();
            return Ok(ChainReport {
                events,
                reviews,
                problem: Some(format!(
                    "review {missing} was deleted from the reviews table"
                )),
            });
        }
        // Resolution rows are what forms and reports show: each must be the
        // one its `resolved` event recorded.
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
        for list in tabled.values_mut().chain(chained_resolutions.values_mut()) {
            list.sort();
        }
        let ids: std::collections::BTreeSet<&String> =
            tabled.keys().chain(chained_resolutions.keys()).collect();
        for id in ids {
            let (table, chain) = (tabled.get(id), chained_resolutions.get(id));
            if table != chain {
                return Ok(ChainReport {
                    events,
                    reviews,
                    problem: Some(format!(
                        "the resolutions of review {id} were changed, inserted or deleted: \
                         the table has {}, the chain records {}",
                        table.map_or(0, Vec::len),
                        chain.map_or(0, Vec::len)
                    )),
                });
            }
        }
        Ok(ChainReport {
            events,
            reviews,
            problem: None,
        })
    }
}

/// What the chain records of a review's findings: the hash of the text's
/// findings, and of the attachments' records when there are any.
pub(super) fn findings_hash(findings_json: &str, attachments_json: Option<&str>) -> String {
    match attachments_json {
        None => sha256_hex(findings_json.as_bytes()),
        Some(a) => sha256_hex(format!("{findings_json}\n{a}").as_bytes()),
    }
}
