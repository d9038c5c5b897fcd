//! Attachments: turns the bytes of an attached file (.docx, .doc, .wps,
//! .xlsx, .xls, .et, .pptx, .odt, .ods, .odp, .ofd, .rtf, .pdf, .zip,
//! pictures, .txt, .csv, .html, .htm, .md) into [`Part`]s of text that the
//! engine scans, each with a location a person can find.
//!
//! Contract of [`extract_parts`]:
//! - It is pure except for OCR, which runs the `tesseract` program (one
//!   child process per picture or scanned page, under a memory limit and a
//!   timeout; see `ocr.rs`): no other I/O, no global state beyond the cached
//!   answer to "is tesseract installed". Given the same bytes and limits it
//!   returns the same parts, except that the time budget depends on the
//!   clock.
//! - It never panics and never loops without bound: parser crates that may
//!   panic on hostile input (PDF, compound files) run under `catch_unwind`;
//!   every archive entry and XML part is read through a guard that enforces
//!   the [`Limits`] (expanded bytes, compression ratio, entry count, nesting
//!   depth, XML part size, cell count, extracted text size, picture size,
//!   OCR time, total time); compound-file streams are read up to their
//!   declared length and counted the same way.
//! - Nothing is silently skipped: every file it cannot read (unsupported
//!   type, encrypted, malformed, over a limit, OCR missing or failed)
//!   becomes a [`Problem`] naming where it is and what is wrong, so the
//!   caller can decide `review` (fail closed). A problem in one archive entry
//!   does not hide the parts read from its siblings: a `block` in one file is
//!   never lost to a broken neighbour, which is why the result is an
//!   [`Extraction`] (parts *and* problems) rather than `Result<Vec<Part>, _>`.
//!   What is deliberately not read (EMF/WMF drawings, charts, embedded OLE
//!   objects, slide masters; see each reader) is listed in the README.
//! - Locations start with the attachment's name, then the path inside
//!   archives (`名单.zip/2025/名单.xlsx`), then ` › ` and the part of the
//!   document (`名单!C14`, `第3页`, `第1页（扫描）`, `图片 2`, `批注（张三）`,
//!   `正文 › 删除的修订（李四）`, `页眉`, `第3张幻灯片 › 备注`, `文档属性：作者`).
//!   Within a part, [`Spot`]s map byte ranges of the text to finer locations
//!   (a cell, a page, a comment's author). Text that OCR recognized is a part
//!   with [`Part::ocr`] set, and its findings say so.
//!
//! What is read, per format: each reader's module docs, and the table in
//! the README (`docx.rs`, `doc.rs`, `xlsx.rs`, `xls.rs`, `pptx.rs`,
//! `odf.rs`, `ofd.rs`, `rtf.rs`, `pdf.rs` with `pdfscan.rs`, `picture.rs`
//! with `pictures.rs` and `ocr.rs`, `archive.rs`, `text.rs`).
//! - `.zip`: every entry, recursively (`__MACOSX/`, `.DS_Store`, `Thumbs.db`
//!   are skipped: they are file-system litter, not content).
//! - `.txt`, `.md`: UTF-8 (a UTF-8 BOM is dropped, UTF-16 with a BOM is
//!   decoded); `.csv` the same plus a spot per cell; `.html`, `.htm`: read as
//!   HTML by the engine.
//!
//! The file type comes from the content where it can be told (zip, PDF, OLE
//! compound files, RTF, executables, pictures), else from the name's
//! extension.

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
mod package;
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
pub mod table;
pub mod text;
mod xls;
mod xlsx;
mod xml;
mod zipfile;

pub use budget::{Budget, Limits};
pub use error::{AttachError, Problem};
pub use part::{cell_ref, Extraction, Part, Spot, SpotLabel};
pub use read::{extract_parts, extract_parts_until};
pub use scan::{
    item_decision, scan_attachment, scan_attachment_until, scan_attachment_with, scan_item,
    AttachedFile, AttachmentVerdict, ItemField, ItemVerdict,
};
pub use sniff::{sniff, Kind, ReadAs};
