//! Starting runs and working on them.
//!
//! Contract:
//! - [`settings`] validates what a person asked for (URLs, bounds) before
//!   anything is recorded; [`start_run`] records the run, seeds its
//!   frontier with the start URLs and every URL marked 已整改 that no run
//!   has checked yet (within the run's hosts), and appends its
//!   `inspection_started` event;
//! - [`start`] (the API and the page) also requires every host of the run to
//!   be one the config allows (`inspect_hosts` or a scheduled site's):
//!   otherwise a signed-in page could make the server fetch any address its
//!   network reaches and show what it found;
//! - [`run_worker`] (one per `baomi serve`) starts due schedules and crawls
//!   every running run together with the other instances on the database,
//!   then marks it finished (once, whoever finishes last).

use super::crawl::{CrawlError, Crawler};
use super::frontier::{DbFrontier, Frontier, StoreRef};
use super::model::RunSettings;
use super::summary::{summarize, Summary};
use super::urls::{authority, host_allowed, resolve};
use crate::service::app::AppState;
use crate::service::config::InspectSchedule;
use crate::service::error::ServiceError;
use crate::service::store::{random_id, NewRun, RunRow, Store, StoreError, TokenInfo};
use std::sync::Arc;
use std::time::Duration;

/// What a person asks a run to do (the API body, the CLI flags, a schedule).
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub name: Option<String>,
    pub start: Vec<String>,
    pub allow_hosts: Vec<String>,
    pub rate: Option<f64>,
    pub concurrency: Option<u32>,
    pub max_pages: Option<u64>,
    pub max_depth: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub max_bytes: Option<u64>,
    pub ignore_robots: bool,
}

impl From<&InspectSchedule> for RunRequest {
    fn from(s: &InspectSchedule) -> RunRequest {
        RunRequest {
            name: Some(s.name.clone()),
            start: s.start.clone(),
            allow_hosts: s.allow_hosts.clone().unwrap_or_default(),
            rate: s.rate,
            concurrency: s.concurrency,
            max_pages: s.max_pages,
            max_depth: s.max_depth,
            timeout_ms: s.timeout_ms,
            max_bytes: s.max_bytes,
            ignore_robots: s.ignore_robots.unwrap_or(false),
        }
    }
}

fn bounded<T: PartialOrd + Copy + std::fmt::Display>(
    field: &'static str,
    value: Option<T>,
    default: T,
    min: T,
    max: T,
) -> Result<T, ServiceError> {
    let v = value.unwrap_or(default);
    if v < min || v > max {
        return Err(ServiceError::invalid(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(v)
}

/// The run's settings, or which field is wrong.
pub fn settings(req: &RunRequest) -> Result<RunSettings, ServiceError> {
    if req.start.is_empty() || req.start.len() > 100 {
        return Err(ServiceError::invalid("start", "must list 1 to 100 URLs"));
    }
    let d = RunSettings::default();
    let mut start = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    for s in &req.start {
        let url = resolve(None, s).map_err(|e| {
            ServiceError::invalid(
                "start",
                format!("holds an address that cannot be inspected ({e})"),
            )
        })?;
        let host = authority(&url);
        if !hosts.contains(&host) {
            hosts.push(host);
        }
        if !start.contains(&url.to_string()) {
            start.push(url.to_string());
        }
    }
    for h in &req.allow_hosts {
        let h = h.trim().to_ascii_lowercase();
        let valid = !h.is_empty()
            && h.len() <= 255
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !valid {
            return Err(ServiceError::invalid(
                "allow_hosts",
                "must be host names, `host:port` each",
            ));
        }
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    Ok(RunSettings {
        start,
        allowed_hosts: hosts,
        rate: bounded("rate", req.rate, d.rate, 0.01, 1000.0)?,
        concurrency: bounded("concurrency", req.concurrency, d.concurrency, 1, 64)?,
        max_pages: bounded("max_pages", req.max_pages, d.max_pages, 1, 10_000_000)?,
        max_depth: bounded("max_depth", req.max_depth, d.max_depth, 0, 1000)?,
        timeout_ms: bounded("timeout_ms", req.timeout_ms, d.timeout_ms, 100, 600_000)?,
        max_bytes: bounded("max_bytes", req.max_bytes, d.max_bytes, 1024, 1 << 30)?,
        ignore_robots: req.ignore_robots,
    })
}

/// Records a run (see the module docs); `name` defaults to the first start
/// URL's host.
pub async fn start_run(
    store: &Store,
    name: Option<&str>,
    settings: &RunSettings,
    started_by: &str,
    schedule: Option<&str>,
    lexicon_version: &str,
) -> Result<RunRow, StoreError> {
    let also: Vec<String> = store
        .unchecked_rectifications()
        .await?
        .into_iter()
        .filter(|u| url::Url::parse(u).is_ok_and(|u| host_allowed(&u, &settings.allowed_hosts)))
        .collect();
    let fallback = settings
        .allowed_hosts
        .first()
        .cloned()
        .unwrap_or_else(|| "网站巡检".into());
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&fallback);
    store
        .create_inspection(NewRun {
            name,
            settings,
            started_by,
            schedule,
            lexicon_version,
            also,
        })
        .await
}

/// A run asked for through the API or the page.
pub async fn start(
    app: &AppState,
    caller: &TokenInfo,
    req: RunRequest,
) -> Result<RunRow, ServiceError> {
    if let Some(name) = &req.name {
        if name.chars().count() > 200 {
            return Err(ServiceError::invalid(
                "name",
                "is longer than 200 characters",
            ));
        }
    }
    let settings = settings(&req)?;
    let permitted = app.config.inspect_hosts_permitted();
    if let Some(h) = settings
        .allowed_hosts
        .iter()
        .find(|h| !permitted.contains(h))
    {
        return Err(ServiceError::invalid(
            "start",
            format!(
                "names host {h}, which the setting `inspect_hosts` (config file) does not list; \
                 an administrator must allow it first"
            ),
        ));
    }
    let engine = app.engine();
    let run = start_run(
        &app.store,
        req.name.as_deref(),
        &settings,
        &caller.name,
        None,
        engine.lexicon_version(),
    )
    .await?;
    tracing::info!(run_id = %run.id, token_id = %caller.id, "inspection started");
    Ok(run)
}

/// The run's figures now.
pub async fn run_summary(store: &Store, run: &RunRow) -> Result<Summary, StoreError> {
    let records = store.inspection_records(&run.id).await?;
    let counts = store.frontier_counts(&run.id).await?;
    Ok(summarize(&records, &counts, run.settings.ignore_robots))
}

/// Marks the run finished if nothing is left to do (once across instances).
pub async fn finalize(store: &Store, run: &RunRow) -> Result<bool, StoreError> {
    if store.frontier_remaining(&run.id).await? > 0 {
        return Ok(false);
    }
    let summary = run_summary(store, run).await?;
    let payload = serde_json::to_value(&summary).unwrap_or_default();
    let finished = store.finish_inspection(&run.id, &payload).await?;
    if finished {
        tracing::info!(run_id = %run.id, open = summary.open, records = summary.records, "inspection finished");
    }
    Ok(finished)
}

/// Crawls one run with this instance's share of workers.
pub async fn crawl(
    store: StoreRef,
    run: &RunRow,
    engine: Arc<crate::engine::Engine>,
    worker: &str,
    lease_ttl: Duration,
) -> Result<Arc<Crawler>, CrawlError> {
    let frontier = Frontier::Db(DbFrontier {
        store: store.clone(),
        run_id: run.id.clone(),
        lease_ttl,
    });
    let crawler = Crawler::new(
        run.id.clone(),
        run.settings.clone(),
        engine,
        frontier,
        worker.to_string(),
    )
    .map_err(CrawlError::Client)?;
    let crawler = Arc::new(crawler);
    crawler.run().await?;
    finalize(store.get(), run).await?;
    Ok(crawler)
}

/// Starts the runs of schedules that are due (one instance wins each).
async fn start_due_schedules(state: &AppState) -> Result<(), StoreError> {
    for schedule in &state.config.inspect_schedules {
        let now = chrono::Utc::now();
        let every = chrono::Duration::milliseconds((schedule.every_hours * 3_600_000.0) as i64);
        let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        if !state
            .store
            .claim_schedule(&schedule.name, &fmt(now), &fmt(now + every))
            .await?
        {
            continue;
        }
        let settings = match settings(&RunRequest::from(schedule)) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(schedule = %schedule.name, error = %e, "a scheduled inspection is misconfigured");
                continue;
            }
        };
        let engine = state.engine();
        let run = start_run(
            &state.store,
            Some(&schedule.name),
            &settings,
            &format!("schedule:{}", schedule.name),
            Some(&schedule.name),
            engine.lexicon_version(),
        )
        .await?;
        state
            .store
            .set_schedule_run(&schedule.name, &run.id)
            .await?;
        tracing::info!(run_id = %run.id, schedule = %schedule.name, "scheduled inspection started");
    }
    Ok(())
}

/// The service's inspection worker: see the module docs.
pub async fn run_worker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let worker = random_id("wk");
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = start_due_schedules(&state).await {
            tracing::warn!(error = %e, "cannot start scheduled inspections");
        }
        match state.store.running_inspections().await {
            Ok(runs) => {
                for run in runs {
                    let work = crawl(
                        StoreRef::App(state.clone()),
                        &run,
                        state.engine(),
                        &worker,
                        state.config.inspect_lease,
                    );
                    tokio::select! {
                        done = work => if let Err(e) = done {
                            tracing::warn!(run_id = %run.id, error = %e, "inspection work interrupted; other instances or the next round go on");
                        },
                        _ = stop.changed() => return,
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read running inspections"),
        }
        tokio::select! {
            _ = tokio::time::sleep(state.config.inspect_poll) => {}
            _ = stop.changed() => return,
        }
    }
}
