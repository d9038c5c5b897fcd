//! `baomi synth`: deterministic synthetic inputs for benchmarks (hidden).

use anyhow::{Context, Result};
use baomi::engine::synthetic;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum SynthCommand {
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

pub fn run(cmd: SynthCommand) -> Result<ExitCode> {
    match cmd {
        SynthCommand::Lexicon { count, seed, dir } => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let source = synthetic::lexicon_source(count, seed);
            let path = dir.join("synthetic.toml");
            std::fs::write(&path, source.text)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        SynthCommand::Corpus { bytes, count, seed } => {
            let terms = synthetic::terms(count, seed);
            let corpus = synthetic::corpus(bytes, &terms, 25, seed);
            std::io::stdout().lock().write_all(corpus.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
