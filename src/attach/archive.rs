//! Zip archives and the guard every decompressed byte goes through.
//!
//! Contract: an entry is read only through [`Guard`], which counts the bytes
//! it actually produces (a lying size in the header does not help) against
//! the attachment's total, the entry's compression ratio and, for XML parts,
//! the XML size limit, and checks the time budget every read. Encrypted
//! entries and compression methods other than stored/deflate are reported,
//! not guessed at. `.docx` and `.xlsx` are recognized by their parts, not by
//! their names, so a misnamed file is still read for what it is.

use super::budget::{Budget, ReadEntry};
use super::error::{AttachError, Problem};
use super::part::Extraction;
use super::zipfile::{read_entry, zip_detail, Zip};
use super::{docx, odf, ofd, package, pictures, pptx, sniff, xlsx};
use std::io::Cursor;
use zip::ZipArchive;

/// Opens `bytes` as a zip archive and reads it as a .docx, a .xlsx or a
/// plain archive (each entry in turn, recursively).
pub(super) fn read_zip_family(
    location: &str,
    bytes: &[u8],
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
    read_file: ReadEntry,
) -> Result<(), AttachError> {
    let mut zip = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| AttachError::malformed("zip archive", zip_detail(&e)))?;
    budget.add_entries(zip.len())?;
    let has = |zip: &Zip, name: &str| zip.index_for_name(name).is_some();
    if has(&zip, "[Content_Types].xml") {
        // An Office package: its reader reads the document, then whatever
        // else the zip holds is accounted for (read, or reported), then its
        // pictures are read by OCR.
        let read = if has(&zip, "word/document.xml") {
            Some((
                docx::read_docx(location, &mut zip, budget, out)?,
                "word/media/",
            ))
        } else if has(&zip, "xl/workbook.xml") {
            Some((
                xlsx::read_xlsx(location, &mut zip, budget, out)?,
                "xl/media/",
            ))
        } else {
            None
        };
        if let Some((read, media_dir)) = read {
            package::read_leftovers(location, &mut zip, &read, depth, budget, out, read_file)?;
            if budget.stopped() {
                return Ok(());
            }
            let media = |n: &str| n.starts_with(media_dir);
            return pictures::read_zip_pictures(location, &mut zip, media, budget, out);
        }
        if has(&zip, "ppt/presentation.xml") {
            return pptx::read_pptx(location, &mut zip, budget, out);
        }
    }
    if has(&zip, "mimetype") && has(&zip, "content.xml") {
        return odf::read_odf(location, &mut zip, budget, out);
    }
    if has(&zip, "OFD.xml") {
        return ofd::read_ofd(location, &mut zip, depth, budget, out, read_file);
    }
    match sniff::extension(location).as_str() {
        "docx" => {
            return Err(AttachError::malformed(
                "docx",
                "word/document.xml is missing",
            ))
        }
        "xlsx" => return Err(AttachError::malformed("xlsx", "xl/workbook.xml is missing")),
        "pptx" => {
            return Err(AttachError::malformed(
                "pptx",
                "ppt/presentation.xml is missing",
            ))
        }
        "odt" | "ods" | "odp" => {
            return Err(AttachError::malformed(
                "OpenDocument file",
                "mimetype or content.xml is missing",
            ))
        }
        "ofd" => return Err(AttachError::malformed("OFD", "OFD.xml is missing")),
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
