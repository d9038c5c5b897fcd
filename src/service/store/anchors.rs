//! Signed heads of the chain, as recorded in the database (the same lines
//! also go to the anchors file outside it; see `service::anchors`).

use super::db::{Result, Store};
use sqlx::Row;

/// One recorded anchor, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnchor {
    pub seq: i64,
    pub head_hash: String,
    pub signed_at: String,
    pub public_key: String,
    pub signature: String,
}

impl Store {
    pub async fn record_anchor(&self, a: &StoredAnchor) -> Result<()> {
        sqlx::query(
            "INSERT INTO anchors (seq, head_hash, signed_at, public_key, signature) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(a.seq)
        .bind(&a.head_hash)
        .bind(&a.signed_at)
        .bind(&a.public_key)
        .bind(&a.signature)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every recorded anchor, oldest first.
    pub async fn anchors(&self) -> Result<Vec<StoredAnchor>> {
        let rows = sqlx::query(
            "SELECT seq, head_hash, signed_at, public_key, signature FROM anchors ORDER BY seq, signed_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredAnchor {
                    seq: r.try_get("seq")?,
                    head_hash: r.try_get("head_hash")?,
                    signed_at: r.try_get("signed_at")?,
                    public_key: r.try_get("public_key")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect()
    }
}
