//! Embeds every `lexicons/*.toml` file in the binary: the list is made here,
//! so a new lexicon file needs no code change (and a removed one leaves no
//! stale name behind).

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=lexicons");
    let mut names: Vec<String> = std::fs::read_dir("lexicons")
        .expect("the lexicons folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    // markings first (the file most read), then by name: a stable order,
    // and the lexicon version hashes the files in it.
    names.sort_by_key(|n| (n != "markings.toml", n.clone()));
    let mut code = String::from("&[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=lexicons/{name}");
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/lexicons/{name}\"))),"
        );
    }
    code.push(']');
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("lexicons.rs");
    std::fs::write(out, code).expect("write the lexicon list");
    engine_build_id();
}

/// A hash of the engine's sources: a compiled lexicon cache written by one
/// build is never read by another (normalization or validation may differ).
fn engine_build_id() {
    println!("cargo:rerun-if-changed=src/engine");
    // Every file under the engine folder, its subfolders included
    // (`normalize/tests.rs`), in a stable order.
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    let mut folders = vec![std::path::PathBuf::from("src/engine")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("the engine folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in paths {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .strip_prefix("src/engine")
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).expect("an engine source file");
        for &b in name.as_bytes().iter().chain(&bytes) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rustc-env=BAOMI_ENGINE_BUILD={version}-{hash:016x}");
}
