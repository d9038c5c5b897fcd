//! `baomi eval LABELS.tsv…`: how well the lexicons do on a labelled archive.
//! Officers run it on their own archive before they trust a lexicon change;
//! CI runs it on `fixtures/corpus/`.
//!
//! Contract: each TSV has a header naming at least the columns `file`
//! (relative to the TSV's folder), `expect` (`pass`, `flag` or `block`) and
//! `category`; other columns are ignored. Every file is scanned exactly as
//! `baomi scan` scans it. A `flag` or `block` case is found when the
//! decision is not `pass`; a `block` case is fully found when it is `block`;
//! a `pass` case is a false positive when the decision is not `pass`.
//! Printed: recall, block-recall and false-positive rate, overall and per
//! category, then every miss with its file and the rule ids that fired.
//! Exit 1 when a `--min-*` or `--max-fpr` threshold is not met, 2 on a
//! malformed TSV or an unreadable file.

use super::common::build_engine;
use super::scan::{scan_path, InputFormat};
use anyhow::{bail, Context, Result};
use baomi::{Decision, ScanOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Label files (TSV with `file`, `expect`, `category`).
    #[arg(required = true)]
    labels: Vec<PathBuf>,
    /// A directory of lexicon files on top of the bundled ones.
    #[arg(long, env = "BAOMI_LEXICONS")]
    lexicons: Option<PathBuf>,
    /// Exit 1 when the share of leaks found (flag + block) is below this.
    #[arg(long)]
    min_recall: Option<f64>,
    /// Exit 1 when the share of `block` cases decided `block` is below this.
    #[arg(long)]
    min_block_recall: Option<f64>,
    /// Exit 1 when the share of `pass` cases flagged is above this.
    #[arg(long)]
    max_fpr: Option<f64>,
    /// `human` (default) or `json`.
    #[arg(long, default_value = "human")]
    format: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Pass,
    Flag,
    Block,
}

struct Case {
    file: PathBuf,
    shown: String,
    expect: Expect,
    category: String,
}

struct Outcome {
    decision: Decision,
    rules: Vec<String>,
}

/// Counts for one category (or all).
#[derive(Default, Clone, Copy, serde::Serialize)]
struct Tally {
    leaks: usize,
    found: usize,
    blocks: usize,
    blocked: usize,
    public: usize,
    flagged: usize,
}

impl Tally {
    fn add(&mut self, expect: Expect, decision: Decision) {
        match expect {
            Expect::Pass => {
                self.public += 1;
                self.flagged += usize::from(decision != Decision::Pass);
            }
            Expect::Flag | Expect::Block => {
                self.leaks += 1;
                self.found += usize::from(decision != Decision::Pass);
                if expect == Expect::Block {
                    self.blocks += 1;
                    self.blocked += usize::from(decision == Decision::Block);
                }
            }
        }
    }
    fn recall(&self) -> Option<f64> {
        (self.leaks > 0).then(|| self.found as f64 / self.leaks as f64)
    }
    fn block_recall(&self) -> Option<f64> {
        (self.blocks > 0).then(|| self.blocked as f64 / self.blocks as f64)
    }
    fn fpr(&self) -> Option<f64> {
        (self.public > 0).then(|| self.flagged as f64 / self.public as f64)
    }
}

fn read_labels(path: &Path) -> Result<Vec<Case>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        bail!("{}: empty label file", path.display());
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    let col = |name: &str| {
        columns.iter().position(|c| *c == name).with_context(|| {
            format!(
                "{}:1: no `{name}` column (have {columns:?})",
                path.display()
            )
        })
    };
    let (file_col, expect_col, category_col) = (col("file")?, col("expect")?, col("category")?);
    let mut cases = Vec::new();
    for (n, line) in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
        let expect = match cell(expect_col) {
            "pass" => Expect::Pass,
            "flag" => Expect::Flag,
            "block" => Expect::Block,
            other => bail!(
                "{}:{}: `expect` must be pass, flag or block, not {other:?}",
                path.display(),
                n + 1
            ),
        };
        let file = cell(file_col);
        if file.is_empty() {
            bail!("{}:{}: empty `file`", path.display(), n + 1);
        }
        cases.push(Case {
            file: base.join(file),
            shown: file.to_string(),
            expect,
            category: cell(category_col).to_string(),
        });
    }
    Ok(cases)
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".to_string(), |v| format!("{:.1}%", v * 100.0))
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    std::thread::spawn(baomi::engine::boundary::warm_jieba);
    let engine = build_engine(args.lexicons.as_deref())?;
    let mut cases = Vec::new();
    for labels in &args.labels {
        cases.extend(read_labels(labels)?);
    }
    let options = ScanOptions::default();
    let outcomes: Vec<Result<Outcome, String>> = cases
        .par_iter()
        .map(|case| {
            let ok = scan_path(&engine, &case.file, InputFormat::Auto, &options)?;
            let mut rules: Vec<String> = ok
                .verdict
                .findings
                .iter()
                .filter(|f| f.severity > baomi::Severity::Info)
                .map(|f| f.rule.clone())
                .collect();
            rules.sort();
            rules.dedup();
            Ok(Outcome {
                decision: ok.verdict.decision,
                rules,
            })
        })
        .collect();
    let mut total = Tally::default();
    let mut by_category: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut unreadable = Vec::new();
    for (case, outcome) in cases.iter().zip(&outcomes) {
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                unreadable.push(format!("{}: {e}", case.shown));
                continue;
            }
        };
        total.add(case.expect, outcome.decision);
        by_category
            .entry(case.category.as_str())
            .or_default()
            .add(case.expect, outcome.decision);
        let wrong = match case.expect {
            Expect::Pass => outcome.decision != Decision::Pass,
            Expect::Flag => outcome.decision == Decision::Pass,
            Expect::Block => outcome.decision != Decision::Block,
        };
        if wrong {
            misses.push((case, outcome));
        }
    }
    if args.format == "json" {
        let report = serde_json::json!({
            "lexicon_version": engine.lexicon_version(),
            "total": total,
            "recall": total.recall(),
            "block_recall": total.block_recall(),
            "false_positive_rate": total.fpr(),
            "by_category": by_category,
            "misses": misses.iter().map(|(c, o)| serde_json::json!({
                "file": c.shown, "category": c.category,
                "expect": format!("{:?}", c.expect).to_lowercase(),
                "decision": o.decision, "rules": o.rules,
            })).collect::<Vec<_>>(),
            "unreadable": unreadable,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "lexicon {}: {} cases ({} leaks, {} of them block; {} public)",
            engine.lexicon_version(),
            cases.len(),
            total.leaks,
            total.blocks,
            total.public
        );
        let _ = writeln!(
            out,
            "recall {} ({}/{})  block-recall {} ({}/{})  false positives {} ({}/{})",
            pct(total.recall()),
            total.found,
            total.leaks,
            pct(total.block_recall()),
            total.blocked,
            total.blocks,
            pct(total.fpr()),
            total.flagged,
            total.public
        );
        let _ = writeln!(
            out,
            "\n{:<28} {:>14} {:>14} {:>14}",
            "category", "recall", "block-recall", "false pos."
        );
        for (category, t) in &by_category {
            let _ = writeln!(
                out,
                "{category:<28} {:>14} {:>14} {:>14}",
                format!("{} {}/{}", pct(t.recall()), t.found, t.leaks),
                format!("{} {}/{}", pct(t.block_recall()), t.blocked, t.blocks),
                format!("{} {}/{}", pct(t.fpr()), t.flagged, t.public)
            );
        }
        if !misses.is_empty() {
            let _ = writeln!(out, "\nmisses:");
            for (case, o) in &misses {
                let what = match case.expect {
                    Expect::Pass => "false positive",
                    Expect::Flag => "missed leak",
                    Expect::Block => {
                        if o.decision == Decision::Pass {
                            "missed leak (block)"
                        } else {
                            "review, want block"
                        }
                    }
                };
                let _ = writeln!(
                    out,
                    "  {what:<20} {:<7} {}  [{}] rules: {}",
                    o.decision.as_str(),
                    case.shown,
                    case.category,
                    if o.rules.is_empty() {
                        "-".into()
                    } else {
                        o.rules.join(",")
                    }
                );
            }
        }
        for u in &unreadable {
            let _ = writeln!(out, "unreadable: {u}");
        }
        print!("{out}");
    }
    if !unreadable.is_empty() {
        return Ok(ExitCode::from(2));
    }
    let below =
        |value: Option<f64>, min: Option<f64>| min.is_some_and(|m| value.is_none_or(|v| v < m));
    let failed = below(total.recall(), args.min_recall)
        || below(total.block_recall(), args.min_block_recall)
        || args
            .max_fpr
            .is_some_and(|m| total.fpr().is_some_and(|v| v > m));
    if failed {
        eprintln!("baomi: below the thresholds given");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
