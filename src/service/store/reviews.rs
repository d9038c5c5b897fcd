//! Reviews: recording one (its row, its item's current pointer and its
//! `submitted` event, in the transaction of its group: see
//! `commit_in_group`) and reading them back. A review is answered only
//! after the transaction holding it committed.

use super::chain::findings_hash;
use super::db::{
    now, ordered_id, parse_decision, sha256_hex, ContentRetention, Result, Store, StoreError,
};
use super::group::{GroupReply, PendingReview};
use super::records::{NewReview, ReviewRecord};
use super::statements::{REVIEW_COLUMNS, UPSERT_ITEM};
use crate::engine::verdict::Decision;
use crate::service::workflow::Status;
use sqlx::any::AnyRow;
use sqlx::Row;

impl Store {
    // ----- reviews ------------------------------------------------------

    fn review_from_row(row: &AnyRow) -> Result<ReviewRecord> {
        let id: String = row.try_get("id")?;
        let corrupt = |detail: String| StoreError::Corrupt {
            what: format!("review {id}"),
            detail,
        };
        let decision: String = row.try_get("decision")?;
        let status: String = row.try_get("status")?;
        let findings: String = row.try_get("findings")?;
        Ok(ReviewRecord {
            review_id: id.clone(),
            item_id: row.try_get("item_id")?,
            content_hash: row.try_get("content_hash")?,
            format: row.try_get("format")?,
            title: row.try_get("title")?,
            submitter: row.try_get("submitter")?,
            department: row.try_get("department")?,
            channel: row.try_get("channel")?,
            url: row.try_get("url")?,
            callback_url: row.try_get("callback_url")?,
            token_id: row.try_get("token_id")?,
            decision: parse_decision(&decision)
                .ok_or_else(|| corrupt(format!("decision {decision:?}")))?,
            status: Status::parse(&status).ok_or_else(|| corrupt(format!("status {status:?}")))?,
            level: row.try_get("level")?,
            findings: serde_json::from_str(&findings)
                .map_err(|e| corrupt(format!("findings: {e}")))?,
            attachments: match row.try_get::<Option<String>, _>("attachments")? {
                None => Vec::new(),
                Some(json) => {
                    serde_json::from_str(&json).map_err(|e| corrupt(format!("attachments: {e}")))?
                }
            },
            incomplete: row.try_get("incomplete")?,
            omitted: match row.try_get::<Option<String>, _>("omitted")? {
                None => Vec::new(),
                Some(json) => {
                    serde_json::from_str(&json).map_err(|e| corrupt(format!("omitted: {e}")))?
                }
            },
            content: row.try_get("content")?,
            lexicon_version: row.try_get("lexicon_version")?,
            engine_version: row.try_get("engine_version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// Records a review, or returns the existing one for the same item and
    /// content (`false` = not newly created). Either way the review becomes
    /// its item's current one: what is publishable is the decision on the
    /// content submitted last.
    ///
    /// A resubmission is found by the unique (item, content) key when its
    /// row is written, not by a query before: a look-up per review is a
    /// round trip that almost always finds nothing.
    pub async fn record_review(&self, new: NewReview) -> Result<(ReviewRecord, bool)> {
        let at = now();
        let status = Status::initial(new.decision);
        let findings_json = serde_json::to_string(&new.findings).unwrap_or_else(|_| "[]".into());
        let attachments_json = (!new.attachments.is_empty())
            .then(|| serde_json::to_string(&new.attachments).unwrap_or_else(|_| "[]".into()));
        let omitted_json = (!new.omitted.is_empty())
            .then(|| serde_json::to_string(&new.omitted).unwrap_or_else(|_| "[]".into()));
        let keep_content =
            new.decision != Decision::Pass || self.retention == ContentRetention::All;
        let stored = keep_content.then_some(new.content.as_str());
        let id = ordered_id("rv");
        // Every field of the row that no later event changes, so that
        // `verify_chain` can compare each one with the row.
        let payload = serde_json::json!({
            "item_id": new.item_id,
            "token_id": new.token_id,
            "content_hash": new.content_hash,
            "stored_content_hash": stored.map(|c| sha256_hex(c.as_bytes())),
            "format": new.format,
            "title": new.title,
            "submitter": new.submitter,
            "department": new.department,
            "channel": new.channel,
            "url": new.url,
            "callback_url": new.callback_url,
            "decision": new.decision,
            "status": status,
            "level": 1,
            "findings_hash": findings_hash(&findings_json, attachments_json.as_deref(), omitted_json.as_deref()),
            "incomplete": new.incomplete,
            "lexicon_version": new.lexicon_version,
            "engine_version": new.engine_version,
        })
        .to_string();

        let actor = new
            .submitter
            .clone()
            .unwrap_or_else(|| new.token_id.clone());
        let row = PendingReview {
            id: id.clone(),
            new,
            status,
            findings_json,
            attachments_json,
            omitted_json,
            stored: keep_content,
            payload,
            actor,
            at: at.clone(),
        };
        let (new, inserted) = self.commit_in_group(row).await?;
        if let Err(e) = inserted {
            // The same item and content were recorded before (or by a
            // concurrent submission that won): that review is the answer.
            if let Some(existing) = self
                .review_by_item_hash(&new.token_id, &new.item_id, &new.content_hash)
                .await?
            {
                self.make_current(&existing, new.submitter.as_deref())
                    .await?;
                return Ok((existing, false));
            }
            return Err(e);
        }
        // The row as written: reading it back would cost a query per review
        // and tell nothing new (tests/store.rs reads every one back).
        let record = ReviewRecord {
            review_id: id,
            content: keep_content.then_some(new.content),
            item_id: new.item_id,
            content_hash: new.content_hash,
            format: new.format,
            title: new.title,
            submitter: new.submitter,
            department: new.department,
            channel: new.channel,
            url: new.url,
            callback_url: new.callback_url,
            token_id: new.token_id,
            decision: new.decision,
            status,
            level: 1,
            findings: new.findings,
            attachments: new.attachments,
            incomplete: new.incomplete,
            omitted: new.omitted,
            lexicon_version: new.lexicon_version,
            engine_version: new.engine_version,
            created_at: at.clone(),
            updated_at: at,
        };
        Ok((record, true))
    }

    /// Group commit: the review joins the ones waiting; whoever holds the
    /// chain lock next writes all that wait in one transaction (chain order
    /// = arrival order), each in a savepoint so that a failing row (the
    /// unique constraint of a concurrent duplicate) fails only itself, and
    /// answers each only after that transaction committed. One fsync for a
    /// batch instead of one per review is what lets the recorded hook keep
    /// up with `/check`. Returns the request back with its row's outcome;
    /// an error of the transaction itself fails every review in it.
    async fn commit_in_group(&self, row: PendingReview) -> Result<(NewReview, Result<()>)> {
        let (reply, mut answer) = tokio::sync::oneshot::channel();
        self.group
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((row, reply));
        // Either an earlier holder of the chain lock takes this review into
        // its group and answers it, or this task gets the lock and writes
        // what waits. Waiting for the lock alone would keep a review that an
        // earlier group already committed waiting behind the group being
        // written now: one more commit's time on every answer.
        let answered = tokio::select! {
            biased;
            answered = &mut answer => Some(answered),
            guard = self.append_lock.lock() => {
                let batch = std::mem::take(
                    &mut *self
                        .group
                        .waiting
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()),
                );
                if !batch.is_empty() {
                    tracing::debug!(reviews = batch.len(), "group commit");
                    self.commit_batch(batch).await;
                }
                drop(guard);
                None
            }
        };
        // Answered by this task's batch or an earlier holder's. A holder
        // cancelled mid-batch: on SQLite the writer thread still finishes
        // the group and answers each review itself; on PostgreSQL it drops
        // the senders, its transaction rolls back and nothing in it was
        // acknowledged. (On SQLite the chain lock is then free before the
        // group committed; another append waits for SQLite's own lock, or
        // fails busy if its snapshot went stale: never a forked chain.)
        let answered = match answered {
            Some(answered) => answered,
            None => answer.await,
        };
        answered.map_err(|_| StoreError::Interrupted)?
    }

    async fn commit_batch(&self, batch: Vec<(PendingReview, GroupReply)>) {
        if let Some(writer) = &self.writer {
            if writer.commit(batch).await {
                self.group
                    .transactions
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            return;
        }
        let mut outcomes: Vec<Result<()>> = Vec::new();
        let committed: Result<()> = async {
            let mut tx = self.pool.begin().await?;
            self.lock_chain(&mut tx).await?;
            let rows: Vec<&PendingReview> = batch.iter().map(|(row, _)| row).collect();
            outcomes = Self::write_group_rows(&mut tx, &rows).await?;
            tx.commit().await?;
            self.group
                .transactions
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        }
        .await;
        match committed {
            Ok(()) => {
                for ((row, reply), outcome) in batch.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok((row.new, outcome)));
                }
            }
            Err(e) => {
                for (_, reply) in batch {
                    let _ = reply.send(Err(e.for_the_group()));
                }
            }
        }
    }

    /// How many transactions have written new reviews since this store was
    /// opened (reviews grouped into one count once).
    pub fn review_transactions(&self) -> u64 {
        self.group
            .transactions
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Points the item at an existing review again (a resubmission of older
    /// content), recorded as a `resubmitted` event; nothing when it is
    /// current already.
    async fn make_current(&self, review: &ReviewRecord, submitter: Option<&str>) -> Result<()> {
        let current = self
            .current_review_id(&review.token_id, &review.item_id)
            .await?;
        if current.as_deref() == Some(review.review_id.as_str()) {
            return Ok(());
        }
        let at = now();
        let payload = serde_json::json!({
            "token_id": review.token_id,
            "item_id": review.item_id,
        })
        .to_string();
        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        self.lock_chain(&mut tx).await?;
        Self::set_current(
            &mut tx,
            &review.token_id,
            &review.item_id,
            &review.review_id,
            &at,
        )
        .await?;
        let actor = submitter.unwrap_or(&review.token_id);
        self.append_event(
            &mut tx,
            &review.review_id,
            "resubmitted",
            actor,
            &payload,
            &at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_current(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        scope: &str,
        item_id: &str,
        review_id: &str,
        at: &str,
    ) -> Result<()> {
        sqlx::query(UPSERT_ITEM)
            .bind(scope)
            .bind(item_id)
            .bind(review_id)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The review an item of this CMS shows now.
    pub async fn current_review_id(&self, scope: &str, item_id: &str) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT current_review_id FROM items WHERE scope = $1 AND item_id = $2")
                .bind(scope)
                .bind(item_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get("current_review_id")).transpose()?)
    }

    /// The CMS scopes that have an item with this id (officers look across
    /// them).
    pub async fn item_scopes(&self, item_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT scope FROM items WHERE item_id = $1 ORDER BY scope")
            .bind(item_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("scope")?))
            .collect()
    }

    async fn review_by_item_hash(
        &self,
        scope: &str,
        item_id: &str,
        hash: &str,
    ) -> Result<Option<ReviewRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE token_id = $1 AND item_id = $2 AND content_hash = $3",
            REVIEW_COLUMNS
        ))
        .bind(scope)
        .bind(item_id)
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::review_from_row).transpose()
    }

    pub async fn review(&self, id: &str) -> Result<Option<ReviewRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE id = $1",
            REVIEW_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::review_from_row).transpose()
    }

    /// Every review of an item of one CMS, oldest first.
    pub async fn item_history(&self, scope: &str, item_id: &str) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE token_id = $1 AND item_id = $2 ORDER BY created_at, id",
            REVIEW_COLUMNS
        ))
        .bind(scope)
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::review_from_row).collect()
    }

    /// Pending reviews, oldest first, optionally at one level or department.
    pub async fn queue(
        &self,
        level: Option<i64>,
        department: Option<&str>,
    ) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE status = 'pending' ORDER BY created_at, id",
            REVIEW_COLUMNS
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let r = Self::review_from_row(row)?;
            if level.is_some_and(|l| l != r.level)
                || department.is_some_and(|d| r.department.as_deref() != Some(d))
            {
                continue;
            }
            out.push(r);
        }
        Ok(out)
    }

    pub async fn queue_size(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM reviews WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Reviews created in `[from, to)` (RFC 3339 prefixes compare as text).
    pub async fn reviews_between(&self, from: &str, to: &str) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id",
            REVIEW_COLUMNS
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::review_from_row).collect()
    }
}
