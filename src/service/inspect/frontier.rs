//! Where a run's URLs wait: in the database (shared by every instance that
//! works on the run; see `store::inspect_frontier` for the leasing
//! contract) or, for `baomi inspect` without a database, in memory with the
//! same rules: each URL once, robots.txt of an origin before its other
//! URLs, `max_pages` counted on first lease, one request slot per origin
//! every `1/rate` seconds.

use super::model::{Action, Entry, EntryKind, Known, Record, SkipReason};
use super::robots::Robots;
use crate::service::app::AppState;
use crate::service::store::{Completion, Leased, NewEntry, Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The store behind a database frontier: the service's, or one the CLI
/// opened.
#[derive(Clone)]
pub enum StoreRef {
    App(AppState),
    Own(Arc<Store>),
}

impl StoreRef {
    pub fn get(&self) -> &Store {
        match self {
            StoreRef::App(app) => &app.store,
            StoreRef::Own(store) => store,
        }
    }
}

/// A run's frontier.
pub enum Frontier {
    Memory(Box<Mutex<Memory>>),
    Db(DbFrontier),
}

pub struct DbFrontier {
    pub store: StoreRef,
    pub run_id: String,
    /// How long a lease lasts without renewal.
    pub lease_ttl: Duration,
}

/// The in-memory frontier of a CLI run without a database.
#[derive(Default)]
pub struct Memory {
    states: HashMap<String, MemState>,
    /// Queued entries by (priority, depth, order).
    queue: BTreeMap<(i64, u32, u64), Entry>,
    /// Origins and their robots.txt once known.
    origins: HashMap<String, Option<Robots>>,
    slots: HashMap<String, Instant>,
    records: Vec<Record>,
    by_hash: HashMap<String, usize>,
    leased_links: u64,
    leased: u64,
    order: u64,
    skipped: HashMap<SkipReason, u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemState {
    Queued,
    Leased,
    Done,
}

impl Memory {
    fn push(&mut self, new: &NewEntry) {
        let e = &new.entry;
        if !self.origins.contains_key(&e.origin) {
            self.origins.insert(e.origin.clone(), None);
            let robots = Entry {
                url: format!("{}/robots.txt", e.origin),
                origin: e.origin.clone(),
                kind: EntryKind::Robots,
                referrer: None,
                depth: 0,
                redirects: Vec::new(),
            };
            self.push(&NewEntry::queued(robots));
        }
        if self.states.contains_key(&e.url) {
            return;
        }
        if let Some(reason) = new.skip {
            self.states.insert(e.url.clone(), MemState::Done);
            *self.skipped.entry(reason).or_default() += 1;
            return;
        }
        self.states.insert(e.url.clone(), MemState::Queued);
        self.order += 1;
        self.queue
            .insert((e.kind.priority(), e.depth, self.order), e.clone());
    }

    /// The records so far, by URL.
    pub fn records(&self) -> Vec<Record> {
        let mut r = self.records.clone();
        r.sort_by(|a, b| a.url.cmp(&b.url));
        r
    }

    pub fn skipped(&self, reason: SkipReason) -> u64 {
        self.skipped.get(&reason).copied().unwrap_or(0)
    }
}

impl Frontier {
    /// An in-memory frontier seeded with `start`.
    pub fn memory(start: &[Entry]) -> Frontier {
        let mut m = Memory::default();
        for e in start {
            m.push(&NewEntry::queued(e.clone()));
        }
        Frontier::Memory(Box::new(Mutex::new(m)))
    }

    fn mem(m: &Mutex<Memory>) -> std::sync::MutexGuard<'_, Memory> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub async fn lease(&self, worker: &str, max_pages: u64) -> Result<Leased, StoreError> {
        match self {
            Frontier::Db(d) => {
                d.store
                    .get()
                    .lease_entry(&d.run_id, worker, d.lease_ttl.as_millis() as i64, max_pages)
                    .await
            }
            Frontier::Memory(m) => {
                let mut m = Self::mem(m);
                let key = m
                    .queue
                    .iter()
                    .find(|(_, e)| {
                        e.kind == EntryKind::Robots
                            || m.origins.get(&e.origin).is_some_and(|r| r.is_some())
                    })
                    .map(|(k, _)| *k);
                let Some(key) = key else {
                    return Ok(Leased::Empty);
                };
                let entry = m.queue.remove(&key).expect("the key was just found");
                if entry.kind == EntryKind::Link {
                    if m.leased_links >= max_pages {
                        m.states.insert(entry.url.clone(), MemState::Done);
                        *m.skipped.entry(SkipReason::MaxPages).or_default() += 1;
                        return Ok(Leased::Skipped);
                    }
                    m.leased_links += 1;
                }
                m.leased += 1;
                m.states.insert(entry.url.clone(), MemState::Leased);
                Ok(Leased::Entry(entry))
            }
        }
    }

    /// Keeps a lease alive; `false` when it was lost.
    pub async fn renew(&self, url: &str, worker: &str) -> Result<bool, StoreError> {
        match self {
            Frontier::Db(d) => {
                d.store
                    .get()
                    .renew_lease(&d.run_id, url, worker, d.lease_ttl.as_millis() as i64)
                    .await
            }
            Frontier::Memory(_) => Ok(true),
        }
    }

    /// Writes the work on `entry`; `false` when the lease was lost (someone
    /// else owns the URL now and nothing was written).
    pub async fn complete(
        &self,
        entry: &Entry,
        worker: &str,
        done: Completion,
    ) -> Result<bool, StoreError> {
        match self {
            Frontier::Db(d) => {
                d.store
                    .get()
                    .complete_entry(&d.run_id, entry, worker, done)
                    .await
            }
            Frontier::Memory(m) => {
                let mut m = Self::mem(m);
                m.states.insert(entry.url.clone(), MemState::Done);
                if let Some(reason) = done.skipped {
                    *m.skipped.entry(reason).or_default() += 1;
                }
                if let Some(robots) = done.robots {
                    m.origins
                        .insert(entry.origin.clone(), Some(Robots::from_stored(robots)));
                }
                for link in &done.links {
                    m.push(link);
                }
                if let Some(record) = done.record {
                    if let (Some(h), None) = (&record.content_hash, &record.duplicate_of) {
                        let i = m.records.len();
                        m.by_hash.entry(h.clone()).or_insert(i);
                    }
                    m.records.push(record);
                }
                Ok(true)
            }
        }
    }

    /// Entries still queued or leased.
    pub async fn remaining(&self) -> Result<u64, StoreError> {
        match self {
            Frontier::Db(d) => d.store.get().frontier_remaining(&d.run_id).await,
            Frontier::Memory(m) => {
                let m = Self::mem(m);
                Ok(m.states
                    .values()
                    .filter(|s| matches!(s, MemState::Queued | MemState::Leased))
                    .count() as u64)
            }
        }
    }

    /// An origin's robots.txt, once its entry is done.
    pub async fn robots(&self, origin: &str) -> Result<Option<Robots>, StoreError> {
        match self {
            Frontier::Db(d) => Ok(d
                .store
                .get()
                .origin_robots(&d.run_id, origin)
                .await?
                .map(Robots::from_stored)),
            Frontier::Memory(m) => Ok(Self::mem(m).origins.get(origin).cloned().flatten()),
        }
    }

    /// Waits for the origin's next request slot (`interval` apart).
    pub async fn wait_slot(&self, origin: &str, interval: Duration) -> Result<(), StoreError> {
        let wait = match self {
            Frontier::Db(d) => {
                let slot = d
                    .store
                    .get()
                    .reserve_slot(&d.run_id, origin, interval.as_millis() as i64)
                    .await?;
                let now = crate::service::store::epoch_ms();
                Duration::from_millis((slot - now).max(0) as u64)
            }
            Frontier::Memory(m) => {
                let mut m = Self::mem(m);
                let now = Instant::now();
                let slot = m
                    .slots
                    .get(origin)
                    .copied()
                    .filter(|s| *s > now)
                    .unwrap_or(now);
                m.slots.insert(origin.to_string(), slot + interval);
                slot - now
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// The first record of this run with the same content.
    pub async fn with_hash(&self, hash: &str) -> Result<Option<Record>, StoreError> {
        match self {
            Frontier::Db(d) => d.store.get().record_with_hash(&d.run_id, hash).await,
            Frontier::Memory(m) => {
                let m = Self::mem(m);
                Ok(m.by_hash.get(hash).map(|&i| m.records[i].clone()))
            }
        }
    }

    /// What the last run knew of `url`, and the record it decided (database
    /// only: without one every run starts afresh).
    pub async fn known(&self, url: &str) -> Result<Option<(Known, Option<Record>)>, StoreError> {
        let Frontier::Db(d) = self else {
            return Ok(None);
        };
        let store = d.store.get();
        let Some(known) = store.known_url(url).await? else {
            return Ok(None);
        };
        let record = match &known.record_id {
            Some(id) => store.inspection_record(id).await?,
            None => None,
        };
        Ok(Some((known, record)))
    }

    /// The newest officer's action on `url` (database only).
    pub async fn latest_action(&self, url: &str) -> Result<Option<Action>, StoreError> {
        match self {
            Frontier::Db(d) => d.store.get().latest_action(url).await,
            Frontier::Memory(_) => Ok(None),
        }
    }
}
