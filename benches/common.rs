//! Inputs shared by the benchmarks: the bundled lexicons plus a synthetic
//! 10,000-term lexicon, a 10 KB article and a multi-MB corpus, all
//! deterministic (see `baomi::engine::synthetic`).

// Shared by two bench binaries; each uses a subset.
#![allow(dead_code)]
use baomi::engine::lexicon::{embedded_sources, Lexicon};
use baomi::engine::synthetic;

pub const TERMS: usize = 10_000;
pub const SEED: u64 = 1;

pub fn lexicon() -> Lexicon {
    let mut sources = embedded_sources();
    sources.push(synthetic::lexicon_source(TERMS, SEED));
    Lexicon::from_sources(&sources).expect("synthetic lexicon builds")
}

pub fn terms() -> Vec<String> {
    synthetic::terms(TERMS, SEED)
}

pub fn article() -> String {
    synthetic::article(10 * 1024, &terms(), SEED)
}

pub fn corpus(bytes: usize) -> String {
    synthetic::corpus(bytes, &terms(), 25, SEED)
}
