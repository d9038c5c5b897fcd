//! The schema: migrations are `.sql` files under `migrations/`, embedded at
//! build time and applied by sqlx's migrator (which also takes an advisory
//! lock on PostgreSQL, so instances starting together migrate once). Only
//! TEXT and BIGINT columns: SQLite and PostgreSQL share one code path.
//!
//! A database made by a development build before the migrations were files
//! (it has a `schema_version` table) is adopted: the one column that build's
//! version 1 lacked is added, then the migrations run (they are written with
//! `IF NOT EXISTS`) and the old bookkeeping table is dropped.

use super::db::{Result, Store};
use sqlx::Row;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/service/store/migrations");

impl Store {
    pub(super) async fn migrate(&self) -> Result<()> {
        self.adopt_legacy_schema().await?;
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| super::db::StoreError::Migration(e.to_string()))?;
        Ok(())
    }

    async fn adopt_legacy_schema(&self) -> Result<()> {
        let legacy = sqlx::query("SELECT MAX(version) AS v FROM schema_version")
            .fetch_one(&self.pool)
            .await;
        let Ok(row) = legacy else {
            return Ok(()); // no such table: a new or already adopted database
        };
        let version: Option<i64> = row.try_get("v")?;
        if version == Some(1) {
            sqlx::query("ALTER TABLE reviews ADD COLUMN attachments TEXT")
                .execute(&self.pool)
                .await?;
        }
        sqlx::query("DROP TABLE schema_version")
            .execute(&self.pool)
            .await?;
        tracing::info!(
            legacy_version = version,
            "adopted a database from a development build"
        );
        Ok(())
    }
}
