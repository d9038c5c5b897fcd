//! The compiled lexicon cache: a validated [`Lexicon`] and its candidate
//! search (the automaton included) as bytes, so that a process can start
//! without parsing TOML, compiling every pattern, working out search plans
//! and building the automaton again.
//!
//! Contract: [`decode`] (and [`check_header`] then [`decode_body`], which
//! read the same bytes from a reader) returns a lexicon only when the bytes
//! are exactly what [`encode`] wrote for the lexicon version asked for, by
//! this very engine build (a hash of the engine's sources, made by
//! `build.rs`). Magic, build and version are compared first; then the body
//! is a run of sections (an index, chunks of entries, the finder), each
//! with its length and checksum, and a section is deserialized only after
//! its checksum holds. Anything else (a cache of another build, other
//! lexicon files, a truncated or flipped byte, a read error) is a
//! [`CacheMiss`], and the caller parses the sources and writes a new cache:
//! a corrupt cache is rebuilt, never trusted.
//!
//! Why sections: a 100,000-row register makes a cache file of over 100 MB.
//! Read whole, the file and the entries decoded from it sat in memory
//! together; read a section at a time, only one chunk of
//! [`ENTRIES_PER_CHUNK`] entries is held as bytes. Pure: the engine opens
//! nothing, it reads what the caller hands it (the service layer keeps the
//! files in a cache folder).

use super::candidates::CandidateFinder;
use super::lexicon::{Entry, Lexicon};
use super::pipeline::{Engine, EngineBuilder};
use std::io::Read;

const MAGIC: &[u8; 8] = b"BAOMILX3";

/// Entries per section: about half a megabyte of a register's entries.
pub const ENTRIES_PER_CHUNK: usize = 1024;

/// No section of a sound cache is this long; a longer length is corrupt.
const MAX_SECTION: u64 = 1 << 32;

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
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    push_str(&mut out, ENGINE_BUILD);
    push_str(&mut out, &lexicon.version);
    let chunks = lexicon.entries.chunks(ENTRIES_PER_CHUNK);
    let index = [lexicon.entries.len() as u64, chunks.len() as u64];
    // Serializing plain data into a Vec cannot fail: every type is owned
    // strings, numbers, enums and vectors.
    push_section(&mut out, &postcard::to_stdvec(&index).unwrap_or_default());
    for chunk in chunks {
        push_section(&mut out, &postcard::to_stdvec(chunk).unwrap_or_default());
    }
    push_section(&mut out, &engine.finder().to_bytes());
    out
}

/// The engine in `bytes`, if they are a sound cache of `version` written
/// by this build (see the module docs), built with `builder`'s settings.
pub fn decode(bytes: &[u8], version: &str, builder: EngineBuilder) -> Result<Engine, CacheMiss> {
    let mut reader = bytes;
    check_header(&mut reader, version)?;
    decode_body(&mut reader, version, builder)
}

/// Reads the header from `reader`: Ok when it is a cache of `version` by
/// this build. The body follows; [`decode_body`] reads it.
pub fn check_header(reader: &mut impl Read, version: &str) -> Result<(), CacheMiss> {
    let mut magic = [0u8; 8];
    reader
        .read_exact(&mut magic)
        .map_err(|_| CacheMiss::NotACache)?;
    if &magic != MAGIC {
        return Err(CacheMiss::NotACache);
    }
    if read_str(reader).ok_or(CacheMiss::NotACache)? != ENGINE_BUILD {
        return Err(CacheMiss::OtherBuild);
    }
    if read_str(reader).ok_or(CacheMiss::Corrupt)? != version {
        return Err(CacheMiss::OtherLexicon);
    }
    Ok(())
}

/// The engine in the body that follows a header [`check_header`] passed;
/// `reader` must end where the body ends.
pub fn decode_body(
    reader: &mut impl Read,
    version: &str,
    builder: EngineBuilder,
) -> Result<Engine, CacheMiss> {
    let mut section = Vec::new();
    read_section(reader, &mut section)?;
    let [count, chunks]: [u64; 2] =
        postcard::from_bytes(&section).map_err(|_| CacheMiss::Corrupt)?;
    let count = usize::try_from(count).map_err(|_| CacheMiss::Corrupt)?;
    if usize::try_from(chunks).ok() != Some(count.div_ceil(ENTRIES_PER_CHUNK)) {
        return Err(CacheMiss::Corrupt);
    }
    let mut entries: Vec<Entry> = Vec::new();
    for _ in 0..chunks {
        read_section(reader, &mut section)?;
        let chunk: Vec<Entry> = postcard::from_bytes(&section).map_err(|_| CacheMiss::Corrupt)?;
        if chunk.is_empty() || chunk.len() > ENTRIES_PER_CHUNK {
            return Err(CacheMiss::Corrupt);
        }
        entries.extend(chunk);
    }
    if entries.len() != count {
        return Err(CacheMiss::Corrupt);
    }
    read_section(reader, &mut section)?;
    let finder = CandidateFinder::from_bytes(&section).ok_or(CacheMiss::Corrupt)?;
    drop(section);
    // Nothing may follow the finder: trailing bytes are not this encoding.
    if !matches!(reader.read(&mut [0u8; 1]), Ok(0)) {
        return Err(CacheMiss::Corrupt);
    }
    let lexicon = Lexicon {
        entries,
        version: version.to_string(),
    };
    Ok(builder.assemble(lexicon, finder))
}

/// Reads one section into `into` (replacing what it held) and checks its
/// checksum.
fn read_section(reader: &mut impl Read, into: &mut Vec<u8>) -> Result<(), CacheMiss> {
    let mut head = [0u8; 16];
    reader
        .read_exact(&mut head)
        .map_err(|_| CacheMiss::Corrupt)?;
    let (len, sum) = head.split_at(8);
    let len = u64::from_le_bytes(len.try_into().map_err(|_| CacheMiss::Corrupt)?);
    let sum = u64::from_le_bytes(sum.try_into().map_err(|_| CacheMiss::Corrupt)?);
    if len > MAX_SECTION {
        return Err(CacheMiss::Corrupt);
    }
    into.clear();
    // `take` grows the buffer as bytes arrive: a corrupt length cannot
    // make it allocate more than the file holds.
    reader
        .take(len)
        .read_to_end(into)
        .map_err(|_| CacheMiss::Corrupt)?;
    if into.len() as u64 != len || checksum(into) != sum {
        return Err(CacheMiss::Corrupt);
    }
    Ok(())
}

fn push_section(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(bytes).to_le_bytes());
    out.extend_from_slice(bytes);
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

/// A short string (a build hash, a lexicon version) from `reader`.
fn read_str(reader: &mut impl Read) -> Option<String> {
    let mut len = [0u8; 4];
    reader.read_exact(&mut len).ok()?;
    let len = u32::from_le_bytes(len);
    if len > 1024 {
        return None;
    }
    let mut text = vec![0u8; len as usize];
    reader.read_exact(&mut text).ok()?;
    String::from_utf8(text).ok()
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
    fn a_lexicon_of_many_chunks_decodes_whole_and_a_missing_chunk_is_a_miss() {
        let terms = crate::engine::synthetic::lexicon_source(3 * ENTRIES_PER_CHUNK, 7);
        let lexicon = Lexicon::from_sources(&[terms]).unwrap();
        let count = lexicon.entries.len();
        assert!(count > 2 * ENTRIES_PER_CHUNK, "{count}");
        let original = EngineBuilder::new().build(lexicon).unwrap();
        let version = original.lexicon_version().to_string();
        let bytes = encode(&original);
        let decoded = decode(&bytes, &version, EngineBuilder::new()).unwrap();
        assert_eq!(decoded.lexicon().entries.len(), count);
        let (a, b) = (&original.lexicon().entries, &decoded.lexicon().entries);
        assert_eq!(a[count - 1].id, b[count - 1].id);
        assert_eq!(
            format!("{:?}", a[ENTRIES_PER_CHUNK]),
            format!("{:?}", b[ENTRIES_PER_CHUNK])
        );
        // Cut the second chunk out: every section checks out alone, the
        // index says one more chunk, so the finder is read as entries.
        let mut reader = &bytes[..];
        check_header(&mut reader, &version).unwrap();
        let header = bytes.len() - reader.len();
        let mut at = header;
        let mut starts = Vec::new();
        while at < bytes.len() {
            starts.push(at);
            let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
            at += 16 + len;
        }
        assert_eq!(at, bytes.len());
        assert_eq!(starts.len(), 1 + count.div_ceil(ENTRIES_PER_CHUNK) + 1);
        let mut cut = bytes[..starts[2]].to_vec();
        cut.extend_from_slice(&bytes[starts[3]..]);
        assert_eq!(
            decode(&cut, &version, EngineBuilder::new()).err(),
            Some(CacheMiss::Corrupt)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            decode(&longer, &version, EngineBuilder::new()).err(),
            Some(CacheMiss::Corrupt)
        );
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
