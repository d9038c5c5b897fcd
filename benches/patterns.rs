//! Which lexicon patterns cost the most on the 8 MB benchmark corpus: each
//! pattern searched alone as the engine searches it (its prefilter first,
//! then the regex in windows around the hits, or over the whole text when
//! its match has no bounded length), and how often its prefilter fires. For lexicon authors: a pattern whose prefilter is a
//! common character runs on every document. Run with
//! `cargo bench --bench patterns`.

use baomi::engine::candidates::CandidateFinder;
use baomi::engine::lexicon::{Lexicon, Matcher};
use baomi::engine::normalize::normalize;
use baomi::engine::synthetic;
use std::time::Instant;

fn main() {
    // BAOMI_LEXICONS=DIR: that folder on top of the bundled files, read at
    // run time, so a lexicon edit is measured without a rebuild.
    let lexicon = match std::env::var_os("BAOMI_LEXICONS") {
        Some(dir) => baomi::service::lexicons::load(Some(std::path::Path::new(&dir)))
            .expect("the lexicon folder"),
        None => Lexicon::embedded().expect("bundled lexicons"),
    };
    if std::env::var_os("BAOMI_MARGINAL").is_some() {
        marginal(&lexicon);
        return;
    }
    let terms = synthetic::terms(10_000, 7);
    let corpus = synthetic::corpus(8_000_000, &terms, 25, 11);
    let text = normalize(&corpus).text;
    let mut rows = Vec::new();
    for entry in &lexicon.entries {
        if let Matcher::Pattern(pattern) = &entry.matcher {
            let (prefilter, plan) = (&pattern.prefilter, &pattern.plan);
            let fired: usize = prefilter
                .iter()
                .map(|p| text.matches(p.as_str()).count())
                .sum();
            let alone = CandidateFinder::new(std::slice::from_ref(entry)).expect("one pattern");
            let started = Instant::now();
            let matches = alone.find(&text).len();
            let plan = plan.as_ref().map_or_else(
                || "whole text".to_string(),
                |p| {
                    let shortest = p.literals.iter().map(|l| l.chars().count()).min();
                    format!(
                        "{} literals (shortest {} chars), lead {} trail {}",
                        p.literals.len(),
                        shortest.unwrap_or(0),
                        p.lead,
                        p.trail
                    )
                },
            );
            rows.push((started.elapsed(), entry.id.clone(), fired, matches, plan));
        }
    }
    // All of them together, as the engine runs them, against the same
    // finder without pattern entries: what patterns add to one scan.
    let without: Vec<_> = lexicon
        .entries
        .iter()
        .filter(|e| !matches!(e.matcher, Matcher::Pattern { .. }))
        .cloned()
        .collect();
    let all = CandidateFinder::new(&lexicon.entries).expect("bundled");
    let terms_only = CandidateFinder::new(&without).expect("bundled terms");
    let best_of = |finder: &CandidateFinder| {
        (0..5)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(finder.find(&text));
                started.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let (with_patterns, without_patterns) = (best_of(&all), best_of(&terms_only));
    println!(
        "candidates, bundled lexicon, best of 5: {:.1} ms with its patterns, {:.1} ms without",
        with_patterns.as_secs_f64() * 1e3,
        without_patterns.as_secs_f64() * 1e3
    );
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    // Every run pays one automaton pass over the text; the cheapest run is
    // about that pass alone, so what a pattern adds is its time above it.
    let floor = rows.iter().map(|r| r.0).min().unwrap_or_default();
    for row in &mut rows {
        row.0 = row.0.saturating_sub(floor);
    }
    let total: std::time::Duration = rows.iter().map(|r| r.0).sum();
    println!(
        "{} patterns over {} bytes of normalized corpus: {:.1} ms in all above one automaton \
         pass ({:.1} ms)",
        rows.len(),
        text.len(),
        total.as_secs_f64() * 1e3,
        floor.as_secs_f64() * 1e3
    );
    for (took, id, fired, matches, plan) in rows.iter().take(40) {
        println!(
            "{:>8.2} ms  {id:<8} prefilter hits {fired:>7}  matches {matches:>5}  {plan}",
            took.as_secs_f64() * 1e3
        );
    }
    literal_frequency(&lexicon, &text);
}

/// What each pattern entry adds to one candidate search with the whole
/// lexicon: the best of three searches with every entry against the best of
/// three without that one, on the 8 MB synthetic corpus and on the real
/// public portal texts of the corpus (`BAOMI_MARGINAL=1`). Unlike a pattern
/// searched alone, this leaves out the automaton's pass, which every
/// search pays once whatever it holds.
fn marginal(lexicon: &Lexicon) {
    let terms = synthetic::terms(10_000, 7);
    let synthetic_text = normalize(&synthetic::corpus(8_000_000, &terms, 25, 11)).text;
    let mut public = String::new();
    for set in ["public", "public2", "public3"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/corpus")
            .join(set);
        let mut files: Vec<_> = std::fs::read_dir(dir).expect("corpus").flatten().collect();
        files.sort_by_key(|f| f.path());
        for f in files {
            public.push_str(&std::fs::read_to_string(f.path()).unwrap_or_default());
            public.push('\n');
        }
    }
    let public_text = normalize(&public).text;
    let best = |finder: &CandidateFinder, text: &str| {
        (0..3)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(finder.find(text));
                started.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::MAX, f64::min)
    };
    let all = CandidateFinder::new(&lexicon.entries).expect("lexicon");
    let (full_synthetic, full_public) = (best(&all, &synthetic_text), best(&all, &public_text));
    println!(
        "candidates, whole lexicon: {full_synthetic:.1} ms on {} bytes synthetic, {full_public:.1} ms on {} bytes of public texts",
        synthetic_text.len(),
        public_text.len()
    );
    let mut rows = Vec::new();
    for (i, entry) in lexicon.entries.iter().enumerate() {
        if !matches!(entry.matcher, Matcher::Pattern(_)) {
            continue;
        }
        let mut rest = lexicon.entries.clone();
        rest.remove(i);
        let finder = CandidateFinder::new(&rest).expect("lexicon");
        // The whole finder again next to each one left out: a machine that
        // speeds up or slows down over the run moves both alike.
        rows.push((
            best(&all, &synthetic_text) - best(&finder, &synthetic_text),
            best(&all, &public_text) - best(&finder, &public_text),
            entry.id.clone(),
        ));
    }
    rows.sort_by(|a, b| (b.0 + b.1).total_cmp(&(a.0 + a.1)));
    for (synthetic_ms, public_ms, id) in rows.iter().take(40) {
        println!("{synthetic_ms:>8.2} ms synthetic {public_ms:>8.2} ms public  {id}");
    }
}

/// The search literals that occur most in the corpus: each occurrence is
/// an automaton hit and maybe a window to search, so these are what to
/// make rarer (a longer required piece) when candidates get slow.
fn literal_frequency(lexicon: &Lexicon, text: &str) {
    let mut counts: Vec<(usize, String, String)> = Vec::new();
    for entry in &lexicon.entries {
        if let Matcher::Pattern(pattern) = &entry.matcher {
            let Some(plan) = &pattern.plan else { continue };
            {
                for l in &plan.literals {
                    counts.push((
                        text.matches(l.as_str()).count(),
                        l.clone(),
                        entry.id.clone(),
                    ));
                }
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.0));
    println!("most frequent search literals:");
    for (n, l, id) in counts.iter().take(15) {
        println!("{n:>8}  {l}  ({id})");
    }
}
