//! `baomi eval`: the corpus meets the targets of issue 9, and the command
//! says what it measured and fails below its thresholds.

use super::*;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus");

/// Every label file the lexicons were tuned on whole (sets C, E, G and H
/// were written blind and measured before tuning: see the README's corpus
/// section; sets D, F, I, J and K stay out, they measure generalization:
/// F's, I's, J's and K's even halves were tuned on, K's odd half never; the
/// misses of D and of F's, I's and J's odd halves were read on 2026-12-02,
/// see the README).
fn corpus_labels() -> Vec<PathBuf> {
    [
        "leaks-a.tsv",
        "leaks-b.tsv",
        "leaks-c.tsv",
        "leaks-e.tsv",
        "leaks-g.tsv",
        "leaks-h.tsv",
        "public.tsv",
        "public2.tsv",
        "public3.tsv",
    ]
    .iter()
    .map(|name| Path::new(CORPUS).join(name))
    .collect()
}

#[test]
fn the_corpus_meets_the_recall_and_false_positive_targets() {
    let out = baomi()
        .arg("eval")
        .args(corpus_labels())
        .args([
            "--min-recall",
            "0.97",
            "--min-block-recall",
            "0.95",
            "--max-fpr",
            "0.02",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    // The corpus is what issue 9 asks for: 200+ public texts, 150+ leaks.
    let total = &report["total"];
    assert!(total["public"].as_u64().unwrap() >= 200, "{total}");
    assert!(total["leaks"].as_u64().unwrap() >= 150, "{total}");
}

#[test]
fn thresholds_fail_the_run_and_misses_are_named() {
    let dir = temp_dir("eval");
    std::fs::write(dir.join("leak.txt"), "机密★1年\n关于某工程的请示").unwrap();
    std::fs::write(dir.join("quiet.txt"), "关于召开运动会的通知").unwrap();
    std::fs::write(
        dir.join("labels.tsv"),
        "file\texpect\tcategory\nleak.txt\tblock\tmarking\nquiet.txt\tflag\tinternal\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        baomi()
            .arg("eval")
            .arg(dir.join("labels.tsv"))
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("recall 50.0% (1/2)"), "{text}");
    assert!(
        text.contains("missed leak") && text.contains("quiet.txt"),
        "{text}"
    );
    assert_eq!(run(&["--min-recall", "0.9"]).status.code(), Some(1));
    assert_eq!(run(&["--min-block-recall", "1.0"]).status.code(), Some(0));
    std::fs::write(dir.join("bad.tsv"), "file\texpect\nleak.txt\tmaybe\n").unwrap();
    let bad = baomi()
        .arg("eval")
        .arg(dir.join("bad.tsv"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
