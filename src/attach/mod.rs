//! Attachments: turns the bytes of an attached file (.docx, .xlsx, .pdf,
//! .zip, .txt, .csv, .html, .htm, .md) into [`Part`]s of text that the engine
//! scans, each with a location a person can find.
//!
//! Contract of [`extract_parts`]:
//! - It is pure: no I/O, no global state. Given the same bytes and limits it
//!   returns the same parts, except that the time budget depends on the clock.
//! - It never panics and never loops without bound: parser crates that may
//!   panic on hostile input (PDF) run under `catch_unwind`; every archive
//!   entry and XML part is read through a guard that enforces the [`Limits`]
//!   (expanded bytes, compression ratio, entry count, nesting depth, XML part
//!   size, cell count, extracted text size, time).
//! - Nothing is silently skipped: every file it cannot read (unsupported
//!   type, encrypted, malformed, over a limit) becomes a [`Problem`] naming
//!   where it is and what is wrong, so the caller can decide `review` (fail
//!   closed). A problem in one archive entry does not hide the parts read
//!   from its siblings: a `block` in one file is never lost to a broken
//!   neighbour, which is why the result is an [`Extraction`] (parts *and*
//!   problems) rather than `Result<Vec<Part>, _>`.
//! - Locations start with the attachment's name, then the path inside
//!   archives (`名单.zip/2025/名单.xlsx`), then ` › ` and the part of the
//!   document (`名单!C14`, `第3页`, `批注（张三）`, `正文 › 删除的修订（李四）`,
//!   `页眉`, `文档属性：作者`). Within a part, [`Spot`]s map byte ranges of
//!   the text to finer locations (a cell, a page, a comment's author).
//!
//! What is read, per format:
//! - `.docx`: body (with text boxes, hidden text, inserted and deleted
//!   tracked changes inline, each marked by a spot), headers, footers,
//!   footnotes, endnotes, comments (with author), document properties
//!   (core, app and custom).
//! - `.xlsx`: every sheet (hidden and very hidden too) as one text with one
//!   line per row and a tab between cells, a spot per cell; cell comments
//!   (with author); sheet headers and footers; sheet names; document
//!   properties.
//! - `.pdf`: the text layer, all pages as one text (so that a list spread over
//!   pages still counts as a list), a spot per page.
//! - `.zip`: every entry, recursively (`__MACOSX/`, `.DS_Store`, `Thumbs.db`
//!   are skipped: they are file-system litter, not content).
//! - `.txt`, `.md`: UTF-8 (a UTF-8 BOM is dropped, UTF-16 with a BOM is
//!   decoded); `.csv` the same plus a spot per cell; `.html`, `.htm`: read as
//!   HTML by the engine.
//!
//! The file type comes from the content where it can be told (zip, PDF, OLE
//! compound files, executables, images), else from the name's extension.

mod archive;
mod budget;
mod bytes;
mod doc;
mod docx;
pub mod error;
mod ocr;
mod odf;
mod ofd;
mod ole;
mod olefile;
mod ooxml;
pub mod part;
mod pdf;
mod pdfscan;
mod picture;
mod pictures;
mod pptx;
mod read;
mod rtf;
pub mod scan;
pub mod sniff;
pub mod text;
mod xls;
mod xlsx;
mod xml;
mod zipfile;

pub use budget::{Budget, Limits};
pub use error::{AttachError, Problem};
pub use part::{cell_ref, Extraction, Part, Spot, SpotLabel};
pub use read::extract_parts;
pub use scan::{
    item_decision, scan_attachment, scan_attachment_with, scan_item, AttachedFile,
    AttachmentVerdict, ItemVerdict,
};
pub use sniff::{sniff, Kind, ReadAs};
