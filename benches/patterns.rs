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
    let lexicon = Lexicon::embedded().expect("bundled lexicons");
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
