//! Lexicons from disk: the bundled files with a user's directory on top, and
//! an engine that is only handed out after every lexicon example behaved.
//!
//! Contract: [`build_checked_engine`] either returns an engine whose lexicon
//! passed its own examples, or a [`LexiconLoadError`] naming the file and
//! entry (a lexicon whose examples fail would judge items wrongly, so a
//! reload with one is refused and the running engine stays).

use crate::engine::lexicon::{embedded_sources, overlay, Lexicon, LexiconError, LexiconSource};
use crate::engine::lexicon_check::{check_examples, ExampleFailure};
use crate::engine::{BuildError, Engine, EngineBuilder};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LexiconLoadError {
    #[error("reading lexicon directory {dir}: {source}")]
    ReadDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("lexicon directory {dir} holds no .toml file")]
    EmptyDir { dir: PathBuf },
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("{}", FailedExamples(.0))]
    Examples(Vec<ExampleFailure>),
    #[error("the lexicon build task failed; see the log")]
    TaskFailed,
}

struct FailedExamples<'a>(&'a [ExampleFailure]);

impl fmt::Display for FailedExamples<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first: Vec<String> = self.0.iter().take(5).map(|e| e.to_string()).collect();
        write!(
            f,
            "{} lexicon examples fail, e.g.: {}",
            self.0.len(),
            first.join("; ")
        )
    }
}

/// Reads every `*.toml` file of `dir` (sorted by name, not recursive).
pub fn read_dir(dir: &Path) -> Result<Vec<LexiconSource>, LexiconLoadError> {
    let read_err = |source| LexiconLoadError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| LexiconLoadError::ReadDir {
                dir: p.clone(),
                source: e,
            })?;
            Ok(LexiconSource {
                name: p.display().to_string(),
                text,
            })
        })
        .collect()
}

/// The bundled lexicons with `dir` on top (a file named like a bundled one
/// replaces it).
pub fn sources(dir: Option<&Path>) -> Result<Vec<LexiconSource>, LexiconLoadError> {
    let bundled = embedded_sources();
    let Some(dir) = dir else {
        return Ok(bundled);
    };
    let user = read_dir(dir)?;
    if user.is_empty() {
        return Err(LexiconLoadError::EmptyDir {
            dir: dir.to_path_buf(),
        });
    }
    Ok(overlay(bundled, user))
}

/// Parses and validates the lexicons of `dir` on top of the bundled ones.
pub fn load(dir: Option<&Path>) -> Result<Lexicon, LexiconLoadError> {
    Ok(Lexicon::from_sources(&sources(dir)?)?)
}

/// Builds an engine and runs every lexicon example against it.
pub fn build_checked_engine(dir: Option<&Path>) -> Result<Engine, LexiconLoadError> {
    let engine = EngineBuilder::new().build(&load(dir)?)?;
    let report = check_examples(&engine);
    if !report.failures.is_empty() {
        return Err(LexiconLoadError::Examples(report.failures));
    }
    Ok(engine)
}
