//! The `baomi` command: thin glue around the engine.
//!
//! Exit codes of `scan`: 0 when every input passes, 1 when any input is at
//! or above `--fail-on` (default `review`), 2 on a usage error or when any
//! input could not be read (each such input is reported with its file name
//! and the decision `review`; the run goes on with the others). An
//! attachment (.docx, .xlsx, .pdf, .zip, .csv, or a file whose content is
//! one) that was read but not wholly understood (encrypted, unsupported,
//! damaged, over a limit) is a `review` with its `error`, exit 1, not 2: it
//! is a verdict, not a failure to read.

use anyhow::{bail, Context, Result};
use baomi::engine::{Engine, EngineBuilder};
use baomi::extract::looks_like_html;
use baomi::lexicon::Lexicon;
use baomi::output::{self, ScanOk, ScanRecord};
use baomi::review::Role;
use baomi::server::{ServeConfig, Service};
use baomi::store::{ContentRetention, Store};
use baomi::{Decision, Document, Format, ScanOptions};
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "baomi",
    version,
    about = "保密审查: pre-publication secrecy review for portal content"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, folders (recursively: .txt .md .html .htm .csv .docx .xlsx
    /// .pdf .zip) or stdin (`-`).
    Scan(ScanArgs),
    /// Check or export lexicons.
    #[command(subcommand)]
    Lexicon(LexiconCommand),
    /// Run the publish hook (HTTP API) on the bundled lexicons and a SQLite
    /// file in the working directory unless configured otherwise.
    Serve(ServeArgs),
    /// Manage bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Verify the hash-chained audit record.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Figures for the annual 保密自查报告.
    Report(ReportArgs),
    /// Deterministic synthetic inputs for benchmarks.
    #[command(subcommand, hide = true)]
    Synth(SynthCommand),
}

/// Where settings come from, strongest first: command line, environment
/// (`BAOMI_*`), the config file (`--config`, `BAOMI_CONFIG`, or `baomi.toml`
/// in the working directory when present), built-in defaults.
#[derive(clap::Args, Clone)]
struct DbArgs {
    /// `sqlite://PATH` (default `sqlite://baomi.sqlite`) or `postgres://…`.
    #[arg(long, env = "BAOMI_DATABASE_URL")]
    database_url: Option<String>,
    /// A TOML config file (keys as in README: listen, database_url, lexicons, …).
    #[arg(long, env = "BAOMI_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long, env = "BAOMI_LISTEN")]
    listen: Option<String>,
    /// A directory of lexicon files on top of the bundled ones.
    #[arg(long, env = "BAOMI_LEXICONS")]
    lexicons: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; prints the token alone on stdout, once. Only its hash is stored.
    Create {
        #[arg(long)]
        role: String,
        /// Officer level: 1 部门负责人, 2 分管领导, 3 保密工作负责人.
        #[arg(long)]
        level: Option<i64>,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token by id or name.
    Revoke {
        id_or_name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain; exit 1 and name the first changed, inserted or deleted row.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(clap::Args)]
struct ReportArgs {
    /// First day, e.g. 2026-01-01.
    #[arg(long)]
    from: String,
    /// Last day (inclusive), e.g. 2026-12-31.
    #[arg(long)]
    to: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Markdown,
    Csv,
    Json,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or folders; `-` (or nothing) reads stdin.
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Fail (exit 1) from this decision on.
    #[arg(long, value_enum, default_value_t = FailOn::Review)]
    fail_on: FailOn,
    /// A directory of lexicon files on top of the bundled ones (a file with
    /// the name of a bundled one replaces it).
    #[arg(long, env = "BAOMI_LEXICONS")]
    lexicons: Option<PathBuf>,
    /// How to read inputs: by extension (stdin: sniffed), or forced.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// Add UTF-16 offsets to findings (for JavaScript clients).
    #[arg(long)]
    utf16: bool,
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

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum InputFormat {
    Auto,
    Text,
    Html,
}

#[derive(Subcommand)]
enum LexiconCommand {
    /// Build the engine and run every entry's examples. Without DIR: the
    /// bundled lexicons; with DIR: DIR on top of them.
    Check { dir: Option<PathBuf> },
    /// Print lexicon contents.
    Export {
        /// The plain term list, one normalized term per line.
        #[arg(long)]
        terms: bool,
        #[arg(long, env = "BAOMI_LEXICONS")]
        lexicons: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SynthCommand {
    /// Write a lexicon of COUNT invented terms to DIR/synthetic.toml.
    Lexicon {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Print about BYTES bytes of synthetic articles mentioning some of the
    /// synthetic terms.
    Corpus {
        #[arg(long, default_value_t = 8_000_000)]
        bytes: usize,
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BAOMI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("baomi: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Lexicon(LexiconCommand::Check { dir }) => lexicon_check(dir.as_deref()),
        Command::Lexicon(LexiconCommand::Export { terms, lexicons }) => {
            if !terms {
                bail!("nothing to export: use --terms");
            }
            let lexicon = load_lexicon(lexicons.as_deref())?;
            let mut out = std::io::stdout().lock();
            for term in lexicon.terms() {
                writeln!(out, "{term}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(args),
        Command::Token(cmd) => runtime()?.block_on(token(cmd)),
        Command::Audit(AuditCommand::Verify { db }) => runtime()?.block_on(async {
            let store = open_store(&db).await?;
            let report = store.verify_chain().await?;
            println!("{report}");
            Ok(if report.problem.is_none() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }),
        Command::Report(args) => runtime()?.block_on(report(args)),
        Command::Synth(SynthCommand::Lexicon { count, seed, dir }) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let source = baomi::synthetic::lexicon_source(count, seed);
            let path = dir.join("synthetic.toml");
            std::fs::write(&path, source.text)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Synth(SynthCommand::Corpus { bytes, count, seed }) => {
            let terms = baomi::synthetic::terms(count, seed);
            let corpus = baomi::synthetic::corpus(bytes, &terms, 25, seed);
            std::io::stdout().lock().write_all(corpus.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_lexicon(dir: Option<&Path>) -> Result<Lexicon> {
    let sources = baomi::server::lexicon_sources(dir).map_err(anyhow::Error::msg)?;
    Ok(Lexicon::from_sources(&sources)?)
}

fn build_engine(dir: Option<&Path>) -> Result<Engine> {
    let lexicon = load_lexicon(dir)?;
    Ok(EngineBuilder::new().build(&lexicon)?)
}

fn lexicon_check(dir: Option<&Path>) -> Result<ExitCode> {
    let engine = build_engine(dir)?;
    let report = baomi::check::check_examples(&engine);
    for failure in &report.failures {
        eprintln!("{failure}");
    }
    println!(
        "lexicon {}: {} entries, {} examples, {} failed",
        engine.lexicon_version(),
        report.entries,
        report.examples,
        report.failures.len()
    );
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// An input to scan.
struct Input {
    /// As shown in output.
    name: String,
    path: Option<PathBuf>,
}

const SCANNED_EXTENSIONS: &[&str] = &[
    "txt", "md", "html", "htm", "csv", "docx", "xlsx", "pdf", "zip",
];

/// Read as attachments (by `baomi::attach`), not as one text document.
const ATTACHMENT_EXTENSIONS: &[&str] = &["csv", "docx", "xlsx", "pdf", "zip"];

fn collect_inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<ScanRecord>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    if paths.is_empty() {
        inputs.push(Input {
            name: "-".into(),
            path: None,
        });
    }
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                name: "-".into(),
                path: None,
            });
        } else if path.is_dir() {
            let mut found = Vec::new();
            if let Err(e) = walk(path, &mut found) {
                errors.push(ScanRecord {
                    path: path.display().to_string(),
                    outcome: Err(format!("cannot read folder: {e}")),
                });
            }
            found.sort();
            inputs.extend(found.into_iter().map(|p| Input {
                name: p.display().to_string(),
                path: Some(p),
            }));
        } else {
            inputs.push(Input {
                name: path.display().to_string(),
                path: Some(path.clone()),
            });
        }
    }
    (inputs, errors)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            // Symlinked folders are not followed: no loops.
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| SCANNED_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    match &input.path {
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(buf)
        }
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read file: {e}")),
    }
}

/// Whether an input is an attachment: by extension, or by content (a zip,
/// a PDF or an Office compound file, whatever its name: misnamed files
/// are common).
fn is_attachment(path: Option<&Path>, bytes: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"PK\x03\x04",
        b"PK\x05\x06",
        b"%PDF-",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    ];
    path.and_then(|p| p.extension())
        .and_then(|x| x.to_str())
        .is_some_and(|x| ATTACHMENT_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        || MAGIC.iter().any(|m| bytes.starts_with(m))
}

fn into_text(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (first bad byte at offset {}); convert it to UTF-8 (GBK files: iconv -f GB18030 -t UTF-8)",
            e.utf8_error().valid_up_to()
        )
    })
}

fn scan(args: ScanArgs) -> Result<ExitCode> {
    // The jieba dictionary (~90 ms) loads on the other core while the
    // lexicons are parsed and the first files are read.
    std::thread::spawn(baomi::boundary::shared_jieba);
    let engine = build_engine(args.lexicons.as_deref())?;
    let (inputs, mut errors) = collect_inputs(&args.paths);
    let options = ScanOptions {
        utf16_offsets: args.utf16,
    };
    let progress = (inputs.len() > 1 && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(inputs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut records: Vec<ScanRecord> = inputs
        .par_iter()
        .map(|input| {
            let outcome = read_input(input).and_then(|bytes| {
                if args.input_format == InputFormat::Auto
                    && is_attachment(input.path.as_deref(), &bytes)
                {
                    return Ok(scan_attachment(&engine, input, &bytes, &options));
                }
                let content = into_text(bytes)?;
                let format = match args.input_format {
                    InputFormat::Text => Format::Text,
                    InputFormat::Html => Format::Html,
                    InputFormat::Auto => match &input.path {
                        Some(p) if has_html_extension(p) => Format::Html,
                        Some(_) => Format::Text,
                        None if looks_like_html(&content) => Format::Html,
                        None => Format::Text,
                    },
                };
                let verdict = engine.scan_with(
                    &Document {
                        content: &content,
                        format,
                    },
                    &options,
                );
                Ok(ScanOk { verdict, content })
            });
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            ScanRecord {
                path: input.name.clone(),
                outcome,
            }
        })
        .collect();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    records.append(&mut errors);
    let failed_reading = records.iter().any(|r| r.outcome.is_err());
    for r in &records {
        if let Err(e) = &r.outcome {
            eprintln!("baomi: {}: {e}", r.path);
        }
    }
    let rendered = match args.format {
        OutputFormat::Human => output::render_human(&records),
        OutputFormat::Json => output::render_json(&records),
        OutputFormat::Jsonl => output::render_jsonl(&records),
        OutputFormat::Csv => output::render_csv(&records),
        OutputFormat::Sarif => {
            let rules: Vec<(String, String)> = engine
                .lexicon()
                .entries
                .iter()
                .map(|e| (e.id.clone(), e.reason.clone()))
                .collect();
            output::render_sarif(&records, &rules)
        }
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(rendered.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e).context("writing output");
        }
    }
    let threshold = match args.fail_on {
        FailOn::Review => Decision::Review,
        FailOn::Block => Decision::Block,
    };
    Ok(if failed_reading {
        ExitCode::from(2)
    } else if records.iter().any(|r| r.decision() >= threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Scans an attachment; its record carries the attachment's findings (each
/// with its `location`) and, when part of it could not be read, the reason
/// as `error` with a decision of at least `review`.
fn scan_attachment(engine: &Engine, input: &Input, bytes: &[u8], options: &ScanOptions) -> ScanOk {
    let name = input
        .path
        .as_deref()
        .and_then(|p| p.file_name())
        .map_or_else(|| "-".to_string(), |n| n.to_string_lossy().into_owned());
    let a = engine.scan_attachment(&name, bytes, options);
    ScanOk {
        verdict: baomi::Verdict {
            decision: a.decision,
            findings: a.findings,
            incomplete: a.error,
            lexicon_version: a.lexicon_version,
            engine_version: a.engine_version,
        },
        content: String::new(),
    }
}

fn has_html_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| x.eq_ignore_ascii_case("html") || x.eq_ignore_ascii_case("htm"))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Keys of the config file; every one optional.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<String>,
    database_url: Option<String>,
    lexicons: Option<PathBuf>,
    body_limit_bytes: Option<usize>,
    scan_budget_ms: Option<u64>,
    store_passed_content: Option<bool>,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    callback_backoff_ms: Option<u64>,
    callback_poll_ms: Option<u64>,
}

fn read_config(path: Option<&Path>) -> Result<ConfigFile> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("baomi.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("config file {}", path.display()))
        }
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            Ok(ConfigFile::default())
        }
        Err(e) => Err(e).with_context(|| format!("reading config file {}", path.display())),
    }
}

fn database_url(db: &DbArgs, file: &ConfigFile) -> String {
    db.database_url
        .clone()
        .or_else(|| file.database_url.clone())
        .unwrap_or_else(|| ServeConfig::default().database_url)
}

async fn open_store(db: &DbArgs) -> Result<Store> {
    let file = read_config(db.config.as_deref())?;
    let url = database_url(db, &file);
    Store::connect(&url, ContentRetention::Flagged)
        .await
        .with_context(|| format!("opening {url}"))
}

async fn token(cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Create {
            role,
            level,
            name,
            db,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use cms, editor, officer or admin")
            })?;
            let level = baomi::server::validate_token_request(role, level, &name)
                .map_err(anyhow::Error::msg)?;
            let store = open_store(&db).await?;
            let (_, secret) = store.create_token(role, level, name.trim()).await?;
            println!("{secret}");
        }
        TokenCommand::List { db } => {
            let store = open_store(&db).await?;
            for t in store.list_tokens().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.role,
                    t.level.map_or("-".to_string(), |l| l.to_string()),
                    t.created_at,
                    t.revoked_at
                        .as_deref()
                        .map_or("live".to_string(), |r| format!("revoked {r}"))
                );
            }
        }
        TokenCommand::Revoke { id_or_name, db } => {
            let store = open_store(&db).await?;
            let n = store.revoke_token(&id_or_name).await?;
            if n == 0 {
                bail!("no live token with id or name {id_or_name:?}");
            }
            eprintln!("revoked {n} token(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn report(args: ReportArgs) -> Result<ExitCode> {
    let (from, to) =
        baomi::server::report_period(&args.from, &args.to).map_err(anyhow::Error::msg)?;
    let store = open_store(&args.db).await?;
    let reviews = store.reviews_between(&from, &to).await?;
    let resolutions = store.resolutions_between(&from, &to).await?;
    let r = baomi::report::figures(&args.from, &args.to, &reviews, &resolutions);
    let out = match args.format {
        ReportFormat::Markdown => baomi::report::render_markdown(&r),
        ReportFormat::Csv => baomi::report::render_csv(&r),
        ReportFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn serve(args: ServeArgs) -> Result<ExitCode> {
    let file = read_config(args.db.config.as_deref())?;
    let defaults = ServeConfig::default();
    let env_string = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let database_url = database_url(&args.db, &file);
    let config = ServeConfig {
        listen: args.listen.or(file.listen).unwrap_or(defaults.listen),
        database_url,
        lexicons: args.lexicons.or(file.lexicons),
        body_limit: file.body_limit_bytes.unwrap_or(defaults.body_limit),
        scan_budget: file
            .scan_budget_ms
            .map_or(defaults.scan_budget, std::time::Duration::from_millis),
        retention: if file.store_passed_content.unwrap_or(false) {
            ContentRetention::All
        } else {
            ContentRetention::Flagged
        },
        webhook_url: env_string("BAOMI_WEBHOOK_URL").or(file.webhook_url),
        webhook_secret: env_string("BAOMI_WEBHOOK_SECRET").or(file.webhook_secret),
        callback_backoff: file
            .callback_backoff_ms
            .map_or(defaults.callback_backoff, std::time::Duration::from_millis),
        callback_poll: file
            .callback_poll_ms
            .map_or(defaults.callback_poll, std::time::Duration::from_millis),
    };
    runtime()?.block_on(async move {
        let listen = config.listen.clone();
        let lexicon_dir = config.lexicons.clone();
        let service = Service::new(config).await.map_err(anyhow::Error::msg)?;
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        let state = service.state.clone();
        let tokens = state.store.list_tokens().await?.iter().filter(|t| t.revoked_at.is_none()).count();
        let db = state.store.describe().to_string();
        println!("baomi {} listening on http://{addr}", baomi::ENGINE_VERSION);
        println!("database: {db}");
        println!(
            "lexicons: {} ({})",
            state.engine().lexicon_version(),
            lexicon_dir.map_or("bundled".to_string(), |d| format!("bundled + {}", d.display()))
        );
        println!(
            "tokens: {tokens} live; create one with: baomi token create --role cms --name my-cms --database-url {db}"
        );
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let reload_state = state.clone();
        tokio::spawn(async move {
            let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
                return;
            };
            while hup.recv().await.is_some() {
                let _ = reload_state.reload_lexicons().await;
            }
        });
        service.serve(listener, shutdown_signal()).await?;
        eprintln!("baomi: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
