//! The pool's (sqlx) path of a group commit, used for PostgreSQL: the
//! whole group in a fixed number of statements, however many reviews it
//! holds.
//!
//! Why: with a statement per step and a savepoint per review, a review was
//! six round trips to the server (savepoint, row, item pointer, chain head,
//! event, release), and the chain lock was held across all of them. Now a
//! group is one multi-row insert of its reviews, one of its item pointers
//! and one of its events, after one read of the chain head.
//!
//! Contract, the same as the per-review path it replaces:
//! - the caller holds the store's `append_lock` and the transaction holds
//!   the chain lock (`lock_chain`); chain order is the order of the group;
//! - a review whose item and content were recorded before (the unique key
//!   of `reviews`, also a duplicate earlier in the same group) is skipped,
//!   not written, and answered [`StoreError::Duplicate`] (its caller
//!   answers with the review recorded before); it gets no item pointer and
//!   no event;
//! - an error of any statement fails the whole transaction: nothing of the
//!   group is kept, and every review in it hears so.

use super::db::{Result, Store, StoreError};
use super::group::PendingReview;
use super::hashes::{event_hash, GENESIS};
use super::statements::{CHAIN_HEAD, REVIEW_COLUMNS};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Reviews per statement: 23 parameters each, far below PostgreSQL's
/// 65,535 and SQLite's 32,766 placeholders.
const ROWS_PER_STATEMENT: usize = 256;

/// `($1, …, $n), ($n+1, …)`: `rows` tuples of `width` placeholders.
fn placeholders(rows: usize, width: usize) -> String {
    let mut out = String::new();
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            let _ = write!(
                out,
                "{}${}",
                if c == 0 { "" } else { ", " },
                r * width + c + 1
            );
        }
        out.push(')');
    }
    out
}

impl Store {
    /// Writes `group` in `tx` (see the module docs); the outcome of each
    /// review, in order.
    pub(super) async fn write_group_rows(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        group: &[&PendingReview],
    ) -> Result<Vec<Result<()>>> {
        let mut inserted: HashSet<String> = HashSet::new();
        for chunk in group.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO reviews ({REVIEW_COLUMNS}) VALUES {} \
                 ON CONFLICT (item_id, content_hash) DO NOTHING RETURNING id",
                placeholders(chunk.len(), 23)
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                let new = &row.new;
                query = query
                    .bind(&row.id)
                    .bind(&new.item_id)
                    .bind(&new.content_hash)
                    .bind(&new.format)
                    .bind(&new.title)
                    .bind(&new.submitter)
                    .bind(&new.department)
                    .bind(&new.channel)
                    .bind(&new.url)
                    .bind(&new.callback_url)
                    .bind(&new.token_id)
                    .bind(new.decision.as_str())
                    .bind(row.status.as_str())
                    .bind(1i64)
                    .bind(&row.findings_json)
                    .bind(&new.incomplete)
                    .bind(row.stored.then_some(new.content.as_str()))
                    .bind(&new.lexicon_version)
                    .bind(&new.engine_version)
                    .bind(&row.at)
                    .bind(&row.at)
                    .bind(row.attachments_json.as_deref())
                    .bind(row.omitted_json.as_deref());
            }
            for written in query.fetch_all(&mut **tx).await? {
                inserted.insert(written.try_get::<String, _>("id")?);
            }
        }
        let written: Vec<&PendingReview> = group
            .iter()
            .copied()
            .filter(|row| inserted.contains(&row.id))
            .collect();
        // One pointer per item: the last review of the group for it (a
        // multi-row upsert may not touch a row twice).
        let mut last_of_item: HashMap<(&str, &str), &PendingReview> = HashMap::new();
        for row in &written {
            last_of_item.insert((row.new.token_id.as_str(), row.new.item_id.as_str()), row);
        }
        let mut pointers: Vec<&PendingReview> = last_of_item.into_values().collect();
        pointers.sort_by(|a, b| a.id.cmp(&b.id));
        for chunk in pointers.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO items (scope, item_id, current_review_id, updated_at) VALUES {} \
                 ON CONFLICT (scope, item_id) DO UPDATE SET \
                 current_review_id = excluded.current_review_id, updated_at = excluded.updated_at",
                placeholders(chunk.len(), 4)
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(&row.new.token_id)
                    .bind(&row.new.item_id)
                    .bind(&row.id)
                    .bind(&row.at);
            }
            query.execute(&mut **tx).await?;
        }
        let head = sqlx::query(CHAIN_HEAD).fetch_optional(&mut **tx).await?;
        let (mut seq, mut prev) = match head {
            Some(row) => (
                row.try_get::<i64, _>("seq")?,
                row.try_get::<String, _>("hash")?,
            ),
            None => (0, GENESIS.to_string()),
        };
        for chunk in written.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO events (seq, review_id, kind, actor, payload, created_at, \
                 prev_hash, hash, hash_version) VALUES {}",
                placeholders(chunk.len(), 9)
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                seq += 1;
                let hash = event_hash(
                    2,
                    seq,
                    &prev,
                    &row.id,
                    "submitted",
                    &row.actor,
                    &row.payload,
                    &row.at,
                );
                query = query
                    .bind(seq)
                    .bind(&row.id)
                    .bind("submitted")
                    .bind(&row.actor)
                    .bind(&row.payload)
                    .bind(&row.at)
                    .bind(prev.clone())
                    .bind(hash.clone())
                    .bind(2i64);
                prev = hash;
            }
            query.execute(&mut **tx).await?;
        }
        Ok(group
            .iter()
            .map(|row| {
                if inserted.contains(&row.id) {
                    Ok(())
                } else {
                    Err(StoreError::Duplicate)
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_every_parameter_once() {
        assert_eq!(super::placeholders(1, 2), "($1, $2)");
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
