//! The compiled lexicon cache on disk: one file per lexicon version and
//! engine build, in the cache folder.
//!
//! Contract: [`open`] and [`store`] move a cache file's bytes (what they
//! mean is the engine's `lexicon_cache`; when they are used, the
//! `lexicons` module's `load_engine`). A cache folder that cannot be
//! written is skipped (logged at debug). Files are written to a temporary name and
//! renamed, so a reader never sees half a file; at most [`KEEP`] are kept.

use crate::engine::lexicon_cache::{encode, ENGINE_BUILD};
use crate::engine::Engine;
use std::path::{Path, PathBuf};

/// Cache files kept per folder (the newest): a few lexicon folders in
/// turn, or a service and a CLI of another build, do not thrash it.
pub const KEEP: usize = 8;

/// Where compiled lexicons are kept: `BAOMI_CACHE_DIR` (`off` or empty:
/// nowhere), else `$XDG_CACHE_HOME/baomi`, else `$HOME/.cache/baomi`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BAOMI_CACHE_DIR") {
        return (!dir.is_empty() && dir != "off").then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("baomi"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|home| PathBuf::from(home).join(".cache").join("baomi"))
}

/// The file for one lexicon version and this build.
pub fn cache_file(dir: &Path, version: &str) -> PathBuf {
    dir.join(format!("lexicon-{version}-{ENGINE_BUILD}.bin"))
}

/// The cache file for `version`, opened for reading in pieces, if there is
/// one to read.
pub fn open(dir: &Path, version: &str) -> Option<std::io::BufReader<std::fs::File>> {
    match std::fs::File::open(cache_file(dir, version)) {
        Ok(file) => Some(std::io::BufReader::with_capacity(1 << 20, file)),
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::debug!(%version, error = %e, "lexicon cache file not read");
            }
            None
        }
    }
}

/// Writes the cache file of `engine` (failures are logged, not returned:
/// the cache only saves time).
pub fn store(dir: &Path, engine: &Engine) {
    let version = engine.lexicon_version();
    if let Err(e) = write(dir, &cache_file(dir, version), &encode(engine)) {
        tracing::debug!(%version, error = %e, "lexicon cache not written");
    }
}

fn write(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // Unique per process and call: two threads of one service (or tests)
    // may write the same lexicon at once.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    std::fs::write(&temp, bytes)?;
    if let Err(e) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    prune(dir);
    Ok(())
}

/// Removes all but the [`KEEP`] newest cache files.
fn prune(dir: &Path) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = read
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("lexicon-") && name.ends_with(".bin")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, path) in files.into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(path);
    }
}
