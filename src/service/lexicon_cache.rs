//! The compiled lexicon cache on disk: one file per lexicon version and
//! engine build, in the cache folder.
//!
//! Contract: [`load`] gives the same lexicon as [`Lexicon::from_sources`]
//! (or the same error), reading it from the cache when a sound file for
//! these sources and this build is there, and else parsing the sources and
//! writing the file for next time. The sources are always read and hashed,
//! so an edited lexicon file is never answered from the cache. A file that
//! does not decode (another build, truncated, flipped bytes) is parsed
//! around and overwritten; a cache folder that cannot be written is
//! skipped (logged at debug). Files are written to a temporary name and
//! renamed, so a reader never sees half a file; at most [`KEEP`] are kept.

use crate::engine::lexicon::{Lexicon, LexiconError, LexiconSource};
use crate::engine::lexicon_cache::{decode, encode, ENGINE_BUILD};
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

/// See the module docs.
pub fn load(sources: &[LexiconSource], dir: Option<&Path>) -> Result<Lexicon, LexiconError> {
    let version = Lexicon::version_of(sources);
    let Some(dir) = dir else {
        return Lexicon::from_sources(sources);
    };
    let path = cache_file(dir, &version);
    match std::fs::read(&path) {
        Ok(bytes) => match decode(&bytes, &version) {
            Ok(lexicon) => {
                tracing::debug!(%version, "lexicon read from the compiled cache");
                return Ok(lexicon);
            }
            Err(miss) => tracing::debug!(%version, %miss, "lexicon cache file not used"),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::debug!(%version, error = %e, "lexicon cache file not read"),
    }
    let lexicon = Lexicon::from_sources(sources)?;
    if let Err(e) = write(dir, &path, &encode(&lexicon)) {
        tracing::debug!(%version, error = %e, "lexicon cache not written");
    }
    Ok(lexicon)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lexicon::embedded_sources;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("baomi-lexcache-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_second_load_reads_the_file_the_first_wrote() {
        let dir = scratch("second");
        let sources = embedded_sources();
        let first = load(&sources, Some(&dir)).unwrap();
        let path = cache_file(&dir, &first.version);
        let written = std::fs::read(&path).unwrap();
        assert!(decode(&written, &first.version).is_ok());
        // A cache that says something else than the sources would be used
        // as is: make it one entry short and see the second load take it.
        let mut shorter = first.clone();
        shorter.entries.pop();
        std::fs::write(&path, encode(&shorter)).unwrap();
        let second = load(&sources, Some(&dir)).unwrap();
        assert_eq!(second.entries.len(), first.entries.len() - 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_file_is_parsed_around_and_rewritten() {
        let dir = scratch("corrupt");
        let sources = embedded_sources();
        let version = Lexicon::version_of(&sources);
        let path = cache_file(&dir, &version);
        std::fs::create_dir_all(&dir).unwrap();
        let mut bytes = encode(&Lexicon::from_sources(&sources).unwrap());
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let lexicon = load(&sources, Some(&dir)).unwrap();
        assert_eq!(
            lexicon.entries.len(),
            Lexicon::embedded().unwrap().entries.len()
        );
        let rewritten = std::fs::read(&path).unwrap();
        assert_ne!(rewritten, bytes);
        assert!(decode(&rewritten, &version).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_edited_source_is_never_answered_from_the_cache() {
        let dir = scratch("edited");
        let mut sources = embedded_sources();
        let before = load(&sources, Some(&dir)).unwrap();
        sources.push(LexiconSource {
            name: "zz-local.toml".into(),
            text: r#"
[[entry]]
id = "local-1"
category = "internal"
severity = "review"
text = "某某专用词"
reason = "test"
examples.hit = ["某某专用词"]
examples.miss = ["某某"]
"#
            .into(),
        });
        let after = load(&sources, Some(&dir)).unwrap();
        assert_eq!(after.entries.len(), before.entries.len() + 1);
        assert_ne!(after.version, before.version);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unwritable_folder_still_gives_the_lexicon() {
        let file = scratch("not-a-dir");
        std::fs::write(&file, b"a file where the folder should be").unwrap();
        let lexicon = load(&embedded_sources(), Some(&file.join("sub"))).unwrap();
        assert!(!lexicon.entries.is_empty());
        let _ = std::fs::remove_file(&file);
    }
}
