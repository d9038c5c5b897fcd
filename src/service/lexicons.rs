//! Lexicons from disk: the bundled files with a user's directory on top, and
//! an engine that is only handed out after every lexicon example behaved.
//!
//! Contract: [`build_checked_engine`] either returns an engine whose lexicon
//! passed its own examples, or a [`LexiconLoadError`] naming the file and
//! entry (a lexicon whose examples fail would judge items wrongly, so a
//! reload with one is refused and the running engine stays).

use super::lexicon_cache::cache_dir;
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
    /// A user file replaced a bundled one and the engine lost what the
    /// bundled file's examples showed it finds.
    #[error(
        "{file} replaces the bundled {bundled} and loses its coverage: {lost} of {total} \
         examples of category {category} no longer hit (an empty or broken copy?). To replace \
         it on purpose, list \"{bundled}\" in the setting `replace_bundled`"
    )]
    LostCoverage {
        file: String,
        bundled: String,
        category: String,
        lost: usize,
        total: usize,
    },
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

/// The engine over the lexicons of `dir` on top of the bundled ones: the
/// same engine as building it from [`load`], read from the compiled cache
/// (see [`super::lexicon_cache`]) when a sound file for exactly these
/// sources and this build is there, else built and written for next time.
/// The sources are always read and hashed, so an edited file is never
/// answered from the cache; a file that does not decode is built around
/// and overwritten. The sources' text is dropped before a sound cache file
/// is decoded: a big register is not held as text and as entries at once.
pub fn load_engine(dir: Option<&Path>) -> Result<Engine, LexiconLoadError> {
    load_engine_with(dir, cache_dir())
}

/// [`load_engine`] with this cache folder (`None`: no cache).
pub fn load_engine_with(
    dir: Option<&Path>,
    cache: Option<PathBuf>,
) -> Result<Engine, LexiconLoadError> {
    engine_from(sources(dir)?, dir, cache)
}

/// The engine of `sources` (read from `dir`), through the cache.
fn engine_from(
    sources: Vec<LexiconSource>,
    dir: Option<&Path>,
    cache: Option<PathBuf>,
) -> Result<Engine, LexiconLoadError> {
    use crate::engine::lexicon_cache::{check_header, decode_body};
    let build = |sources: &[LexiconSource]| -> Result<Engine, LexiconLoadError> {
        Ok(EngineBuilder::new().build(Lexicon::from_sources(sources)?)?)
    };
    let Some(cache) = cache else {
        return build(&sources);
    };
    let version = Lexicon::version_of(&sources);
    let file = super::lexicon_cache::open(&cache, &version);
    let engine = match file.map(|mut f| check_header(&mut f, &version).map(|()| f)) {
        Some(Ok(mut file)) => {
            drop(sources);
            match decode_body(&mut file, &version, EngineBuilder::new()) {
                Ok(engine) => {
                    tracing::debug!(%version, "lexicon read from the compiled cache");
                    return Ok(engine);
                }
                // The header was this build's and these sources', the body
                // is not sound (truncated, flipped, unreadable). The
                // sources are gone; read them again.
                Err(miss) => {
                    tracing::debug!(%version, %miss, "lexicon cache file not used");
                    build(&self::sources(dir)?)?
                }
            }
        }
        Some(Err(miss)) => {
            tracing::debug!(%version, %miss, "lexicon cache file not used");
            build(&sources)?
        }
        None => build(&sources)?,
    };
    super::lexicon_cache::store(&cache, &engine);
    Ok(engine)
}

/// A user file that replaces a bundled one with other text.
struct Replacement {
    /// The user file, as named in messages.
    file: String,
    bundled: LexiconSource,
}

/// The replacements among `sources` (small: the bundled originals only).
fn replacements(sources: &[LexiconSource]) -> Vec<Replacement> {
    let bundled = embedded_sources();
    sources
        .iter()
        .filter_map(|source| {
            let original = bundled
                .iter()
                .find(|b| b.file_name() == source.file_name())?;
            (original.text != source.text).then(|| Replacement {
                file: source.name.clone(),
                bundled: original.clone(),
            })
        })
        .collect()
}

/// Builds an engine and runs every lexicon example against it. A user file
/// that replaces a bundled file must keep finding what the bundled file's
/// hit examples show, category by category, unless its name is listed in
/// `replace_bundled` (replacing is then explicit).
pub fn build_checked_engine(
    dir: Option<&Path>,
    replace_bundled: &[String],
) -> Result<Engine, LexiconLoadError> {
    let sources = sources(dir)?;
    let replaced = replacements(&sources);
    let engine = engine_from(sources, dir, cache_dir())?;
    let report = check_examples(&engine);
    if !report.failures.is_empty() {
        return Err(LexiconLoadError::Examples(report.failures));
    }
    check_coverage(&engine, &replaced, replace_bundled)?;
    Ok(engine)
}

/// The coverage rule of [`build_checked_engine`] for the lexicons of `dir`
/// (what `baomi lexicon check DIR` reports).
pub fn check_dir_coverage(
    engine: &Engine,
    dir: &Path,
    replace_bundled: &[String],
) -> Result<(), LexiconLoadError> {
    check_coverage(engine, &replacements(&sources(Some(dir))?), replace_bundled)
}

/// See [`build_checked_engine`].
fn check_coverage(
    engine: &Engine,
    replaced: &[Replacement],
    replace_bundled: &[String],
) -> Result<(), LexiconLoadError> {
    for Replacement { file, bundled } in replaced {
        let name = bundled.file_name();
        if replace_bundled.iter().any(|r| r == name) {
            continue;
        }
        let Ok(lexicon) = Lexicon::from_sources(std::slice::from_ref(bundled)) else {
            continue;
        };
        let mut by_category: std::collections::BTreeMap<String, (usize, usize)> =
            Default::default();
        for entry in &lexicon.entries {
            for example in &entry.examples.hit {
                let verdict = engine.scan(&crate::engine::Document::text(example));
                let kept = verdict
                    .findings
                    .iter()
                    .any(|f| f.category == entry.category);
                let counts = by_category
                    .entry(entry.category.as_str().to_string())
                    .or_default();
                counts.1 += 1;
                if !kept {
                    counts.0 += 1;
                }
            }
        }
        if let Some((category, &(lost, total))) = by_category.iter().find(|(_, c)| c.0 > 0) {
            return Err(LexiconLoadError::LostCoverage {
                file: file.clone(),
                bundled: name.to_string(),
                category: category.clone(),
                lost,
                total,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use crate::engine::lexicon_cache::{decode, encode};
    use crate::service::lexicon_cache::cache_file;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("baomi-lexcache-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_second_load_reads_the_file_the_first_wrote() {
        let cache = scratch("second");
        let first = load_engine_with(None, Some(cache.clone())).unwrap();
        let version = first.lexicon_version().to_string();
        let path = cache_file(&cache, &version);
        assert!(decode(
            &std::fs::read(&path).unwrap(),
            &version,
            EngineBuilder::new()
        )
        .is_ok());
        // A cache that says something else than the sources would be used
        // as is: make it one entry short and see the second load take it.
        let mut shorter = first.lexicon().clone();
        shorter.entries.pop();
        let shorter = EngineBuilder::new().build(shorter).unwrap();
        std::fs::write(&path, encode(&shorter)).unwrap();
        let second = load_engine_with(None, Some(cache.clone())).unwrap();
        assert_eq!(
            second.lexicon().entries.len(),
            first.lexicon().entries.len() - 1
        );
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn a_corrupt_file_is_built_around_and_rewritten() {
        let cache = scratch("corrupt");
        let engine = load_engine_with(None, Some(cache.clone())).unwrap();
        let version = engine.lexicon_version().to_string();
        let path = cache_file(&cache, &version);
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let again = load_engine_with(None, Some(cache.clone())).unwrap();
        assert_eq!(
            again.lexicon().entries.len(),
            engine.lexicon().entries.len()
        );
        let rewritten = std::fs::read(&path).unwrap();
        assert_ne!(rewritten, bytes);
        assert!(decode(&rewritten, &version, EngineBuilder::new()).is_ok());
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn an_unwritable_folder_still_gives_the_engine() {
        let file = scratch("not-a-dir");
        std::fs::write(&file, b"a file where the folder should be").unwrap();
        let engine = load_engine_with(None, Some(file.join("sub"))).unwrap();
        assert!(!engine.lexicon().entries.is_empty());
        let _ = std::fs::remove_file(&file);
    }
}
