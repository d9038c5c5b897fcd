//! Zip archives and the guard every decompressed byte goes through.
//!
//! Contract: an entry is read only through [`Guard`], which counts the bytes
//! it actually produces (a lying size in the header does not help) against
//! the attachment's total, the entry's compression ratio and, for XML parts,
//! the XML size limit, and checks the time budget every read. Encrypted
//! entries and compression methods other than stored/deflate are reported,
//! not guessed at. `.docx` and `.xlsx` are recognized by their parts, not by
//! their names, so a misnamed file is still read for what it is.

use super::{docx, read_file, xlsx, AttachError, Budget, Extraction, Problem};
use std::io::{Cursor, Read};
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

pub(super) type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Opens `bytes` as a zip archive and reads it as a .docx, a .xlsx or a
/// plain archive (each entry in turn, recursively).
pub(super) fn read_zip_family(
    location: &str,
    bytes: &[u8],
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut zip = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| AttachError::malformed("zip archive", zip_detail(&e)))?;
    budget.add_entries(zip.len())?;
    let has = |zip: &Zip, name: &str| zip.index_for_name(name).is_some();
    if has(&zip, "[Content_Types].xml") {
        if has(&zip, "word/document.xml") {
            return docx::read_docx(location, &mut zip, budget, out);
        }
        if has(&zip, "xl/workbook.xml") {
            return xlsx::read_xlsx(location, &mut zip, budget, out);
        }
        if has(&zip, "ppt/presentation.xml") {
            return Err(AttachError::Unsupported {
                mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation"
                    .into(),
            });
        }
    }
    match super::sniff::extension(location).as_str() {
        "docx" => {
            return Err(AttachError::malformed(
                "docx",
                "word/document.xml is missing",
            ))
        }
        "xlsx" => return Err(AttachError::malformed("xlsx", "xl/workbook.xml is missing")),
        _ => {}
    }
    if depth >= budget.limits.max_depth {
        return Err(AttachError::TooDeep {
            max: budget.limits.max_depth,
        });
    }
    for index in 0..zip.len() {
        let (name, is_dir) = match zip.by_index_raw(index) {
            Ok(file) => (
                entry_name(file.name_raw(), &file.name().unwrap_or_default()),
                file.is_dir(),
            ),
            Err(e) => {
                out.problems.push(Problem {
                    location: format!("{location}/#{}", index + 1),
                    error: AttachError::malformed("zip entry", zip_detail(&e)),
                });
                continue;
            }
        };
        if is_dir || is_litter(&name) {
            continue;
        }
        let entry_location = format!("{location}/{name}");
        let bytes = match read_entry(&mut zip, index, budget, None) {
            Ok(bytes) => bytes,
            Err(error) => {
                budget.record(out, entry_location, error);
                if budget.stopped() {
                    return Ok(());
                }
                continue;
            }
        };
        read_file(&entry_location, &name, &bytes, depth + 1, budget, out);
        if budget.stopped() {
            return Ok(());
        }
    }
    Ok(())
}

/// File-system litter that archivers add: not content.
fn is_litter(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    name.starts_with("__MACOSX/")
        || matches!(
            base.to_ascii_lowercase().as_str(),
            ".ds_store" | "thumbs.db" | "desktop.ini"
        )
}

/// The entry's name as a person saw it: UTF-8, else GBK (Chinese Windows
/// archivers write GBK names without the UTF-8 flag), else what the zip crate
/// made of it.
fn entry_name(raw: &[u8], decoded: &str) -> String {
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_string();
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(raw);
    if !had_errors {
        return text.into_owned();
    }
    decoded.to_string()
}

fn zip_detail(e: &ZipError) -> String {
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
    use super::*;
    use crate::attach::Limits;

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
