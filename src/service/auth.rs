//! Who is calling: bearer tokens (looked up by hash, cached briefly) and the
//! rules for creating one.

use super::error::ServiceError;
use super::store::{Store, StoreError, TokenInfo};
use super::workflow::{Role, TOP_LEVEL};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Bearer-token lookups cached for a few seconds: a database round trip per
/// request costs more than the scan of a short article. Revocations made
/// through this instance clear the cache at once; other instances see them
/// within [`TOKEN_CACHE_TTL`].
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<String, (Instant, Option<TokenInfo>)>>,
}

impl TokenCache {
    pub async fn lookup(
        &self,
        store: &Store,
        secret: &str,
    ) -> Result<Option<TokenInfo>, StoreError> {
        let key = super::store::sha256_hex(secret.as_bytes());
        if let Some((at, token)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            if at.elapsed() < TOKEN_CACHE_TTL {
                return Ok(token.clone());
            }
        }
        let token = store.token_by_secret(secret).await?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), token.clone()));
        Ok(token)
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Checks a token request: a name, and a level 1–3 for officers only.
/// Returns the level to store.
pub fn token_level(
    role: Role,
    level: Option<i64>,
    name: &str,
) -> Result<Option<i64>, ServiceError> {
    if name.trim().is_empty() {
        return Err(ServiceError::invalid("name", "must not be empty"));
    }
    match (role, level) {
        (Role::Officer, Some(l)) if (1..=TOP_LEVEL).contains(&l) => Ok(Some(l)),
        (Role::Officer, _) => Err(ServiceError::invalid(
            "level",
            "an officer token needs level 1 (部门负责人), 2 (分管领导) or 3 (保密工作负责人)",
        )),
        (_, Some(_)) => Err(ServiceError::invalid(
            "level",
            "only officer tokens have a level",
        )),
        (_, None) => Ok(None),
    }
}
