//! The statements that write a review, its item pointer and its event, and
//! read the chain's head: run by the pool's path (sqlx; a group's rows go
//! in multi-row forms of them, `pool_group`) and by the SQLite writer
//! thread (rusqlite), so they are written once. Placeholders are
//! `$1`, `$2`, … in order; SQLite numbers them by first appearance, so
//! rusqlite binds them by position as sqlx does.

macro_rules! review_columns {
    () => {
        "id, item_id, content_hash, format, title, submitter, department, channel, \
         url, callback_url, token_id, decision, status, level, findings, incomplete, content, \
         lexicon_version, engine_version, created_at, updated_at, attachments, omitted"
    };
}

/// Every column of `reviews`, in the order `INSERT_REVIEW` binds them.
pub(super) const REVIEW_COLUMNS: &str = review_columns!();

pub(super) const INSERT_REVIEW: &str = concat!(
    "INSERT INTO reviews (",
    review_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
     $15, $16, $17, $18, $19, $20, $21, $22, $23)"
);

/// Points an item of one CMS at a review: scope, item id, review id, time.
pub(super) const UPSERT_ITEM: &str =
    "INSERT INTO items (scope, item_id, current_review_id, updated_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (scope, item_id) DO UPDATE SET current_review_id = excluded.current_review_id, \
     updated_at = excluded.updated_at";

pub(super) const CHAIN_HEAD: &str = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";

/// seq, review id, kind, actor, payload, time, previous hash, hash.
pub(super) const INSERT_EVENT: &str =
    "INSERT INTO events (seq, review_id, kind, actor, payload, created_at, prev_hash, hash, \
     hash_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 2)";
