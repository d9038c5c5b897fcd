//! `baomi inspect URL…`: 网站巡检 from the command line. Crawls the start
//! URLs' hosts (and `--allow-host` ones) and reports one record per URL in
//! the formats of `baomi scan`.
//!
//! Exit codes, as `scan`: 0 when every URL passes (or what was found is
//! kept quiet by an officer's action), 1 when an open record is at or above
//! `--fail-on`, 2 on a usage error or when a URL could not be fetched (no
//! answer, an HTTP error, a redirect loop, over the size limit).
//!
//! With `--database-url` (or `BAOMI_DATABASE_URL`, or the config file's
//! `database_url`) the run is recorded in the store `baomi serve` uses:
//! unchanged pages are not rescanned, officers' 误报 and 转入审查 keep
//! their content quiet, and 已整改 URLs are checked.

use super::inspect_output as out;
use anyhow::{bail, Context, Result};
use baomi::service::config::ConfigFile;
use baomi::service::inspect::crawl::Crawler;
use baomi::service::inspect::frontier::{DbFrontier, Frontier, StoreRef};
use baomi::service::inspect::model::{Entry, EntryKind, Record, SkipReason};
use baomi::service::inspect::runs::{self, RunRequest};
use baomi::service::inspect::summary::{summarize, summary_lines};
use baomi::service::inspect::urls::origin;
use baomi::service::store::{random_id, ContentRetention, FrontierCounts, Store};
use baomi::Decision;
use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Start URLs (http:// or https://); their hosts are inspected.
    #[arg(required = true)]
    urls: Vec<String>,
    /// Another host that may be requested (`files.example.gov.cn`,
    /// `host:port`); repeatable. Nothing else is ever requested.
    #[arg(long = "allow-host", value_name = "HOST")]
    allow_hosts: Vec<String>,
    /// Requests per second per host.
    #[arg(long, default_value_t = 4.0)]
    rate: f64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: u32,
    /// Pages and attachments fetched at most.
    #[arg(long, default_value_t = 10_000)]
    max_pages: u64,
    /// Links followed from a start URL at most.
    #[arg(long, default_value_t = 10)]
    max_depth: u32,
    /// Seconds per request, connecting to last byte.
    #[arg(long, default_value_t = 15.0)]
    timeout: f64,
    /// Largest response read (bytes; K, M or G suffix), e.g. 32M.
    #[arg(long, default_value = "32M", value_parser = parse_size)]
    max_size: u64,
    /// Do not obey robots.txt (a body inspecting its own site may; the
    /// summary says so). Its Sitemap: lines are still read.
    #[arg(long)]
    ignore_robots: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Fail (exit 1) from this decision on.
    #[arg(long, value_enum, default_value_t = FailOn::Review)]
    fail_on: FailOn,
    /// A directory of lexicon files on top of the bundled ones.
    #[arg(long, env = "BAOMI_LEXICONS")]
    lexicons: Option<PathBuf>,
    /// Record the run in this store (`sqlite://PATH` or `postgres://…`, as
    /// `baomi serve`): incremental, with officers' actions applied.
    #[arg(long, env = "BAOMI_DATABASE_URL")]
    database_url: Option<String>,
    /// A TOML config file (its `database_url` is used when given).
    #[arg(long, env = "BAOMI_CONFIG")]
    config: Option<PathBuf>,
    /// A name for the run (default: the first host).
    #[arg(long)]
    name: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Jsonl,
    Csv,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Review,
    Block,
}

/// `32M` → 33554432.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], s[i..].trim().to_ascii_uppercase()),
        None => (s, String::new()),
    };
    let n: u64 = digits.parse().map_err(|_| format!("not a size: {s:?}"))?;
    let factor = match unit.trim_end_matches(['B', 'I']) {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(format!("unknown unit in {s:?}: use K, M or G")),
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("too large: {s:?}"))
}

pub fn run(args: InspectArgs) -> Result<ExitCode> {
    std::thread::spawn(baomi::engine::boundary::warm_jieba);
    let engine = Arc::new(super::common::build_engine(args.lexicons.as_deref())?);
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a positive number of seconds");
    }
    let request = RunRequest {
        name: args.name.clone(),
        start: args.urls.clone(),
        allow_hosts: args.allow_hosts.clone(),
        rate: Some(args.rate),
        concurrency: Some(args.concurrency),
        max_pages: Some(args.max_pages),
        max_depth: Some(args.max_depth),
        timeout_ms: Some((args.timeout * 1000.0).round() as u64),
        max_bytes: Some(args.max_size),
        ignore_robots: args.ignore_robots,
    };
    let settings = runs::settings(&request)?;
    let file = ConfigFile::read(args.config.as_deref())?;
    let database = args.database_url.clone().or(file.database_url.clone());
    let runtime = super::common::runtime()?;
    let worker = random_id("wk");
    let (records, counts) = runtime.block_on(async {
        match &database {
            Some(url) => {
                let store = Arc::new(
                    Store::connect(url, ContentRetention::Flagged)
                        .await
                        .with_context(|| format!("opening {url}"))?,
                );
                let run = runs::start_run(
                    &store,
                    args.name.as_deref(),
                    &settings,
                    "cli",
                    None,
                    engine.lexicon_version(),
                )
                .await?;
                eprintln!(
                    "baomi: inspection {} recorded in {}",
                    run.id,
                    store.describe()
                );
                let frontier = Frontier::Db(DbFrontier {
                    store: StoreRef::Own(store.clone()),
                    run_id: run.id.clone(),
                    lease_ttl: Duration::from_secs(60),
                });
                let crawler = Crawler::new(
                    run.id.clone(),
                    settings.clone(),
                    engine.clone(),
                    frontier,
                    worker,
                )
                .map_err(anyhow::Error::msg)?;
                crawl_with_progress(Arc::new(crawler)).await?;
                runs::finalize(&store, &run).await?;
                let records = store.inspection_records(&run.id).await?;
                let counts = store.frontier_counts(&run.id).await?;
                anyhow::Ok((records, counts))
            }
            None => {
                let seeds: Vec<Entry> = settings
                    .start
                    .iter()
                    .filter_map(|u| url::Url::parse(u).ok())
                    .map(|u| Entry {
                        url: u.to_string(),
                        origin: origin(&u),
                        kind: EntryKind::Link,
                        referrer: None,
                        depth: 0,
                        redirects: Vec::new(),
                    })
                    .collect();
                let crawler = Arc::new(
                    Crawler::new(
                        random_id("ir"),
                        settings.clone(),
                        engine.clone(),
                        Frontier::memory(&seeds),
                        worker,
                    )
                    .map_err(anyhow::Error::msg)?,
                );
                crawl_with_progress(crawler.clone()).await?;
                let Frontier::Memory(m) = &crawler.frontier else {
                    unreachable!("built as a memory frontier above")
                };
                let m = m.lock().unwrap_or_else(|e| e.into_inner());
                let counts = FrontierCounts {
                    skipped_robots: m.skipped(SkipReason::Robots),
                    skipped_depth: m.skipped(SkipReason::MaxDepth),
                    skipped_pages: m.skipped(SkipReason::MaxPages),
                    ..FrontierCounts::default()
                };
                anyhow::Ok((m.records(), counts))
            }
        }
    })?;
    let summary = summarize(&records, &counts, settings.ignore_robots);
    let mut rendered = match args.format {
        OutputFormat::Human => out::render_human(&records),
        OutputFormat::Json => out::render_json(&records),
        OutputFormat::Jsonl => out::render_jsonl(&records),
        OutputFormat::Csv => out::render_csv(&records),
        OutputFormat::Sarif => {
            let rules: Vec<(String, String)> = engine
                .lexicon()
                .entries
                .iter()
                .map(|e| (e.id.clone(), e.reason.clone()))
                .collect();
            out::render_sarif(&records, &rules)
        }
    };
    let lines = summary_lines(&summary);
    if matches!(args.format, OutputFormat::Human) {
        rendered.push('\n');
        for l in &lines {
            rendered.push_str(l);
            rendered.push('\n');
        }
    } else {
        for l in &lines {
            eprintln!("baomi: {l}");
        }
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(rendered.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e).context("writing output");
        }
    }
    Ok(exit_code(&records, args.fail_on))
}

fn exit_code(records: &[Record], fail_on: FailOn) -> ExitCode {
    let threshold = match fail_on {
        FailOn::Review => Decision::Review,
        FailOn::Block => Decision::Block,
    };
    if records.iter().any(Record::is_fetch_error) {
        ExitCode::from(2)
    } else if records
        .iter()
        .any(|r| r.is_open() && r.decision >= threshold)
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs the crawl with a spinner on a terminal (fetched, problems, errors).
async fn crawl_with_progress(crawler: Arc<Crawler>) -> Result<()> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let ticker = bar.clone().map(|bar| {
        let c = crawler.clone();
        tokio::spawn(async move {
            loop {
                let p = &c.progress;
                bar.set_message(format!(
                    "已抓取 {}，问题 {}，无法读取 {}，站外链接未访问 {}",
                    p.fetched.load(Ordering::Relaxed),
                    p.problems.load(Ordering::Relaxed),
                    p.errors.load(Ordering::Relaxed),
                    p.external.load(Ordering::Relaxed)
                ));
                bar.tick();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    });
    let result = crawler.run().await;
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result.context("the inspection stopped")?;
    Ok(())
}
