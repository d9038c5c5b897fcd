//! Zip entries and the guard every decompressed byte goes through.
//!
//! Contract: an entry is read only through [`Guard`], which counts the bytes
//! it actually produces (a lying size in the header does not help) against
//! the attachment's total, the entry's compression ratio and, for XML parts,
//! the XML size limit, and checks the time budget every read. Encrypted
//! entries and compression methods other than stored/deflate are reported,
//! not guessed at.

use super::budget::Budget;
use super::error::AttachError;
use std::io::{Cursor, Read};
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

pub(super) type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

pub(super) fn zip_detail(e: &ZipError) -> String {
    match e {
        ZipError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends early (truncated)".into()
        }
        ZipError::InvalidArchive(m) if m.contains("EOCD") => {
            "no central directory at the end (the file is truncated, or not a zip)".into()
        }
        other => other.to_string(),
    }
}

/// Reads one entry whole, through the guard. `xml_limit` adds the XML part
/// size limit.
pub(super) fn read_entry(
    zip: &mut Zip,
    index: usize,
    budget: &Budget,
    xml_limit: Option<u64>,
) -> Result<Vec<u8>, AttachError> {
    let mut guard = open_entry(zip, index, budget, xml_limit)?;
    let mut bytes = Vec::new();
    match guard.read_to_end(&mut bytes) {
        Ok(_) => Ok(bytes),
        Err(e) => Err(budget
            .take_tripped()
            .unwrap_or_else(|| AttachError::malformed("zip entry", io_detail(&e)))),
    }
}

pub(super) fn io_detail(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "the data ends early (truncated)".into()
    } else {
        e.to_string()
    }
}

/// Opens one entry for reading through the guard, after the checks that need
/// no decompression: encryption, method, declared size and ratio.
pub(super) fn open_entry<'z, 'a, 'b, 'l>(
    zip: &'z mut Zip<'a>,
    index: usize,
    budget: &'b Budget<'l>,
    xml_limit: Option<u64>,
) -> Result<Guard<'b, 'l, zip::read::ZipFile<'z, Cursor<&'a [u8]>>>, AttachError> {
    let limits = budget.limits;
    {
        let raw = zip
            .by_index_raw(index)
            .map_err(|e| AttachError::malformed("zip entry", zip_detail(&e)))?;
        if raw.encrypted() {
            return Err(AttachError::Encrypted {
                what: "a zip entry protected with a password".into(),
            });
        }
        match raw.compression() {
            CompressionMethod::Stored | CompressionMethod::Deflated => {}
            other => {
                return Err(AttachError::Compression {
                    method: format!("{other:?}"),
                })
            }
        }
        let (size, compressed) = (raw.size(), raw.compressed_size().max(1));
        if let Some(limit) = xml_limit {
            if size > limit {
                return Err(AttachError::XmlTooLarge { limit });
            }
        }
        if size > limits.max_total_bytes {
            return Err(AttachError::TooLarge {
                limit: limits.max_total_bytes,
            });
        }
        if size > limits.ratio_grace_bytes && size / compressed > limits.max_ratio {
            return Err(AttachError::Ratio {
                ratio: size / compressed,
                max: limits.max_ratio,
            });
        }
    }
    let file = zip
        .by_index(index)
        .map_err(|e| AttachError::malformed("zip entry", zip_detail(&e)))?;
    let compressed = file.compressed_size().max(1);
    Ok(Guard {
        inner: file,
        budget,
        compressed,
        produced: 0,
        xml_limit,
    })
}

/// Counts what a reader produces against the limits (see the module docs).
pub(super) struct Guard<'b, 'l, R> {
    inner: R,
    budget: &'b Budget<'l>,
    compressed: u64,
    produced: u64,
    xml_limit: Option<u64>,
}

impl<R: Read> Read for Guard<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let budget = self.budget;
        budget.check_time().map_err(|e| budget.trip(e))?;
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        budget.add_expanded(n as u64).map_err(|e| budget.trip(e))?;
        let limits = budget.limits;
        if self.produced > limits.ratio_grace_bytes
            && self.produced / self.compressed > limits.max_ratio
        {
            return Err(budget.trip(AttachError::Ratio {
                ratio: self.produced / self.compressed,
                max: limits.max_ratio,
            }));
        }
        if let Some(limit) = self.xml_limit {
            if self.produced > limit {
                return Err(budget.trip(AttachError::XmlTooLarge { limit }));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::super::budget::Limits;
    use super::*;

    fn drain(compressed: u64, bytes: usize, limits: &Limits) -> Result<u64, AttachError> {
        let budget = Budget::new(limits);
        let mut guard = Guard {
            inner: std::io::repeat(0).take(bytes as u64),
            budget: &budget,
            compressed,
            produced: 0,
            xml_limit: Some(limits.max_xml_bytes),
        };
        std::io::copy(&mut guard, &mut std::io::sink())
            .map_err(|_| budget.take_tripped().expect("a limit tripped"))
    }

    #[test]
    fn the_guard_counts_what_is_produced() {
        let limits = Limits {
            max_xml_bytes: 4 << 20,
            ..Limits::default()
        };
        // 3 MB from 1,000 compressed bytes: past the grace, the ratio trips
        // whatever the header said.
        assert!(matches!(
            drain(1_000, 3 << 20, &limits),
            Err(AttachError::Ratio { max: 100, .. })
        ));
        // 5 MB at a ratio of 5: the XML part limit trips.
        assert_eq!(
            drain(1 << 20, 5 << 20, &limits),
            Err(AttachError::XmlTooLarge { limit: 4 << 20 })
        );
        assert_eq!(drain(1 << 20, 2 << 20, &limits), Ok(2 << 20));
    }
}
