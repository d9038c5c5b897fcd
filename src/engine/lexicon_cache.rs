//! The compiled lexicon cache: a validated [`Lexicon`] as bytes, so that a
//! process can start without parsing TOML, compiling every pattern and
//! working out search plans again.
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

use super::lexicon::{Fnv64, Lexicon};

const MAGIC: &[u8; 8] = b"BAOMILX1";

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

/// The cache bytes of `lexicon`.
pub fn encode(lexicon: &Lexicon) -> Vec<u8> {
    // Serializing plain data into a Vec cannot fail: every type is owned
    // strings, numbers, enums and vectors.
    let payload = postcard::to_stdvec(lexicon).unwrap_or_default();
    let mut out = Vec::with_capacity(payload.len() + 64);
    out.extend_from_slice(MAGIC);
    push_str(&mut out, ENGINE_BUILD);
    push_str(&mut out, &lexicon.version);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// The lexicon in `bytes`, if they are a sound cache of `version` written
/// by this build (see the module docs).
pub fn decode(bytes: &[u8], version: &str) -> Result<Lexicon, CacheMiss> {
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
    let lexicon: Lexicon = postcard::from_bytes(payload).map_err(|_| CacheMiss::Corrupt)?;
    if lexicon.version != version {
        return Err(CacheMiss::Corrupt);
    }
    Ok(lexicon)
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = Fnv64::new();
    hash.write(bytes);
    hash.finish()
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
    use crate::engine::EngineBuilder;

    fn embedded() -> Lexicon {
        Lexicon::embedded().unwrap()
    }

    #[test]
    fn a_decoded_lexicon_passes_every_example_of_the_original() {
        let lexicon = embedded();
        let bytes = encode(&lexicon);
        let decoded = decode(&bytes, &lexicon.version).unwrap();
        assert_eq!(decoded.entries.len(), lexicon.entries.len());
        assert_eq!(decoded.version, lexicon.version);
        let engine = EngineBuilder::new().build(decoded).unwrap();
        let report = check_examples(&engine);
        assert!(report.failures.is_empty(), "{:?}", report.failures.first());
        assert!(report.examples > 1000, "{}", report.examples);
    }

    #[test]
    fn another_version_or_build_is_a_miss() {
        let lexicon = embedded();
        let bytes = encode(&lexicon);
        assert_eq!(
            decode(&bytes, "lex-0000000000000000").unwrap_err(),
            CacheMiss::OtherLexicon
        );
        let other_build = String::from_utf8_lossy(&bytes).replacen(
            ENGINE_BUILD,
            &"0".repeat(ENGINE_BUILD.len()),
            1,
        );
        assert_eq!(
            decode(other_build.as_bytes(), &lexicon.version).unwrap_err(),
            CacheMiss::OtherBuild
        );
        assert_eq!(
            decode(b"", &lexicon.version).unwrap_err(),
            CacheMiss::NotACache
        );
    }

    #[test]
    fn every_truncation_and_many_flipped_bytes_are_misses() {
        let lexicon = embedded();
        let bytes = encode(&lexicon);
        for len in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            assert!(decode(&bytes[..len], &lexicon.version).is_err(), "{len}");
        }
        let header = MAGIC.len() + 4 + ENGINE_BUILD.len();
        for at in (header..bytes.len()).step_by(bytes.len() / 89 + 1) {
            let mut bad = bytes.clone();
            bad[at] ^= 0x20;
            assert!(decode(&bad, &lexicon.version).is_err(), "flip at {at}");
        }
    }
}
