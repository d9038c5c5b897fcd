//! Resolutions: an officer's action on a pending review, recorded with its
//! event, the review's new status and the callback delivery in one
//! transaction.

use super::db::{now, random_id, Result, Store, StoreError};
use super::records::{NewResolution, ResolutionRecord, ReviewRecord};
use crate::service::workflow::{Action, Status};
use sqlx::any::AnyRow;
use sqlx::Row;

impl Store {
    fn resolution_from_row(row: &AnyRow) -> Result<ResolutionRecord> {
        let action: String = row.try_get("action")?;
        let action = match action.as_str() {
            "approve" => Action::Approve,
            "reject" => Action::Reject,
            "escalate" => Action::Escalate,
            other => {
                return Err(StoreError::Corrupt {
                    what: "resolution".into(),
                    detail: format!("unknown action {other:?}"),
                })
            }
        };
        Ok(ResolutionRecord {
            review_id: row.try_get("review_id")?,
            action,
            opinion: action.opinion().to_string(),
            officer: row.try_get("officer")?,
            level: row.try_get("level")?,
            comment: row.try_get("comment")?,
            basis: row.try_get("basis")?,
            override_block: row.try_get::<i64, _>("override_block")? != 0,
            created_at: row.try_get("created_at")?,
        })
    }

    pub async fn resolutions(&self, review_id: &str) -> Result<Vec<ResolutionRecord>> {
        let rows = sqlx::query(
            "SELECT review_id, action, officer, level, comment, basis, override_block, created_at \
             FROM resolutions WHERE review_id = $1 ORDER BY created_at",
        )
        .bind(review_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::resolution_from_row).collect()
    }

    pub async fn resolutions_between(&self, from: &str, to: &str) -> Result<Vec<ResolutionRecord>> {
        let rows = sqlx::query(
            "SELECT review_id, action, officer, level, comment, basis, override_block, created_at \
             FROM resolutions WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::resolution_from_row).collect()
    }

    /// Records a resolution: the review moves only if it is still in the
    /// state the transition was decided from (else [`StoreError::Conflict`]).
    pub async fn resolve(
        &self,
        review: &ReviewRecord,
        r: NewResolution<'_>,
    ) -> Result<ReviewRecord> {
        let at = now();
        let payload = serde_json::json!({
            "action": r.action,
            "officer": r.officer_name,
            "officer_token": r.officer_token,
            "level": r.level,
            "comment": r.comment,
            "basis": r.basis,
            "status": r.transition.status,
            "new_level": r.transition.level,
            "override_block": r.transition.override_block,
        })
        .to_string();
        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        self.lock_chain(&mut tx).await?;
        let moved = sqlx::query(
            "UPDATE reviews SET status = $1, level = $2, updated_at = $3 \
             WHERE id = $4 AND status = 'pending' AND level = $5",
        )
        .bind(r.transition.status.as_str())
        .bind(r.transition.level)
        .bind(&at)
        .bind(&review.review_id)
        .bind(review.level)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "INSERT INTO resolutions (review_id, action, officer_token, officer, level, comment, basis, \
             override_block, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&review.review_id)
        .bind(r.action.as_str())
        .bind(r.officer_token)
        .bind(r.officer_name)
        .bind(r.level)
        .bind(r.comment)
        .bind(r.basis)
        .bind(i64::from(r.transition.override_block))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        self.append_event(
            &mut tx,
            &review.review_id,
            "resolved",
            r.officer_name,
            &payload,
            &at,
        )
        .await?;
        if let (Some(url), true) = (r.callback_url, r.transition.status != Status::Pending) {
            let body = serde_json::json!({
                "review_id": review.review_id,
                "item_id": review.item_id,
                "decision": review.decision,
                "status": r.transition.status,
                "resolution": {
                    "action": r.action, "opinion": r.action.opinion(), "officer": r.officer_name,
                    "level": r.level, "comment": r.comment, "basis": r.basis, "at": at,
                },
            })
            .to_string();
            sqlx::query(
                "INSERT INTO deliveries (id, review_id, url, payload, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(random_id("dl"))
            .bind(&review.review_id)
            .bind(url)
            .bind(&body)
            .bind(0i64)
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        drop(_guard);
        self.review(&review.review_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("review {}", review.review_id),
                detail: "vanished after resolution".into(),
            })
    }
}
