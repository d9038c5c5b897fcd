//! The store's hashes, on their own so that every writer (the pool's and
//! the SQLite writer thread's) can name them without importing the store.

use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 (hex) of `parts`, each framed by its length (u64, little
/// endian) so that no choice of contents makes two different lists of parts
/// hash alike (`"a\nb" + "c"` and `"a" + "b\nc"` did under plain joining).
pub fn framed_sha256<'p>(parts: impl IntoIterator<Item = &'p [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// The hash of the chain before its first event.
pub(super) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of one event. Version 2 (every event written now) frames each
/// field by its length; version 1 (events of early builds) joined them with
/// line breaks, which a field's own line break could shift unseen.
#[allow(clippy::too_many_arguments)]
pub(super) fn event_hash(
    version: i64,
    seq: i64,
    prev: &str,
    review_id: &str,
    kind: &str,
    actor: &str,
    payload: &str,
    at: &str,
) -> String {
    if version >= 2 {
        let seq = seq.to_string();
        framed_sha256([
            seq.as_bytes(),
            prev.as_bytes(),
            review_id.as_bytes(),
            kind.as_bytes(),
            actor.as_bytes(),
            payload.as_bytes(),
            at.as_bytes(),
        ])
    } else {
        sha256_hex(
            format!("{seq}\n{prev}\n{review_id}\n{kind}\n{actor}\n{payload}\n{at}").as_bytes(),
        )
    }
}
