//! Bearer tokens: only their SHA-256 hash is stored, never the token.

use super::db::{now, random_id, sha256_hex, Result, Store, StoreError};
use super::records::TokenInfo;
use crate::service::workflow::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

impl Store {
    // ----- tokens -------------------------------------------------------

    /// Creates a token; returns its record and the secret (shown once).
    pub async fn create_token(
        &self,
        role: Role,
        level: Option<i64>,
        name: &str,
    ) -> Result<(TokenInfo, String)> {
        let mut secret = [0u8; 24];
        getrandom::getrandom(&mut secret).expect("the OS random source works");
        let secret = format!("bm_{}", hex::encode(secret));
        let info = TokenInfo {
            id: random_id("tk"),
            name: name.to_string(),
            role,
            level,
            created_at: now(),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO tokens (id, name, role, level, hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&info.id)
        .bind(&info.name)
        .bind(role.as_str())
        .bind(level)
        .bind(sha256_hex(secret.as_bytes()))
        .bind(&info.created_at)
        .execute(&self.pool)
        .await?;
        Ok((info, secret))
    }

    fn token_from_row(row: &AnyRow) -> Result<TokenInfo> {
        let role: String = row.try_get("role")?;
        Ok(TokenInfo {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                what: "token".into(),
                detail: format!("unknown role {role:?}"),
            })?,
            level: row.try_get("level")?,
            created_at: row.try_get("created_at")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    }

    /// The live (not revoked) token with this secret.
    pub async fn token_by_secret(&self, secret: &str) -> Result<Option<TokenInfo>> {
        let row = sqlx::query(
            "SELECT id, name, role, level, created_at, revoked_at FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
        )
        .bind(sha256_hex(secret.as_bytes()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::token_from_row).transpose()
    }

    /// The live (not revoked) token with this id (sessions of the pages).
    pub async fn token_by_id(&self, id: &str) -> Result<Option<TokenInfo>> {
        let row = sqlx::query(
            "SELECT id, name, role, level, created_at, revoked_at FROM tokens WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::token_from_row).transpose()
    }

    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, name, role, level, created_at, revoked_at FROM tokens ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::token_from_row).collect()
    }

    /// Revokes by id or name; returns how many tokens were revoked.
    pub async fn revoke_token(&self, id_or_name: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE (id = $2 OR name = $3) AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(id_or_name)
        .bind(id_or_name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
