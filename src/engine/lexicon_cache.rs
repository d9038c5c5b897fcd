//! The compiled lexicon cache: a validated [`Lexicon`] and its candidate
//! search (the automaton included) as bytes, so that a process can start
//! without parsing TOML, compiling every pattern, working out search plans
//! and building the automaton again.
//!
//! Contract: [`decode`] returns a lexicon only when the bytes are exactly
//! what [`encode`] wrote for the lexicon version asked for, by this very
//! engine build (a hash of the engine's sources, made by `build.rs`):
//! magic, build, version and a checksum of the whole payload are checked
//! before anything is deserialized. Anything else (a cache of another
//! build, other lexicon files, a truncated or flipped byte) is a
//! [`CacheMiss`], and the caller parses the sources and writes a new cache:
//! a corrupt cache is rebuilt, never trusted. Pure: where the bytes live is
//! the caller's business (the service layer keeps them in a cache folder).

use super::candidates::CandidateFinder;
use super::lexicon::Lexicon;
use super::pipeline::{Engine, EngineBuilder};

const MAGIC: &[u8; 8] = b"BAOMILX2";

/// The engine build this binary carries (see `build.rs`).
pub const ENGINE_BUILD: &str = env!("BAOMI_ENGINE_BUILD");

/// Why cached bytes were not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheMiss {
    #[error("not a baomi lexicon cache")]
    NotACache,
    #[error("written by another engine build")]
    OtherBuild,
    #[error("compiled from other lexicon files")]
    OtherLexicon,
    #[error("checksum mismatch (truncated or corrupt)")]
    Corrupt,
}

/// The cache bytes of `engine`'s lexicon and candidate search.
pub fn encode(engine: &Engine) -> Vec<u8> {
    let lexicon = engine.lexicon();
    // Serializing plain data into a Vec cannot fail: every type is owned
    // strings, numbers, enums and vectors.
    let entries = postcard::to_stdvec(lexicon).unwrap_or_default();
    let finder = engine.finder().to_bytes();
    let mut payload = Vec::with_capacity(entries.len() + finder.len() + 8);
    payload.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    payload.extend_from_slice(&entries);
    payload.extend_from_slice(&finder);
    let mut out = Vec::with_capacity(payload.len() + 64);
    out.extend_from_slice(MAGIC);
    push_str(&mut out, ENGINE_BUILD);
    push_str(&mut out, &lexicon.version);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// The engine in `bytes`, if they are a sound cache of `version` written
/// by this build (see the module docs), built with `builder`'s settings.
pub fn decode(bytes: &[u8], version: &str, builder: EngineBuilder) -> Result<Engine, CacheMiss> {
    decode_payload(check(bytes, version)?, version, builder)
}

/// The payload of `bytes` when magic, build, version and checksum hold.
pub fn check<'b>(bytes: &'b [u8], version: &str) -> Result<&'b [u8], CacheMiss> {
    let rest = bytes.strip_prefix(MAGIC).ok_or(CacheMiss::NotACache)?;
    let (build, rest) = take_str(rest).ok_or(CacheMiss::NotACache)?;
    if build != ENGINE_BUILD {
        return Err(CacheMiss::OtherBuild);
    }
    let (cached_version, rest) = take_str(rest).ok_or(CacheMiss::Corrupt)?;
    if cached_version != version {
        return Err(CacheMiss::OtherLexicon);
    }
    let (len, rest) = take_u64(rest).ok_or(CacheMiss::Corrupt)?;
    let (sum, payload) = take_u64(rest).ok_or(CacheMiss::Corrupt)?;
    if payload.len() as u64 != len || checksum(payload) != sum {
        return Err(CacheMiss::Corrupt);
    }
    Ok(payload)
}

/// The engine in a payload [`check`] passed.
pub fn decode_payload(
    payload: &[u8],
    version: &str,
    builder: EngineBuilder,
) -> Result<Engine, CacheMiss> {
    let (entries_len, payload) = take_u64(payload).ok_or(CacheMiss::Corrupt)?;
    let entries_len = usize::try_from(entries_len).map_err(|_| CacheMiss::Corrupt)?;
    let entries = payload.get(..entries_len).ok_or(CacheMiss::Corrupt)?;
    let lexicon: Lexicon = postcard::from_bytes(entries).map_err(|_| CacheMiss::Corrupt)?;
    if lexicon.version != version {
        return Err(CacheMiss::Corrupt);
    }
    let finder = CandidateFinder::from_bytes(&payload[entries_len..]).ok_or(CacheMiss::Corrupt)?;
    Ok(builder.assemble(lexicon, finder))
}

/// A 64-bit FNV-style hash over 8-byte words (eight times FNV-1a's pace on
/// a 100 MB register): integrity against truncation and flipped bytes.
fn checksum(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        hash = (hash ^ word).wrapping_mul(PRIME);
        hash ^= hash >> 29;
    }
    for &b in words.remainder() {
        hash = (hash ^ u64::from(b)).wrapping_mul(PRIME);
    }
    (hash ^ bytes.len() as u64).wrapping_mul(PRIME)
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn take_str(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let text = bytes.get(4..4 + len)?;
    Some((std::str::from_utf8(text).ok()?, &bytes[4 + len..]))
}

fn take_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let value = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    Some((value, &bytes[8..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lexicon_check::check_examples;
    use crate::engine::{Document, EngineBuilder};

    fn engine() -> Engine {
        EngineBuilder::new()
            .build(Lexicon::embedded().unwrap())
            .unwrap()
    }

    #[test]
    fn a_decoded_engine_passes_every_example_and_scans_as_the_original() {
        let original = engine();
        let bytes = encode(&original);
        let version = original.lexicon_version().to_string();
        let decoded = decode(&bytes, &version, EngineBuilder::new()).unwrap();
        assert_eq!(
            decoded.lexicon().entries.len(),
            original.lexicon().entries.len()
        );
        assert_eq!(decoded.lexicon_version(), version);
        let report = check_examples(&decoded);
        assert!(report.failures.is_empty(), "{:?}", report.failures.first());
        assert!(report.examples > 1000, "{}", report.examples);
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus/leaks-e");
        let mut compared = 0;
        for file in std::fs::read_dir(corpus).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            let doc = Document::text(&text);
            let (a, b) = (original.scan(&doc), decoded.scan(&doc));
            assert_eq!(a.decision, b.decision);
            assert_eq!(format!("{:?}", a.findings), format!("{:?}", b.findings));
            compared += 1;
        }
        assert!(compared >= 80, "{compared}");
    }

    #[test]
    fn another_version_or_build_is_a_miss() {
        let original = engine();
        let version = original.lexicon_version().to_string();
        let bytes = encode(&original);
        let miss = |bytes: &[u8], version: &str| decode(bytes, version, EngineBuilder::new()).err();
        assert_eq!(
            miss(&bytes, "lex-0000000000000000"),
            Some(CacheMiss::OtherLexicon)
        );
        let mut other_build = bytes.clone();
        let at = MAGIC.len() + 4;
        other_build[at..at + ENGINE_BUILD.len()].fill(b'0');
        assert_eq!(miss(&other_build, &version), Some(CacheMiss::OtherBuild));
        assert_eq!(miss(b"", &version), Some(CacheMiss::NotACache));
    }

    #[test]
    fn every_truncation_and_many_flipped_bytes_are_misses() {
        let original = engine();
        let version = original.lexicon_version().to_string();
        let bytes = encode(&original);
        for len in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            assert!(
                decode(&bytes[..len], &version, EngineBuilder::new()).is_err(),
                "{len}"
            );
        }
        let header = MAGIC.len() + 4 + ENGINE_BUILD.len();
        for at in (header..bytes.len()).step_by(bytes.len() / 89 + 1) {
            let mut bad = bytes.clone();
            bad[at] ^= 0x20;
            assert!(
                decode(&bad, &version, EngineBuilder::new()).is_err(),
                "flip at {at}"
            );
        }
    }
}
