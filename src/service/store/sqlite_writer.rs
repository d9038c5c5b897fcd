//! The SQLite review writer: one thread that owns one connection and writes
//! each group of new reviews (see `reviews::commit_in_group`) in one
//! transaction, with in-process calls.
//!
//! Why a thread of its own: through sqlx every statement is a message to
//! sqlx's worker thread and a wake-up back, and a review is nine statements
//! (savepoint, row, item pointer, chain head, event, release, begin, commit,
//! the pool's ping). On a 2-core machine those hand-offs, not SQLite, were
//! most of a recorded review's cost. Here a group costs one hand-off in and
//! one back, whatever its size.
//!
//! Contract, the same as the sqlx path it replaces for SQLite:
//! - the caller holds the store's `append_lock`, so chain appends stay
//!   serialized with every other writer in the process; the transaction is
//!   `BEGIN IMMEDIATE`, so other processes (and sqlx's connections) wait for
//!   it through SQLite's own lock and busy timeout;
//! - chain order is the order of the group; each review is in a savepoint,
//!   so one failing row (a concurrent duplicate) fails only itself;
//! - `Ok` means the transaction committed with `synchronous=FULL`: every
//!   review in it is on disk. An error of the transaction fails them all and
//!   nothing of it is kept.

use super::error::StoreError;
use super::group::{GroupReply, PendingReview};
use super::hashes::{event_hash, GENESIS};
use super::statements::{CHAIN_HEAD, INSERT_EVENT, INSERT_REVIEW, UPSERT_ITEM};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use std::sync::mpsc;

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Each review back with its own outcome, in the order sent.
type GroupOutcome = Result<Vec<(PendingReview, Result<()>)>>;

/// A group and who waits for each of its reviews. The thread answers each
/// review itself, after the commit: an answer never depends on the task
/// that handed the group over still being there (a CMS that hung up).
struct Job {
    group: Vec<(PendingReview, GroupReply)>,
    /// Whether the transaction committed.
    done: tokio::sync::oneshot::Sender<bool>,
}

/// The handle the store keeps: a channel to the writer thread. Dropping it
/// ends the thread once its last group is written.
pub(super) struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
}

impl SqliteWriter {
    /// Opens the file (already migrated by the pool) and starts the thread.
    pub(super) fn open(path: &str) -> Result<SqliteWriter> {
        let conn = rusqlite::Connection::open(path)?;
        // The pool's settings (db.rs), and sqlx's default busy timeout, so
        // that a file locked by another process waits as long on both paths.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Checkpoints are the checkpointer's work, off the writer's path: one
        // in a commit held every review waiting behind it for 5–8 ms (the
        // tail of /reviews' p99). The writer still checkpoints if the
        // checkpointer falls this far behind, so the WAL stays bounded.
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        let checkpointer = Checkpointer::start(path)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("baomi-sqlite-writer".into())
            .spawn(move || {
                let mut conn = conn;
                let mut since_checkpoint = 0usize;
                for job in queue {
                    let reviews = job.group.len();
                    let (rows, replies): (Vec<_>, Vec<_>) = job.group.into_iter().unzip();
                    let committed = answer(write_group(&mut conn, rows), replies);
                    let _ = job.done.send(committed);
                    since_checkpoint += reviews;
                    if since_checkpoint >= CHECKPOINT_EVERY_REVIEWS {
                        since_checkpoint = 0;
                        checkpointer.nudge();
                    }
                }
            })
            .map_err(|e| StoreError::Batch(format!("cannot start the SQLite writer: {e}")))?;
        Ok(SqliteWriter { jobs })
    }

    /// Writes the group in one transaction, answers each review once it
    /// committed, and returns when it is done (the caller holds the chain
    /// lock until then); `true` if it committed.
    pub(super) async fn commit(&self, group: Vec<(PendingReview, GroupReply)>) -> bool {
        let (done, finished) = tokio::sync::oneshot::channel();
        // A send fails only if the thread is gone; the group's replies are
        // dropped with it and each waiting review hears `Interrupted`.
        match self.jobs.send(Job { group, done }) {
            Ok(()) => finished.await.unwrap_or(false),
            Err(_) => false,
        }
    }
}

/// Sends each review its outcome; a failed transaction fails them all,
/// as `Busy` when the database was locked (a retry will do). Returns
/// whether it committed.
fn answer(outcome: GroupOutcome, replies: Vec<GroupReply>) -> bool {
    match outcome {
        Ok(rows) => {
            for (reply, (row, outcome)) in replies.into_iter().zip(rows) {
                let _ = reply.send(Ok((row.new, outcome)));
            }
            true
        }
        Err(e) => {
            for reply in replies {
                let _ = reply.send(Err(e.for_the_group()));
            }
            false
        }
    }
}

/// A review is about ten pages of WAL (its text, the row, four indexes,
/// its item and its event): 64 reviews are about SQLite's default
/// checkpoint size of 1,000 pages.
const CHECKPOINT_EVERY_REVIEWS: usize = 64;

/// The writer's own checkpoint threshold, ten times the default: reached
/// only when the checkpointer cannot keep up.
const WRITER_CHECKPOINT_PAGES: i64 = 10_000;

/// A thread with its own connection that copies the WAL into the database
/// (`PRAGMA wal_checkpoint(PASSIVE)`: it never waits for the writer or
/// readers, and the writer never waits for it) when nudged.
struct Checkpointer {
    nudges: mpsc::SyncSender<()>,
}

impl Checkpointer {
    fn start(path: &str) -> Result<Checkpointer> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // One nudge waiting is enough: nudges that come while one waits
        // are the same request.
        let (nudges, wakes) = mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("baomi-sqlite-checkpoint".into())
            .spawn(move || {
                for () in wakes {
                    // Under steady load a passive checkpoint never finds the
                    // WAL idle, so it is never started again from its
                    // beginning and would only grow: past RESTART_PAGES the
                    // few frames left are copied with writers held back
                    // (about a millisecond) and the WAL restarts.
                    let wal_pages = checkpoint(&conn, "PASSIVE");
                    if wal_pages.is_some_and(|pages| pages > RESTART_PAGES) {
                        checkpoint(&conn, "RESTART");
                    }
                }
            })
            .map_err(|e| StoreError::Batch(format!("cannot start the SQLite checkpointer: {e}")))?;
        Ok(Checkpointer { nudges })
    }

    fn nudge(&self) {
        let _ = self.nudges.try_send(());
    }
}

/// The WAL size beyond which the checkpointer restarts it.
const RESTART_PAGES: i64 = 2_000;

/// One checkpoint; the WAL's size in pages when it began, `None` if it
/// failed (the next nudge tries again; the writer's own threshold bounds
/// the WAL meanwhile).
fn checkpoint(conn: &rusqlite::Connection, mode: &str) -> Option<i64> {
    let started = std::time::Instant::now();
    let result = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
    });
    match result {
        Ok((wal_pages, copied)) => {
            tracing::debug!(
                mode,
                wal_pages,
                copied,
                us = started.elapsed().as_micros() as u64,
                "checkpoint"
            );
            Some(wal_pages)
        }
        Err(e) => {
            tracing::warn!(error = %e, mode, "checkpoint failed");
            None
        }
    }
}

fn write_group(conn: &mut rusqlite::Connection, group: Vec<PendingReview>) -> GroupOutcome {
    let started = std::time::Instant::now();
    let reviews = group.len();
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // The head is read once: within the transaction nobody else appends.
    let mut head: (i64, String) = tx
        .prepare_cached(CHAIN_HEAD)?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .unwrap_or_else(|| (0, GENESIS.to_string()));
    let mut outcomes = Vec::with_capacity(group.len());
    for row in group {
        let savepoint = tx.savepoint()?;
        match write_review(&savepoint, &row, &head) {
            Ok(next_head) => {
                savepoint.commit()?;
                head = next_head;
                outcomes.push((row, Ok(())));
            }
            // Dropping the savepoint rolls it back: only this row is undone.
            Err(e) => outcomes.push((row, Err(e))),
        }
    }
    let written = started.elapsed();
    tx.commit()?;
    tracing::debug!(
        reviews,
        write_us = written.as_micros() as u64,
        commit_us = (started.elapsed() - written).as_micros() as u64,
        "group written"
    );
    Ok(outcomes)
}

/// The review row, its item's current pointer and its `submitted` event
/// (what `pool_group` writes for a group on the pool's path); returns the
/// new chain head.
fn write_review(
    conn: &rusqlite::Connection,
    row: &PendingReview,
    head: &(i64, String),
) -> Result<(i64, String)> {
    let new = &row.new;
    let stored = row.stored.then_some(new.content.as_str());
    conn.prepare_cached(INSERT_REVIEW)?.execute(params![
        row.id,
        new.item_id,
        new.content_hash,
        new.format,
        new.title,
        new.submitter,
        new.department,
        new.channel,
        new.url,
        new.callback_url,
        new.token_id,
        new.decision.as_str(),
        row.status.as_str(),
        1i64,
        row.findings_json,
        new.incomplete,
        stored,
        new.lexicon_version,
        new.engine_version,
        row.at,
        row.at,
        row.attachments_json,
        row.omitted_json,
    ])?;
    conn.prepare_cached(UPSERT_ITEM)?.execute(params![
        new.token_id,
        new.item_id,
        row.id,
        row.at
    ])?;
    let seq = head.0 + 1;
    let hash = event_hash(
        2,
        seq,
        &head.1,
        &row.id,
        "submitted",
        &row.actor,
        &row.payload,
        &row.at,
    );
    conn.prepare_cached(INSERT_EVENT)?.execute(params![
        seq,
        row.id,
        "submitted",
        row.actor,
        row.payload,
        row.at,
        head.1,
        hash
    ])?;
    Ok((seq, hash))
}
