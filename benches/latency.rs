//! Latency, build time and memory harness (criterion reports means, not
//! p99, and cannot see resident memory).
//!
//! Prints, for the 10 KB article with the bundled + 10,000-term lexicon:
//! p50/p99/max of 5,000 in-process scans, the engine build time (lexicon
//! parse + automaton; the jieba dictionary load is reported separately, it
//! is paid once per process), peak resident memory (VmHWM) before the corpus
//! part, and the throughput of one scan of an 8 MB corpus with the time
//! spent in normalization and candidate search.
//! Run: `cargo bench --bench latency`.

use baomi::{Document, EngineBuilder};
use std::time::Instant;

#[path = "common.rs"]
mod common;

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let t = Instant::now();
    let lexicon = common::lexicon();
    let parse = t.elapsed();
    let t = Instant::now();
    let engine = EngineBuilder::new().build(lexicon.clone()).unwrap();
    let build = t.elapsed();
    let t = Instant::now();
    let jieba = baomi::engine::boundary::shared_jieba();
    let jieba_load = t.elapsed();
    drop(jieba);
    let article = common::article();
    let doc = Document::text(&article);
    for _ in 0..200 {
        engine.scan(&doc);
    }
    let mut samples = Vec::with_capacity(5_000);
    for _ in 0..5_000 {
        let t = Instant::now();
        let v = engine.scan(&doc);
        samples.push(t.elapsed());
        std::hint::black_box(v);
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "input: 10 KB synthetic article ({} bytes), bundled + {} synthetic terms",
        article.len(),
        common::TERMS
    );
    println!(
        "lexicon parse+validate: {:.1} ms",
        parse.as_secs_f64() * 1e3
    );
    println!(
        "engine build (automaton): {:.1} ms",
        build.as_secs_f64() * 1e3
    );
    println!(
        "jieba dictionary load (once per process): {:.1} ms",
        jieba_load.as_secs_f64() * 1e3
    );
    println!(
        "scan latency: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3
    );
    if let Some(kib) = vm_hwm_kib() {
        println!(
            "peak resident memory (engine with 10,000 terms, segmenter loaded, 10 KB scans): {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
    // Throughput over a multi-MB corpus, with where the time goes.
    let corpus = common::corpus(8_000_000);
    let doc = Document::text(&corpus);
    engine.scan(&doc);
    let runs = 5;
    let t = Instant::now();
    let mut findings = 0;
    for _ in 0..runs {
        findings = engine.scan(&doc).findings.len();
    }
    let per = t.elapsed().as_secs_f64() / runs as f64;
    let t = Instant::now();
    let normalized = baomi::engine::normalize::normalize(&corpus);
    let normalize = t.elapsed().as_secs_f64();
    let finder = baomi::engine::candidates::CandidateFinder::new(&lexicon.entries).unwrap();
    let t = Instant::now();
    let candidates = finder.find(&normalized.text).len();
    let find = t.elapsed().as_secs_f64();
    println!(
        "corpus: {} bytes, {findings} findings from {candidates} candidates: {:.1} ms per scan = {:.0} MB/s \
         (normalize {:.1} ms, candidates {:.1} ms, boundaries+decide+verdict {:.1} ms)",
        corpus.len(),
        per * 1e3,
        corpus.len() as f64 / per / 1e6,
        normalize * 1e3,
        find * 1e3,
        (per - normalize - find) * 1e3
    );
}
