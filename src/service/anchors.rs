//! Anchors: the audit chain's head, signed with an ed25519 key that is kept
//! outside the database, so that cutting events off the end of the chain
//! (which a chain recomputed from its start cannot show) is found.
//!
//! Contract:
//! - The key lives in a file (`audit_key_file`, default `baomi-audit.key`,
//!   hex, mode 0600), created on the first start of `baomi serve` or by
//!   `baomi audit anchor`. It is never written to the database.
//! - An [`Anchor`] signs (chain length, head hash, time). It is recorded in
//!   the database, appended to the anchors file (`audit_anchor_file`,
//!   default `baomi-anchors.txt`) and printed by `baomi audit anchor` as one
//!   line for the paper 登记簿.
//! - [`check_anchors`] checks each anchor it is given: a valid signature by
//!   a trusted key, and an event at its position with its hash. An anchor of
//!   event N over a chain of M < N events means events were cut off.
//!
//! What anchors do not prove: anything after the newest anchor (events
//! appended since can still be cut off); anything an attacker holding the
//! key file signs; anchors only in the database, if the attacker also
//! deleted those rows (keep the file, or the printed lines, elsewhere).

use super::store::{framed_sha256, now, Store, StoreError, StoredAnchor};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("audit key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audit key file {path} does not hold a hex ed25519 key (64 hex digits)")]
    BadKey { path: PathBuf },
    #[error("anchors file {path}: {source}")]
    AnchorFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not an anchor line ({why})")]
    BadLine {
        path: String,
        line: usize,
        why: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The signing key of this installation's anchors.
pub struct AnchorKey {
    signing: SigningKey,
}

impl AnchorKey {
    /// Reads the key file, or creates it (readable by its owner only) when
    /// there is none.
    pub fn load_or_create(path: &Path) -> Result<AnchorKey, AnchorError> {
        match std::fs::read_to_string(path) {
            Ok(text) => AnchorKey::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                getrandom::getrandom(&mut seed).expect("the OS random source works");
                let key = AnchorKey {
                    signing: SigningKey::from_bytes(&seed),
                };
                let err = |source| AnchorError::KeyFile {
                    path: path.to_path_buf(),
                    source,
                };
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(err)?;
                writeln!(file, "{}", hex::encode(seed)).map_err(err)?;
                file.sync_all().map_err(err)?;
                tracing::info!(key_file = %path.display(), public_key = %key.public_hex(), "created the audit key");
                Ok(key)
            }
            Err(source) => Err(AnchorError::KeyFile {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Reads an existing key file.
    pub fn load(path: &Path) -> Result<AnchorKey, AnchorError> {
        let text = std::fs::read_to_string(path).map_err(|source| AnchorError::KeyFile {
            path: path.to_path_buf(),
            source,
        })?;
        AnchorKey::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<AnchorKey, AnchorError> {
        let bad = || AnchorError::BadKey {
            path: path.to_path_buf(),
        };
        let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
        Ok(AnchorKey {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().to_bytes())
    }

    /// Signs the chain's head.
    pub fn sign(&self, seq: i64, head: &str, at: &str) -> Anchor {
        let signature = self.signing.sign(signed_message(seq, head, at).as_bytes());
        Anchor {
            seq,
            head: head.to_string(),
            at: at.to_string(),
            key: self.public_hex(),
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

/// What an anchor's signature covers.
fn signed_message(seq: i64, head: &str, at: &str) -> String {
    let seq = seq.to_string();
    framed_sha256([
        b"baomi-anchor-v1".as_slice(),
        seq.as_bytes(),
        head.as_bytes(),
        at.as_bytes(),
    ])
}

/// A signed head: the chain had `seq` events, the last one's hash `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub head: String,
    pub at: String,
    /// The public key, hex.
    pub key: String,
    pub signature: String,
}

impl fmt::Display for Anchor {
    /// One line, for the anchors file and the paper 登记簿.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "baomi-anchor v1 seq={} head={} at={} key={} sig={}",
            self.seq, self.head, self.at, self.key, self.signature
        )
    }
}

impl Anchor {
    /// Parses a line written by [`fmt::Display`].
    pub fn parse(line: &str) -> Result<Anchor, &'static str> {
        let mut fields = line.split_whitespace();
        if fields.next() != Some("baomi-anchor") || fields.next() != Some("v1") {
            return Err("it does not start with `baomi-anchor v1`");
        }
        let mut get = |name: &str| -> Result<String, &'static str> {
            fields
                .next()
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix('='))
                .map(str::to_string)
                .ok_or("a field is missing or out of order")
        };
        Ok(Anchor {
            seq: get("seq")?.parse().map_err(|_| "seq is not a number")?,
            head: get("head")?,
            at: get("at")?,
            key: get("key")?,
            signature: get("sig")?,
        })
    }

    /// Whether the signature is this key's, over these fields.
    pub fn signature_ok(&self) -> bool {
        let Ok(key) = hex::decode(&self.key)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or(())
            .and_then(|k| VerifyingKey::from_bytes(&k).map_err(|_| ()))
        else {
            return false;
        };
        let Some(sig) = hex::decode(&self.signature)
            .ok()
            .and_then(|s| <[u8; 64]>::try_from(s).ok())
        else {
            return false;
        };
        key.verify(
            signed_message(self.seq, &self.head, &self.at).as_bytes(),
            &Signature::from_bytes(&sig),
        )
        .is_ok()
    }

    fn stored(&self) -> StoredAnchor {
        StoredAnchor {
            seq: self.seq,
            head_hash: self.head.clone(),
            signed_at: self.at.clone(),
            public_key: self.key.clone(),
            signature: self.signature.clone(),
        }
    }

    fn from_stored(a: StoredAnchor) -> Anchor {
        Anchor {
            seq: a.seq,
            head: a.head_hash,
            at: a.signed_at,
            key: a.public_key,
            signature: a.signature,
        }
    }
}

/// Signs the current head, records the anchor in the database and appends
/// it to `file` (when given). `None` when the chain is empty.
pub async fn anchor_now(
    store: &Store,
    key: &AnchorKey,
    file: Option<&Path>,
) -> Result<Option<Anchor>, AnchorError> {
    let Some((seq, head)) = store.chain_head().await? else {
        return Ok(None);
    };
    let anchor = key.sign(seq, &head, &now());
    store.record_anchor(&anchor.stored()).await?;
    if let Some(path) = file {
        let err = |source| AnchorError::AnchorFile {
            path: path.to_path_buf(),
            source,
        };
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(err)?;
        writeln!(f, "{anchor}").map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    Ok(Some(anchor))
}

/// Reads the anchor lines of a file (blank lines and `#` comments skipped).
pub fn read_anchor_file(path: &Path) -> Result<Vec<Anchor>, AnchorError> {
    let text = std::fs::read_to_string(path).map_err(|source| AnchorError::AnchorFile {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| {
            Anchor::parse(l).map_err(|why| AnchorError::BadLine {
                path: path.display().to_string(),
                line: i + 1,
                why,
            })
        })
        .collect()
}

/// The anchors the database holds.
pub async fn stored_anchors(store: &Store) -> Result<Vec<Anchor>, AnchorError> {
    Ok(store
        .anchors()
        .await?
        .into_iter()
        .map(Anchor::from_stored)
        .collect())
}

/// What checking the anchors found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnchorReport {
    pub checked: usize,
    /// The first problem; `None` when every anchor holds.
    pub problem: Option<String>,
}

/// Checks every anchor against the chain: a valid signature, by one of
/// `trusted` public keys (hex) when any are given, and an event at its
/// position with its hash.
pub async fn check_anchors(
    store: &Store,
    anchors: &[Anchor],
    trusted: &[String],
) -> Result<AnchorReport, AnchorError> {
    let mut report = AnchorReport::default();
    let head = store.chain_head().await?;
    for a in anchors {
        report.checked += 1;
        let problem = if !a.signature_ok() {
            Some(format!(
                "the anchor of event {} signed at {} has a bad signature",
                a.seq, a.at
            ))
        } else if !trusted.is_empty() && !trusted.contains(&a.key) {
            Some(format!(
                "the anchor of event {} signed at {} is signed by an unknown key {}",
                a.seq, a.at, a.key
            ))
        } else {
            match store.event_hash_at(a.seq).await? {
                Some(hash) if hash == a.head => None,
                Some(_) => Some(format!(
                    "event {} is not the one anchored at {}: the chain was rewritten up to it",
                    a.seq, a.at
                )),
                None => Some(format!(
                    "the chain ends at event {} but an anchor signed at {} covers event {}: \
                     events were deleted from its end",
                    head.as_ref().map_or(0, |h| h.0),
                    a.at,
                    a.seq
                )),
            }
        };
        if problem.is_some() {
            report.problem = problem;
            return Ok(report);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_round_trip_and_any_change_breaks_the_signature() {
        let dir = std::env::temp_dir().join(format!("baomi-anchor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let _ = std::fs::remove_file(&path);
        let key = AnchorKey::load_or_create(&path).unwrap();
        let again = AnchorKey::load_or_create(&path).unwrap();
        assert_eq!(key.public_hex(), again.public_hex(), "the file is reused");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let a = key.sign(7, &"ab".repeat(32), "2026-12-01T00:00:00.000Z");
        assert!(a.signature_ok());
        let parsed = Anchor::parse(&a.to_string()).unwrap();
        assert_eq!(parsed, a);
        for tampered in [
            Anchor {
                seq: 6,
                ..a.clone()
            },
            Anchor {
                head: "cd".repeat(32),
                ..a.clone()
            },
            Anchor {
                at: "2026-12-02T00:00:00.000Z".into(),
                ..a.clone()
            },
        ] {
            assert!(!tampered.signature_ok(), "{tampered}");
        }
        assert!(Anchor::parse("baomi-anchor v1 seq=x").is_err());
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(
            AnchorKey::load(&path),
            Err(AnchorError::BadKey { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
