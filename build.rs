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
}
