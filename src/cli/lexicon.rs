//! `baomi lexicon check|export`: run every entry's examples; print terms.

use anyhow::{bail, Result};
use baomi::engine::lexicon_check::check_examples;
use baomi::service::lexicons;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum LexiconCommand {
    /// Build the engine and run every entry's examples. Without DIR: the
    /// bundled lexicons; with DIR: DIR on top of them (a file that replaces
    /// a bundled one must keep finding what the bundled examples show,
    /// unless named with --replace-bundled).
    Check {
        dir: Option<PathBuf>,
        /// A bundled file (e.g. register.toml) that DIR replaces on purpose.
        #[arg(long = "replace-bundled", value_name = "FILE")]
        replace_bundled: Vec<String>,
    },
    /// Print lexicon contents.
    Export {
        /// The plain term list, one normalized term per line.
        #[arg(long)]
        terms: bool,
        #[arg(long, env = "BAOMI_LEXICONS")]
        lexicons: Option<PathBuf>,
    },
}

pub fn run(cmd: LexiconCommand) -> Result<ExitCode> {
    match cmd {
        LexiconCommand::Check {
            dir,
            replace_bundled,
        } => {
            let engine = super::common::build_engine(dir.as_deref())?;
            let report = check_examples(&engine);
            for failure in &report.failures {
                eprintln!("{failure}");
            }
            let coverage = match &dir {
                Some(dir) => lexicons::check_dir_coverage(&engine, dir, &replace_bundled),
                None => Ok(()),
            };
            if let Err(e) = &coverage {
                eprintln!("{e}");
            }
            println!(
                "lexicon {}: {} entries, {} examples, {} failed",
                engine.lexicon_version(),
                report.entries,
                report.examples,
                report.failures.len()
            );
            Ok(if report.failures.is_empty() && coverage.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        LexiconCommand::Export { terms, lexicons } => {
            if !terms {
                bail!("nothing to export: use --terms");
            }
            let lexicon = lexicons::load(lexicons.as_deref())?;
            let mut out = std::io::stdout().lock();
            for term in lexicon.terms() {
                writeln!(out, "{term}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
