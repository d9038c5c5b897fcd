//! The `baomi` command line: thin glue around the layers of the library.
//! One file per command; output formats in [`output`].
//!
//! Exit codes: 0 success (for `scan`: every input passes), 1 a finding at or
//! above `--fail-on` or a failed check, 2 a usage error or an input that
//! could not be read. Errors are printed as `baomi: …` with their causes.

mod audit;
mod common;
mod eval;
mod inspect;
mod inspect_output;
mod integration;
mod lexicon;
mod output;
mod register;
mod report;
mod scan;
mod serve;
mod synth;
mod token;

use clap::{Parser, Subcommand};
use common::runtime;
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
    /// Scan files, folders (recursively: text, HTML, CSV, Office old and new,
    /// WPS, ODF, OFD, RTF, PDF, zip and pictures) or stdin (`-`).
    Scan(scan::ScanArgs),
    /// 网站巡检: crawl a portal (pages and linked attachments) and report
    /// every leak with its URL; incremental with --database-url.
    Inspect(inspect::InspectArgs),
    /// Check or export lexicons.
    #[command(subcommand)]
    Lexicon(lexicon::LexiconCommand),
    /// Run the publish hook (HTTP API) on the bundled lexicons and a SQLite
    /// file in the working directory unless configured otherwise.
    Serve(serve::ServeArgs),
    /// Manage bearer tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Verify the hash-chained audit record.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Figures for the annual 保密自查报告.
    Report(report::ReportArgs),
    /// Measure the lexicons on a labelled archive (TSV: file, expect, category).
    Eval(eval::EvalArgs),
    /// The unit's own register (定密台账) as a lexicon.
    #[command(subcommand)]
    Register(register::RegisterCommand),
    /// Print what connects a CMS to the publish hook (the WordPress plugin).
    #[command(subcommand)]
    Integration(integration::IntegrationCommand),
    /// Deterministic synthetic inputs for benchmarks.
    #[command(subcommand, hide = true)]
    Synth(synth::SynthCommand),
}

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BAOMI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Lexicon(cmd) => lexicon::run(cmd),
        Command::Serve(args) => serve::run(args),
        Command::Token(cmd) => runtime().and_then(|rt| rt.block_on(token::run(cmd))),
        Command::Audit(cmd) => runtime().and_then(|rt| rt.block_on(audit::run(cmd))),
        Command::Report(args) => runtime().and_then(|rt| rt.block_on(report::run(args))),
        Command::Integration(cmd) => runtime().and_then(|rt| rt.block_on(integration::run(cmd))),
        Command::Synth(cmd) => synth::run(cmd),
        Command::Eval(args) => eval::run(args),
        Command::Register(cmd) => register::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("baomi: {e:#}");
            ExitCode::from(2)
        }
    }
}
