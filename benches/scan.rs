//! Criterion benchmarks of the whole pipeline against same-process baselines.
//!
//! - `article_10kb`: one 10 KB article, full pipeline vs whole-document jieba
//!   segmentation followed by term lookup (the approach baomi avoids).
//! - `corpus_4mb`: throughput over 4 MB of articles, same two contenders.
//! - `automaton`: the candidate automaton alone, aho-corasick (what the
//!   engine uses) vs daachorse's char-wise automaton, same terms and text.
//! - `build`: building the engine with the 10,000-term lexicon.
//!
//! See benches/README.md for how to run these and the ripgrep comparison.

use baomi::{Document, EngineBuilder};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::collections::HashSet;
use std::hint::black_box;

#[path = "common.rs"]
mod common;

fn jieba_lookup(jieba: &jieba_rs::Jieba, terms: &HashSet<String>, text: &str) -> usize {
    jieba
        .cut(text, true)
        .iter()
        .filter(|t| terms.contains(t.word))
        .count()
}

fn benches(c: &mut Criterion) {
    let lexicon = common::lexicon();
    let engine = EngineBuilder::new().build(lexicon.clone()).unwrap();
    let jieba = baomi::engine::boundary::shared_jieba();
    let term_set: HashSet<String> = lexicon.terms().map(str::to_string).collect();
    let article = common::article();
    let corpus = common::corpus(4 * 1024 * 1024);
    // Warm the lazy segmenter outside the measurements.
    engine.scan(&Document::text(&article));

    let mut g = c.benchmark_group("article_10kb");
    g.throughput(Throughput::Bytes(article.len() as u64));
    g.bench_function("baomi_scan", |b| {
        b.iter(|| engine.scan(black_box(&Document::text(&article))))
    });
    g.bench_function("jieba_whole_doc_lookup", |b| {
        b.iter(|| jieba_lookup(&jieba, &term_set, black_box(&article)))
    });
    g.finish();

    let mut g = c.benchmark_group("corpus_4mb");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(corpus.len() as u64));
    g.bench_function("baomi_scan", |b| {
        b.iter(|| engine.scan(black_box(&Document::text(&corpus))))
    });
    g.bench_function("jieba_whole_doc_lookup", |b| {
        b.iter(|| jieba_lookup(&jieba, &term_set, black_box(&corpus)))
    });
    g.finish();

    let terms: Vec<&str> = lexicon.terms().collect();
    let ac = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::Standard)
        .build(terms.clone())
        .unwrap();
    let daac: daachorse::CharwiseDoubleArrayAhoCorasick<u32> =
        daachorse::CharwiseDoubleArrayAhoCorasick::new(&terms).unwrap();
    let mut g = c.benchmark_group("automaton");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(corpus.len() as u64));
    g.bench_function("aho_corasick_overlapping", |b| {
        b.iter(|| ac.find_overlapping_iter(black_box(&corpus)).count())
    });
    g.bench_function("daachorse_charwise_overlapping", |b| {
        b.iter(|| daac.find_overlapping_iter(black_box(&corpus)).count())
    });
    g.finish();

    let mut g = c.benchmark_group("build");
    g.sample_size(10);
    g.bench_function("engine_10k_terms", |b| {
        b.iter_batched(
            || lexicon.clone(),
            |lexicon| {
                EngineBuilder::new()
                    .segmenter(jieba.clone())
                    .build(black_box(lexicon))
                    .unwrap()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("lexicon_parse_and_build_10k_terms", |b| {
        b.iter(|| {
            EngineBuilder::new()
                .segmenter(jieba.clone())
                .build(common::lexicon())
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(scan, benches);
criterion_main!(scan);
