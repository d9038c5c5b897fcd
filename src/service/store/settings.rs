//! Settings the service keeps in the database (secrets generated once).

use super::db::{Result, Store};
use sqlx::Row;

impl Store {
    // ----- settings -----------------------------------------------------

    /// A stored setting, created with `make` on first use.
    pub async fn setting_or_init(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String> {
        if let Some(row) = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
        {
            return Ok(row.try_get("value")?);
        }
        let value = make();
        let _ = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(&value)
            .execute(&self.pool)
            .await;
        // Another instance may have won the race: read what is stored.
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }
}
