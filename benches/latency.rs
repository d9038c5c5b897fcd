//! Latency, build time and memory harness (criterion reports means, not
//! p99, and cannot see resident memory).
//!
//! Prints, for the 10 KB article with the bundled + 10,000-term lexicon:
//! p50/p99/max of 5,000 in-process scans, the engine build time (lexicon
//! parse + automaton; the jieba dictionary load is reported separately, it
//! is paid once per process), and peak resident memory (VmHWM).
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
    let engine = EngineBuilder::new().build(&lexicon).unwrap();
    let build = t.elapsed();
    let t = Instant::now();
    let jieba = baomi::boundary::shared_jieba();
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
        println!("peak resident memory: {:.1} MiB", kib as f64 / 1024.0);
    }
}
