//! `baomi report`: the period's figures for the 保密自查报告.

use super::common::DbArgs;
use anyhow::Result;
use baomi::service::report::{figures, render_csv, render_markdown, report_period};
use clap::ValueEnum;
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
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Markdown,
    Csv,
    Json,
}

pub async fn run(args: ReportArgs) -> Result<ExitCode> {
    let (from, to) = report_period(&args.from, &args.to)?;
    let store = args.db.open_store().await?;
    let reviews = store.reviews_between(&from, &to).await?;
    let resolutions = store.resolutions_between(&from, &to).await?;
    let r = figures(&args.from, &args.to, &reviews, &resolutions);
    let out = match args.format {
        ReportFormat::Markdown => render_markdown(&r),
        ReportFormat::Csv => render_csv(&r),
        ReportFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
