//! Callback deliveries waiting to go out, and every attempt made.

use super::db::{now, Result, Store};
use super::records::{Delivery, DeliveryAttempt};
use sqlx::Row;

impl Store {
    // ----- deliveries ---------------------------------------------------

    /// Deliveries not yet accepted whose next attempt is due at `at`.
    pub async fn due_deliveries(&self, at: &str, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT id, review_id, url, payload, attempts FROM deliveries \
             WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(at)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Delivery {
                    id: row.try_get("id")?,
                    review_id: row.try_get("review_id")?,
                    url: row.try_get("url")?,
                    payload: row.try_get("payload")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Records one attempt; `next_attempt_at` is `None` when it was accepted.
    pub async fn record_attempt(
        &self,
        delivery: &Delivery,
        status_code: Option<i64>,
        error: Option<&str>,
        next_attempt_at: Option<&str>,
    ) -> Result<()> {
        let at = now();
        let attempt = delivery.attempts + 1;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&delivery.id)
        .bind(attempt)
        .bind(status_code)
        .bind(error)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        match next_attempt_at {
            None => {
                sqlx::query("UPDATE deliveries SET attempts = $1, delivered_at = $2 WHERE id = $3")
                    .bind(attempt)
                    .bind(&at)
                    .bind(&delivery.id)
                    .execute(&mut *tx)
                    .await?
            }
            Some(next) => {
                sqlx::query(
                    "UPDATE deliveries SET attempts = $1, next_attempt_at = $2 WHERE id = $3",
                )
                .bind(attempt)
                .bind(next)
                .bind(&delivery.id)
                .execute(&mut *tx)
                .await?
            }
        };
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded attempt for a review's deliveries, oldest first.
    pub async fn delivery_attempts(&self, review_id: &str) -> Result<Vec<DeliveryAttempt>> {
        let rows = sqlx::query(
            "SELECT a.delivery_id, a.attempt, a.status_code, a.error, a.created_at \
             FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id \
             WHERE d.review_id = $1 ORDER BY a.created_at, a.attempt",
        )
        .bind(review_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryAttempt {
                    delivery_id: row.try_get("delivery_id")?,
                    attempt: row.try_get("attempt")?,
                    status_code: row.try_get("status_code")?,
                    error: row.try_get("error")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}
