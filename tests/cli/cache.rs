//! The compiled lexicon cache as `baomi scan` uses it: written on the first
//! run, read on the next, rebuilt when corrupt, never used for edited files.

use super::{baomi, temp_dir};
use std::process::Output;

fn scan(cache: &std::path::Path, lexicons: &std::path::Path, file: &std::path::Path) -> Output {
    baomi()
        .env("BAOMI_CACHE_DIR", cache)
        .env("BAOMI_LOG", "baomi=debug")
        .args(["scan", "--format", "jsonl", "--lexicons"])
        .arg(lexicons)
        .arg(file)
        .output()
        .unwrap()
}

fn cache_files(cache: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(cache)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn the_cache_is_written_read_rebuilt_and_follows_edits() {
    let dir = temp_dir("lexicon-cache");
    let cache = dir.join("cache");
    let lexicons = dir.join("lexicons");
    std::fs::create_dir_all(&lexicons).unwrap();
    let local = lexicons.join("zz-local.toml");
    let entry = |term: &str| {
        format!(
            "[[entry]]\nid = \"local-1\"\ncategory = \"internal\"\nseverity = \"review\"\n\
             text = \"{term}\"\nreason = \"本单位内部代号\"\n\
             examples.hit = [\"{term}\"]\nexamples.miss = [\"无关的句子\"]\n"
        )
    };
    std::fs::write(&local, entry("青松工程")).unwrap();
    let file = dir.join("item.txt");
    std::fs::write(&file, "关于青松工程和翠柏工程的进展。").unwrap();

    let first = scan(&cache, &lexicons, &file);
    assert_eq!(first.status.code(), Some(1), "{first:?}");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(!stderr.contains("read from the compiled cache"), "{stderr}");
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");

    let second = scan(&cache, &lexicons, &file);
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("read from the compiled cache"),
        "{second:?}"
    );
    assert_eq!(second.stdout, first.stdout);

    // A corrupt file is not trusted: same answer, and the file is rewritten.
    let good = std::fs::read(&files[0]).unwrap();
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x55;
    std::fs::write(&files[0], &bad).unwrap();
    let third = scan(&cache, &lexicons, &file);
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert!(stderr.contains("cache file not used"), "{stderr}");
    assert_eq!(third.stdout, first.stdout);
    assert_eq!(std::fs::read(&files[0]).unwrap(), good);

    // An edited lexicon is compiled anew: the other term now hits, the old one not.
    std::fs::write(&local, entry("翠柏工程")).unwrap();
    let edited = scan(&cache, &lexicons, &file);
    assert!(!String::from_utf8_lossy(&edited.stderr).contains("read from the compiled cache"));
    let out = String::from_utf8_lossy(&edited.stdout);
    assert!(out.contains("local-1"), "{out}");
    assert_ne!(edited.stdout, first.stdout);
    assert_eq!(cache_files(&cache).len(), 2);
}
