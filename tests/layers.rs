//! The source tree's shape, checked: each layer imports only the layers
//! below it (engine ← attach ← service ← cli), no two files import each
//! other (directly or around a loop), no source file is over 700 lines, and
//! `src/main.rs` stays a hand-over to `cli`.
//!
//! The Cargo features already make the compiler refuse an engine that
//! imports attach or service (`cargo check --lib --no-default-features`);
//! this test also sees imports *within* a layer, which the compiler allows.
//!
//! How an import is read: every path in a `use` tree or in code that starts
//! with `crate::`, `super::`, `self::`, `baomi::` (from the binary) or the
//! name of a child module is walked down the module tree as far as it names
//! modules; the file of the last module reached is what the file imports.
//! An item re-exported by a `mod.rs` therefore counts as imported from that
//! `mod.rs`: internal code imports from the defining file instead.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module of one crate: its path (`engine::decide`) and its file.
#[derive(Debug)]
struct Module {
    file: PathBuf,
    children: BTreeSet<String>,
}

/// The module tree of one crate rooted at `root` (src/lib.rs or src/main.rs).
fn module_tree(root: &Path) -> BTreeMap<String, Module> {
    let mut tree = BTreeMap::new();
    let mut todo = vec![(String::new(), root.to_path_buf())];
    while let Some((path, file)) = todo.pop() {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "main.rs" | "mod.rs") => file.parent().unwrap().to_path_buf(),
            _ => file.with_extension(""),
        };
        let mut children = BTreeSet::new();
        for line in strip_comments(&text).lines() {
            let line = line.trim();
            let decl = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("pub(crate) mod "))
                .or_else(|| line.strip_prefix("mod "));
            let Some(name) = decl.and_then(|d| d.strip_suffix(';')) else {
                continue;
            };
            let name = name.trim().to_string();
            let flat = dir.join(format!("{name}.rs"));
            let nested = dir.join(&name).join("mod.rs");
            let child_file = if flat.exists() { flat } else { nested };
            assert!(
                child_file.exists(),
                "{file:?} declares mod {name} but it has no file"
            );
            let child_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}::{name}")
            };
            todo.push((child_path, child_file));
            children.insert(name);
        }
        tree.insert(path, Module { file, children });
    }
    tree
}

/// Removes `//` and `/* */` comments and the contents of string literals
/// (paths in messages are not imports).
fn strip_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i + 1 < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            // Raw strings (r"..", r#".."#) and plain ones, with escapes.
            let raw_hashes = raw_string_hashes(b, i);
            i += 1;
            while i < b.len() {
                if raw_hashes.is_none() && b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == b'"' {
                    let n = raw_hashes.unwrap_or(0);
                    if b[i + 1..].iter().take(n).all(|&c| c == b'#') {
                        i += 1 + n;
                        break;
                    }
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal: '"' must not open a string.
            let end = b[i + 1..]
                .iter()
                .position(|&c| c == b'\'')
                .map_or(b.len(), |p| i + 2 + p);
            i = end.max(i + 3).min(b.len());
            out.push_str("' '");
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// For a `"` at `i`, the number of `#` of a raw string (`r#"`), if raw.
fn raw_string_hashes(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    let mut hashes = 0;
    while j > 0 && b[j - 1] == b'#' {
        hashes += 1;
        j -= 1;
    }
    (j > 0 && b[j - 1] == b'r' && (j < 2 || !b[j - 2].is_ascii_alphanumeric())).then_some(hashes)
}

/// Inside an inline `mod tests { … }`, `super` is the file's own module:
/// rewrites such paths so they read as they would at the file's top level.
fn flatten_inline_modules(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(p) = find_keyword(&out[from..], "mod ") {
        let at = from + p;
        let rest = &out[at + 4..];
        let name_len = rest.bytes().take_while(|&c| is_ident(c)).count();
        let after = rest[name_len..].trim_start();
        if name_len == 0 || !after.starts_with('{') {
            from = at + 4;
            continue;
        }
        let open = at + 4 + name_len + (rest[name_len..].len() - after.len());
        let mut depth = 0;
        let mut close = out.len();
        for (i, c) in out[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = out[open..close]
            .replace("super::super::", "\u{1}::")
            .replace("super::", "self::")
            .replace("\u{1}::", "super::");
        out.replace_range(open..close, &inner);
        from = open + 1;
    }
    out
}

/// Every path a file's `use` trees and code name, as segment lists.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // `use` trees, braces expanded.
    let mut rest = code;
    while let Some(p) = find_keyword(rest, "use ") {
        let after = &rest[p + 4..];
        let end = after.find(';').unwrap_or(after.len());
        expand_tree(after[..end].trim(), &[], &mut out);
        rest = &after[end..];
    }
    // Paths in code: identifiers joined by `::`.
    let b = code.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if (b[i].is_ascii_alphabetic() || b[i] == b'_')
            && (i == 0 || !is_ident(b[i - 1]) && b[i - 1] != b':')
        {
            let start = i;
            while i < b.len() && (is_ident(b[i]) || (b[i] == b':' && b.get(i + 1) == Some(&b':'))) {
                i += if b[i] == b':' { 2 } else { 1 };
            }
            let path = &code[start..i];
            // `super::{a, b}`: the head of a use tree, read with the tree.
            if path.contains("::") && !path.ends_with("::") {
                out.push(
                    path.split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                );
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn find_keyword(text: &str, keyword: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = text[from..].find(keyword) {
        let at = from + p;
        if at == 0 || !is_ident(text.as_bytes()[at - 1]) {
            return Some(at);
        }
        from = at + keyword.len();
    }
    None
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_tree(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut part_start = 0;
        let full: Vec<String> = prefix.iter().cloned().chain(head).collect();
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_tree(&inner[part_start..i], &full, out);
                    part_start = i + 1;
                }
                _ => {}
            }
        }
        expand_tree(&inner[part_start..], &full, out);
    } else if !tree.is_empty() {
        let name = tree.split(" as ").next().unwrap_or(tree);
        let segs: Vec<String> = prefix
            .iter()
            .cloned()
            .chain(
                name.split("::")
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            )
            .collect();
        if !segs.is_empty() {
            out.push(segs);
        }
    }
}

/// The module a path names, walked from module `here` of `tree`.
fn resolve(
    tree: &BTreeMap<String, Module>,
    here: &str,
    path: &[String],
    extern_root: Option<&str>,
) -> Option<String> {
    let mut segs = path.iter().map(String::as_str).peekable();
    let mut at: String = match *segs.peek()? {
        "crate" => {
            segs.next();
            String::new()
        }
        "self" => {
            segs.next();
            here.to_string()
        }
        "super" => {
            let mut m = here.to_string();
            while segs.peek() == Some(&"super") {
                segs.next();
                m = m
                    .rsplit_once("::")
                    .map_or(String::new(), |(p, _)| p.to_string());
            }
            m
        }
        first if extern_root == Some(first) => return None, // handled by the caller
        first if tree[here].children.contains(first) => here.to_string(),
        _ => return None, // an external crate or a local item
    };
    for seg in segs {
        if tree[&at].children.contains(seg) {
            at = if at.is_empty() {
                seg.to_string()
            } else {
                format!("{at}::{seg}")
            };
        } else {
            break;
        }
    }
    Some(at)
}

fn layer_of(module: &str) -> usize {
    match module.split("::").next().unwrap_or("") {
        "engine" => 0,
        "attach" => 1,
        "service" => 2,
        _ => 3,
    }
}

/// Import edges between files of one crate; `lib` is the library's tree
/// for paths from the binary that start with `baomi::`.
fn edges(
    tree: &BTreeMap<String, Module>,
    prefix: &str,
    lib: Option<&BTreeMap<String, Module>>,
    layers: &mut Vec<String>,
) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut out: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (module, m) in tree {
        let code =
            flatten_inline_modules(&strip_comments(&std::fs::read_to_string(&m.file).unwrap()));
        for path in paths_in(&code) {
            if let (Some(lib), Some("baomi")) = (lib, path.first().map(String::as_str)) {
                let mut rooted = vec!["crate".to_string()];
                rooted.extend(path[1..].iter().cloned());
                resolve(lib, "", &rooted, None);
                continue; // the binary may use every layer
            }
            let Some(target) = resolve(tree, module, &path, Some("baomi")) else {
                continue;
            };
            let target_file = &tree[&target].file;
            if *target_file == m.file || target.is_empty() {
                continue;
            }
            let (from, to) = (format!("{prefix}{module}"), format!("{prefix}{target}"));
            if prefix.is_empty() && layer_of(&to) > layer_of(&from) {
                layers.push(format!(
                    "{} ({from}) imports {to}: {}",
                    m.file.display(),
                    path.join("::")
                ));
            }
            out.entry(m.file.clone())
                .or_default()
                .insert(target_file.clone());
        }
    }
    out
}

fn find_cycle(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    fn visit(
        node: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        stack: &mut Vec<PathBuf>,
        done: &mut BTreeSet<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        if let Some(p) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[p..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn layers_import_only_downwards_and_files_form_no_cycle() {
    let lib = module_tree(&src().join("lib.rs"));
    let bin = module_tree(&src().join("main.rs"));
    assert!(
        lib.contains_key("engine::decide") && lib.contains_key("service::store"),
        "{:?}",
        lib.keys()
    );
    let mut layers = Vec::new();
    let lib_edges = edges(&lib, "", None, &mut layers);
    let bin_edges = edges(&bin, "bin::", Some(&lib), &mut layers);
    assert!(
        layers.is_empty(),
        "imports from a higher layer:\n{}",
        layers.join("\n")
    );
    // Something was read at all: the engine uses its stages.
    let engine_file = lib["engine"].file.clone();
    assert!(
        lib_edges
            .values()
            .flatten()
            .any(|t| t.starts_with(engine_file.parent().unwrap())),
        "no import edges found at all: the reader is broken"
    );
    for graph in [&lib_edges, &bin_edges] {
        if let Some(cycle) = find_cycle(graph) {
            let names: Vec<String> = cycle
                .iter()
                .map(|p| p.strip_prefix(src()).unwrap_or(p).display().to_string())
                .collect();
            panic!("files import each other: {}", names.join(" → "));
        }
    }
}

#[test]
fn the_cycle_finder_sees_a_cycle_and_the_path_reader_sees_imports() {
    let mut g = BTreeMap::new();
    g.insert(PathBuf::from("a"), BTreeSet::from([PathBuf::from("b")]));
    g.insert(PathBuf::from("b"), BTreeSet::from([PathBuf::from("c")]));
    g.insert(PathBuf::from("c"), BTreeSet::from([PathBuf::from("a")]));
    assert!(find_cycle(&g).is_some());
    g.insert(PathBuf::from("c"), BTreeSet::new());
    assert!(find_cycle(&g).is_none());
    let code = strip_comments(
        "use super::{a::{B, C}, d};\n// use crate::x;\nlet s = \"crate::y\";\nlet c = '\"';\ncrate::z::f();",
    );
    let got = paths_in(&code);
    for want in [
        vec!["super", "a", "B"],
        vec!["super", "a", "C"],
        vec!["super", "d"],
        vec!["crate", "z", "f"],
    ] {
        assert!(got.iter().any(|p| p == &want), "{want:?} not in {got:?}");
    }
    assert!(
        !got.iter().any(|p| p.iter().any(|s| s == "x" || s == "y")),
        "{got:?}"
    );
}

#[test]
fn no_source_file_is_over_700_lines_and_main_is_a_hand_over() {
    // Rust sources of the library, the binary, the tests and the benches.
    // (The WordPress plugin is PHP and one file by design: a must-use plugin
    // an editor cannot switch off is a single file.)
    let mut long = Vec::new();
    let mut todo = vec![
        src(),
        src().with_file_name("tests"),
        src().with_file_name("benches"),
    ];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let lines = std::fs::read_to_string(&path).unwrap().lines().count();
                if lines > 700 {
                    long.push(format!("{} ({lines} lines)", path.display()));
                }
            }
        }
    }
    assert!(long.is_empty(), "source files over 700 lines: {long:?}");
    let main = std::fs::read_to_string(src().join("main.rs")).unwrap();
    assert!(
        main.lines().count() < 200,
        "src/main.rs has {} lines",
        main.lines().count()
    );
}
