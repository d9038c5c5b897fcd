//! `baomi report`: the period's figures for the 保密自查报告.

use super::common::DbArgs;
use anyhow::Context;
use anyhow::Result;
use baomi::service::period_report::period_report;
use baomi::service::report::{render_csv, render_markdown};
use baomi::service::report_docx::render_docx;
use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// First day, e.g. 2026-01-01.
    #[arg(long)]
    from: String,
    /// Last day (inclusive), e.g. 2026-12-31.
    #[arg(long)]
    to: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    /// Write to this file instead of stdout (a .docx is not written to a
    /// terminal).
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Markdown,
    Csv,
    Json,
    /// An editable Word file: the figures tables and a chart.
    Docx,
}

pub async fn run(args: ReportArgs) -> Result<ExitCode> {
    // The period is checked before the store is opened.
    baomi::service::report::report_period(&args.from, &args.to)?;
    let store = args.db.open_store().await?;
    let r = period_report(&store, &args.from, &args.to).await?;
    let out: Vec<u8> = match args.format {
        ReportFormat::Markdown => render_markdown(&r).into_bytes(),
        ReportFormat::Csv => render_csv(&r).into_bytes(),
        ReportFormat::Json => (serde_json::to_string_pretty(&r)? + "\n").into_bytes(),
        ReportFormat::Docx => render_docx(&r).map_err(anyhow::Error::msg)?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &out).with_context(|| format!("writing {}", path.display()))?
        }
        None if matches!(args.format, ReportFormat::Docx) && std::io::stdout().is_terminal() => {
            anyhow::bail!("a .docx is not for a terminal: give --output FILE (or redirect stdout)")
        }
        None => std::io::stdout()
            .write_all(&out)
            .context("writing the report")?,
    }
    Ok(ExitCode::SUCCESS)
}
