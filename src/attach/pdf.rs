//! PDF: the text layer, on pdf-extract (which parses with lopdf).
//!
//! Contract: all pages become ONE part (a list of ID numbers spread over
//! pages still counts as a list), pages in order, each followed by a line
//! break, with a spot per page (` › 第3页`). A PDF that needs a password is
//! [`AttachError::Encrypted`] (an empty user password, common for
//! "no printing" PDFs, is tried first). Parser panics are caught, per page:
//! a page that cannot be read is a problem of its own (`第3页`), and the
//! other pages are still scanned. Pages without a text layer that hold
//! images are scanned pages, read by OCR (see `pdfscan`), each a part of its
//! own (`第2页（扫描）`); when OCR runs out of the time budget, the pages read
//! so far are still scanned. A PDF whose pages have neither text nor images
//! is [`AttachError::NoText`], a person must look.
//!
//! lopdf inflates streams without a bound (object streams already while
//! loading), so before the PDF crates see the file every `stream … endstream`
//! body is inflated once here and the bytes produced are counted against
//! the attachment's `max_total_bytes` and time budget: a compression bomb in
//! a PDF is refused before it is expanded for real. (No ratio limit here: a
//! blank page image legitimately compresses a thousand times.)

use super::budget::{Budget, TextBuilder};
use super::bytes::find_from;
use super::error::{guard_panic, AttachError};
use super::part::{Extraction, Part, SpotLabel};
use super::pdfscan;
use crate::engine::document::Format;
use pdf_extract::{Dictionary, Document, Object};
use std::io::Read;

/// Inflates every stream body that is zlib data, counting the output (see
/// the module docs). Bodies that are not zlib data stop at once.
fn check_streams(bytes: &[u8], budget: &Budget) -> Result<(), AttachError> {
    let mut from = 0;
    let mut chunk = vec![0u8; 64 * 1024];
    while let Some(at) = find_from(bytes, b"stream", from) {
        from = at + 6;
        if bytes[..at].ends_with(b"end") {
            continue;
        }
        let start = match &bytes[from..] {
            [b'\r', b'\n', ..] => from + 2,
            [b'\n', ..] | [b'\r', ..] => from + 1,
            _ => continue,
        };
        let end = find_from(bytes, b"endstream", start).unwrap_or(bytes.len());
        let mut inflater = flate2::read::ZlibDecoder::new(&bytes[start..end]);
        loop {
            match inflater.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    budget.add_expanded(n as u64)?;
                    budget.check_time()?;
                }
            }
        }
        from = end;
    }
    Ok(())
}

pub(super) fn read_pdf(
    location: &str,
    bytes: &[u8],
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    check_streams(bytes, budget)?;
    let doc = guard_panic("PDF", || {
        let mut doc =
            pdf_extract::Document::load_mem(bytes).map_err(|e| AttachError::malformed("PDF", e))?;
        if doc.is_encrypted() && doc.decrypt("").is_err() {
            return Err(AttachError::Encrypted {
                what: "a PDF protected with a password".into(),
            });
        }
        Ok(doc)
    })?;
    // Published with the file, read by every PDF viewer: the document
    // properties and the annotations (comments, form field values).
    let extras = guard_panic("PDF", || Ok(properties_and_annotations(&doc)))?;
    for (label, value) in extras {
        budget.add_text(value.len())?;
        out.parts.push(Part::new(
            format!("{location} › {label}"),
            Format::Text,
            value,
        ));
    }
    let pages = guard_panic("PDF", || Ok(doc.get_pages()))?;
    let mut text = TextBuilder::new(budget);
    let mut page_problems = Vec::new();
    let mut scanned = Vec::new();
    for (number, page_id) in pages {
        budget.check_time()?;
        let page = guard_panic("PDF", || {
            let mut s = String::new();
            {
                let mut output = pdf_extract::PlainTextOutput::new(&mut s);
                pdf_extract::output_doc_page(&doc, &mut output, number)
                    .map_err(|e| AttachError::malformed("PDF page", e))?;
            }
            Ok(s)
        });
        match page {
            Ok(s) if pdfscan::is_textless(&s) && pdfscan::has_images(&doc, page_id) => {
                scanned.push((number, page_id))
            }
            Ok(s) => {
                let s = s.trim_matches(|c: char| c.is_whitespace());
                if !s.is_empty() {
                    text.push(s, Some(SpotLabel::Suffix(format!(" › 第{number}页"))))?;
                    text.push("\n", None)?;
                }
            }
            Err(error) => page_problems.push((number, error)),
        }
    }
    // Scanned pages: OCR, a part per page (see `pdfscan`).
    let mut scan_problems = Vec::new();
    let mut ocr_parts = 0;
    let mut fatal = None;
    for (number, page_id) in scanned {
        let here = format!("{location} › 第{number}页（扫描）");
        match pdfscan::ocr_page(&doc, page_id, budget) {
            Ok(ocr) => {
                budget.add_text(ocr.len())?;
                let mut part = Part::new(here, Format::Text, ocr);
                part.ocr = true;
                out.parts.push(part);
                ocr_parts += 1;
            }
            Err(error) if error.is_fatal() => {
                // Out of time or text: what was read is still scanned.
                fatal = Some(error);
                break;
            }
            Err(error) => scan_problems.push((here, error)),
        }
    }
    if let Some(error) = fatal {
        if !text.is_empty() {
            out.parts.push(text.finish(location.to_string()));
        }
        return Err(error);
    }
    let nothing = page_problems.is_empty() && scan_problems.is_empty() && ocr_parts == 0;
    if text.is_empty() && nothing {
        return Err(AttachError::NoText {
            kind: "PDF (a scan or images only?)",
        });
    }
    for (here, error) in scan_problems {
        budget.record(out, here, error);
    }
    for (number, error) in page_problems {
        budget.record(out, format!("{location} › 第{number}页"), error);
    }
    if !text.is_empty() {
        out.parts.push(text.finish(location.to_string()));
    }
    Ok(())
}

/// Info dictionary keys → 中文 label.
const INFO_KEYS: &[(&[u8], &str)] = &[
    (b"Title", "标题"),
    (b"Subject", "主题"),
    (b"Keywords", "关键词"),
    (b"Author", "作者"),
    (b"Creator", "创建程序"),
    (b"Producer", "生成程序"),
];

/// (location suffix, text) of the document properties (`文档属性：标题`) and
/// of every annotation's text (`第2页 › 批注（张三）`), in that order.
fn properties_and_annotations(doc: &Document) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let info = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| resolve(doc, o))
        .and_then(|o| o.as_dict().ok());
    if let Some(info) = info {
        for (key, label) in INFO_KEYS {
            if let Some(text) = text_of(doc, info, key) {
                out.push((format!("文档属性：{label}"), text));
            }
        }
    }
    for (number, page_id) in doc.get_pages() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let Some(annots) = page
            .get(b"Annots")
            .ok()
            .and_then(|o| resolve(doc, o))
            .and_then(|o| o.as_array().ok())
        else {
            continue;
        };
        for annot in annots.iter().take(10_000) {
            let Some(annot) = resolve(doc, annot).and_then(|o| o.as_dict().ok()) else {
                continue;
            };
            let author = text_of(doc, annot, b"T")
                .map_or_else(|| "（未署名）".to_string(), |a| format!("（{a}）"));
            // `/Contents`: a comment's text; `/V`: a form field's value.
            for key in [b"Contents".as_slice(), b"V", b"RC"] {
                if let Some(text) = text_of(doc, annot, key) {
                    out.push((format!("第{number}页 › 批注{author}"), text));
                }
            }
        }
    }
    out
}

/// Follows a reference (one level; PDFs rarely chain them).
fn resolve<'d>(doc: &'d Document, o: &'d Object) -> Option<&'d Object> {
    match o {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

/// A text string of a dictionary, decoded: UTF-16 with its BOM (the PDF
/// way for Chinese), else UTF-8, else GB18030 (what Chinese tools write
/// against the standard), else Latin-1.
fn text_of(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<String> {
    let bytes = match resolve(doc, dict.get(key).ok()?)? {
        Object::String(bytes, _) => bytes,
        _ => return None,
    };
    let text = if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        s.to_string()
    } else {
        let (s, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        if had_errors {
            bytes.iter().map(|&b| b as char).collect()
        } else {
            s.into_owned()
        }
    };
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}
