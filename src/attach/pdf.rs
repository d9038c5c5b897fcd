//! PDF: the text layer, on pdf-extract (which parses with lopdf).
//!
//! Contract: all pages become ONE part (a list of ID numbers spread over
//! pages still counts as a list), pages in order, each followed by a line
//! break, with a spot per page (` › 第3页`). A PDF that needs a password is
//! [`AttachError::Encrypted`] (an empty user password, common for
//! "no printing" PDFs, is tried first). Parser panics are caught, per page:
//! a page that cannot be read is a problem of its own (`第3页`), and the
//! other pages are still scanned. A PDF whose pages have no text at all is a
//! scan or an image: [`AttachError::NoText`], a person must look.
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
use super::part::{Extraction, SpotLabel};
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
    let pages: Vec<u32> = guard_panic("PDF", || Ok(doc.get_pages().into_keys().collect()))?;
    let mut text = TextBuilder::new(budget);
    let mut page_problems = Vec::new();
    for number in pages {
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
    if text.is_empty() && page_problems.is_empty() {
        return Err(AttachError::NoText {
            kind: "PDF (a scan or images only?)",
        });
    }
    for (number, error) in page_problems {
        budget.record(out, format!("{location} › 第{number}页"), error);
    }
    if !text.is_empty() {
        out.parts.push(text.finish(location.to_string()));
    }
    Ok(())
}
