//! Sign-in sessions of the pages. The cookie names a session row; signing
//! out deletes it, so a copied cookie stops working at once (it used to
//! work until it expired, 12 hours later).

use super::db::{now, Result, Store};
use sqlx::Row;

impl Store {
    /// Records session `id` of `token_id`, valid until `expires_at` (RFC 3339).
    pub async fn create_session(&self, id: &str, token_id: &str, expires_at: &str) -> Result<()> {
        // Expired sessions are swept when new ones start.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id, token_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(token_id)
        .bind(expires_at)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The token of a live session.
    pub async fn session_token(&self, id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT token_id FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("token_id")).transpose()?)
    }

    /// Ends a session; true when there was one.
    pub async fn end_session(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
