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
mod docx;
mod ooxml;
mod pdf;
pub mod scan;
pub mod sniff;
pub mod text;
mod xlsx;
mod xml;

pub use scan::{
    item_decision, scan_attachment, scan_attachment_with, scan_item, AttachedFile,
    AttachmentVerdict, ItemVerdict,
};
pub use sniff::{sniff, Kind, ReadAs};

use crate::engine::Format;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::time::{Duration, Instant};

/// Bounds on the work and memory one attachment may take. Every limit, when
/// reached, turns into an [`AttachError`] (and so a `review`), never into a
/// silent truncation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How many `.zip` archives may enclose one another (the attachment
    /// itself counts as the first). Default 4. Office files are zips too but
    /// their own parts do not count as nesting.
    pub max_depth: usize,
    /// Archive entries read in all, over every archive and Office file of the
    /// attachment. Default 10,000.
    pub max_entries: usize,
    /// Bytes decompressed in all (every archive level counted). Default
    /// 256 MiB. Also bounds the size of the attachment itself.
    pub max_total_bytes: u64,
    /// Largest ratio of expanded to compressed size of one entry, enforced on
    /// the bytes actually produced (a lying header does not help) once an
    /// entry has expanded past [`Limits::ratio_grace_bytes`]. Default 100.
    pub max_ratio: u64,
    /// Expanded size below which the ratio is not checked: small XML parts of
    /// empty cells legitimately compress several hundred times. Default 1 MiB.
    pub ratio_grace_bytes: u64,
    /// Largest single XML part of an Office file. Default 128 MiB.
    pub max_xml_bytes: u64,
    /// Spreadsheet cells read in all. Default 2,000,000.
    pub max_cells: u64,
    /// Extracted text in all, in bytes. Shared strings can make a small sheet
    /// repeat one long string a million times; this bounds the result.
    /// Default 64 MiB.
    pub max_text_bytes: u64,
    /// Wall-clock time for one attachment. Checked while reading (each 8 KiB
    /// of an entry, each PDF page); a single PDF page in the PDF crate cannot
    /// be interrupted. Default 20 s.
    pub time_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_entries: 10_000,
            max_total_bytes: 256 << 20,
            max_ratio: 100,
            ratio_grace_bytes: 1 << 20,
            max_xml_bytes: 128 << 20,
            max_cells: 2_000_000,
            max_text_bytes: 64 << 20,
            time_budget: Duration::from_secs(20),
        }
    }
}

/// One text of an attachment to scan as one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Where a person finds it: `名单.zip/2025/名单.xlsx › 名单`.
    pub location: String,
    /// How the engine reads `text` (HTML files are HTML, all else text).
    pub format: Format,
    pub text: String,
    /// Finer locations: byte ranges of `text`, sorted and not overlapping.
    /// Text outside every spot is at `location` itself.
    pub spots: Vec<Spot>,
}

/// A byte range of a part's text with its own location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    pub start: usize,
    pub end: usize,
    pub label: SpotLabel,
}

/// What a [`Spot`] adds to its part's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpotLabel {
    /// A spreadsheet cell, 0-based: reads `!C14` after the sheet.
    Cell { row: u32, col: u32 },
    /// Text appended to the part's location as it is (`（张三）`,
    /// ` › 第3页`, ` › 删除的修订（李四）`).
    Suffix(String),
}

impl Part {
    fn new(location: String, format: Format, text: String) -> Part {
        Part {
            location,
            format,
            text,
            spots: Vec::new(),
        }
    }

    /// The location of the text at byte `at`.
    pub fn location_at(&self, at: usize) -> String {
        let i = self.spots.partition_point(|s| s.end <= at);
        match self.spots.get(i) {
            Some(spot) if spot.start <= at => match &spot.label {
                SpotLabel::Cell { row, col } => {
                    format!("{}!{}", self.location, cell_ref(*row, *col))
                }
                SpotLabel::Suffix(s) => format!("{}{s}", self.location),
            },
            _ => self.location.clone(),
        }
    }
}

/// `C14` for row 13, column 2 (0-based).
pub fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col as u64 + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

/// A file (or part of one) that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: String,
    pub error: AttachError,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.error)
    }
}

/// Everything read from one attachment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub parts: Vec<Part>,
    /// What could not be read. Non-empty means a person must look.
    pub problems: Vec<Problem>,
}

/// Why (part of) an attachment could not be read. Each message names the
/// problem in words an information officer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachError {
    #[error("encrypted: {what}; it cannot be read without the password, a person must open it")]
    Encrypted { what: String },
    #[error("unsupported type \"{mime}\": baomi cannot read it, a person must look at it")]
    Unsupported { mime: String },
    #[error("zip bomb: entry expands {ratio}:1, ratio {ratio} exceeds {max}")]
    Ratio { ratio: u64, max: u64 },
    #[error(
        "decompression bomb: more than {limit} bytes once decompressed (limit max_total_bytes)"
    )]
    TooLarge { limit: u64 },
    #[error("archives nested more than {max} deep (limit max_depth)")]
    TooDeep { max: usize },
    #[error("more than {max} archive entries (limit max_entries)")]
    TooManyEntries { max: usize },
    #[error("XML part larger than {limit} bytes (limit max_xml_bytes)")]
    XmlTooLarge { limit: u64 },
    #[error("more than {max} spreadsheet cells (limit max_cells)")]
    TooManyCells { max: u64 },
    #[error("more than {limit} bytes of text extracted (limit max_text_bytes)")]
    TextTooLarge { limit: u64 },
    #[error("time budget of {budget_ms} ms used up before the whole file was read")]
    TimeBudget { budget_ms: u128 },
    #[error("XML part declares a DTD (<!DOCTYPE>), which Office files never do; refused (entity expansion attack?)")]
    Dtd,
    #[error("truncated or damaged {kind}: {detail}")]
    Malformed { kind: &'static str, detail: String },
    #[error("compression method {method} is not supported (only stored and deflate)")]
    Compression { method: String },
    #[error("not valid UTF-8 text (first bad byte at offset {offset}); convert it to UTF-8 (GBK files: iconv -f GB18030 -t UTF-8)")]
    NotUtf8 { offset: usize },
    #[error("no text to read in this {kind}; a person must look at it")]
    NoText { kind: &'static str },
    #[error("the {kind} reader crashed on this file ({detail}); the file is damaged or hostile")]
    ParserPanic { kind: &'static str, detail: String },
}

impl AttachError {
    /// Limits on the attachment as a whole: once reached, reading stops.
    fn is_fatal(&self) -> bool {
        matches!(
            self,
            AttachError::TooLarge { .. }
                | AttachError::TooManyEntries { .. }
                | AttachError::TooManyCells { .. }
                | AttachError::TextTooLarge { .. }
                | AttachError::TimeBudget { .. }
        )
    }

    fn malformed(kind: &'static str, detail: impl fmt::Display) -> AttachError {
        AttachError::Malformed {
            kind,
            detail: detail.to_string(),
        }
    }
}

/// Reads one attachment: see the module docs.
pub fn extract_parts(name: &str, bytes: &[u8], limits: &Limits) -> Extraction {
    let budget = Budget::new(limits);
    let mut out = Extraction::default();
    let name = if name.is_empty() { "附件" } else { name };
    if bytes.len() as u64 > limits.max_total_bytes {
        out.problems.push(Problem {
            location: name.to_string(),
            error: AttachError::TooLarge {
                limit: limits.max_total_bytes,
            },
        });
        return out;
    }
    let outcome = guard_panic("attachment", || {
        read_file(name, name, bytes, 0, &budget, &mut out);
        Ok(())
    });
    if let Err(error) = outcome {
        out.problems.push(Problem {
            location: name.to_string(),
            error,
        });
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    find_from(hay, needle, 0).is_some()
}

/// The first position of `needle` in `hay` at or after `from`.
fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let next = hay[i..hay.len() + 1 - needle.len()]
            .iter()
            .position(|b| *b == first)?;
        i += next;
        if hay[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Reads one file at `location` (`display` is its name, for the type) into
/// `out`; what cannot be read becomes a problem. After a fatal problem the
/// budget is [`Budget::stopped`] and callers read nothing more.
fn read_file(
    location: &str,
    display: &str,
    bytes: &[u8],
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
) {
    if let Err(error) = budget.check_time() {
        budget.record(out, location.to_string(), error);
        return;
    }
    let result = match sniff(display, bytes) {
        Kind::Zip => archive::read_zip_family(location, bytes, depth, budget, out),
        Kind::Pdf => pdf::read_pdf(location, bytes, budget, out),
        Kind::Text => text::read_text(location, bytes, budget).map(|p| out.parts.push(p)),
        Kind::Csv => text::read_csv(location, bytes, budget).map(|p| out.parts.push(p)),
        Kind::Html => text::read_html(location, bytes, budget).map(|p| out.parts.push(p)),
        Kind::Ole => Err(sniff::ole_error(bytes)),
        Kind::Unsupported(mime) => Err(AttachError::Unsupported { mime: mime.into() }),
    };
    if let Err(error) = result {
        budget.record(out, location.to_string(), error);
    }
}

/// Counters shared by everything read for one attachment.
pub(crate) struct Budget<'l> {
    limits: &'l Limits,
    started: Instant,
    expanded: Cell<u64>,
    text: Cell<u64>,
    entries: Cell<usize>,
    cells: Cell<u64>,
    /// Set by a fatal problem: nothing more is read.
    stopped: Cell<bool>,
    /// The limit a reader hit inside a parser crate, which only sees an
    /// `io::Error`: the real cause is kept here.
    tripped: RefCell<Option<AttachError>>,
}

impl<'l> Budget<'l> {
    fn new(limits: &'l Limits) -> Self {
        Budget {
            limits,
            started: Instant::now(),
            expanded: Cell::new(0),
            text: Cell::new(0),
            entries: Cell::new(0),
            cells: Cell::new(0),
            stopped: Cell::new(false),
            tripped: RefCell::new(None),
        }
    }

    /// Records a problem; a fatal one stops all further reading.
    fn record(&self, out: &mut Extraction, location: String, error: AttachError) {
        if error.is_fatal() {
            if self.stopped.get() {
                return;
            }
            self.stopped.set(true);
        }
        out.problems.push(Problem { location, error });
    }

    fn stopped(&self) -> bool {
        self.stopped.get()
    }

    fn check_time(&self) -> Result<(), AttachError> {
        if self.started.elapsed() > self.limits.time_budget {
            return Err(AttachError::TimeBudget {
                budget_ms: self.limits.time_budget.as_millis(),
            });
        }
        Ok(())
    }

    fn add_expanded(&self, n: u64) -> Result<(), AttachError> {
        let total = self.expanded.get() + n;
        self.expanded.set(total);
        if total > self.limits.max_total_bytes {
            return Err(AttachError::TooLarge {
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(())
    }

    fn add_text(&self, n: usize) -> Result<(), AttachError> {
        let total = self.text.get() + n as u64;
        self.text.set(total);
        if total > self.limits.max_text_bytes {
            return Err(AttachError::TextTooLarge {
                limit: self.limits.max_text_bytes,
            });
        }
        Ok(())
    }

    fn add_entries(&self, n: usize) -> Result<(), AttachError> {
        let total = self.entries.get() + n;
        self.entries.set(total);
        if total > self.limits.max_entries {
            return Err(AttachError::TooManyEntries {
                max: self.limits.max_entries,
            });
        }
        Ok(())
    }

    fn add_cell(&self) -> Result<(), AttachError> {
        let total = self.cells.get() + 1;
        self.cells.set(total);
        if total > self.limits.max_cells {
            return Err(AttachError::TooManyCells {
                max: self.limits.max_cells,
            });
        }
        Ok(())
    }

    /// Records `error` for whoever unwraps the `io::Error` that a parser
    /// crate hands back.
    fn trip(&self, error: AttachError) -> std::io::Error {
        let message = error.to_string();
        self.tripped.borrow_mut().get_or_insert(error);
        std::io::Error::other(message)
    }

    fn take_tripped(&self) -> Option<AttachError> {
        self.tripped.borrow_mut().take()
    }
}

/// Builds a part's text and its spots, counting the text against the budget.
pub(crate) struct TextBuilder<'b, 'l> {
    text: String,
    spots: Vec<Spot>,
    budget: &'b Budget<'l>,
}

impl<'b, 'l> TextBuilder<'b, 'l> {
    fn new(budget: &'b Budget<'l>) -> Self {
        TextBuilder {
            text: String::new(),
            spots: Vec::new(),
            budget,
        }
    }

    fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    fn ends_with_newline(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    /// Appends `s`; with a label, the text gets a spot (merged with the spot
    /// before when the label is the same and the two touch).
    fn push(&mut self, s: &str, label: Option<SpotLabel>) -> Result<(), AttachError> {
        if s.is_empty() {
            return Ok(());
        }
        self.budget.add_text(s.len())?;
        let start = self.text.len();
        self.text.push_str(s);
        if let Some(label) = label {
            match self.spots.last_mut() {
                Some(last) if last.end == start && last.label == label => {
                    last.end = self.text.len()
                }
                _ => self.spots.push(Spot {
                    start,
                    end: self.text.len(),
                    label,
                }),
            }
        }
        Ok(())
    }

    fn finish(self, location: String) -> Part {
        Part {
            location,
            format: Format::Text,
            text: self.text,
            spots: self.spots,
        }
    }
}

/// Runs `f`, turning a panic inside it into [`AttachError::ParserPanic`].
fn guard_panic<T>(
    kind: &'static str,
    f: impl FnOnce() -> Result<T, AttachError>,
) -> Result<T, AttachError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            let detail: String = detail.chars().take(200).collect();
            Err(AttachError::ParserPanic { kind, detail })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_refs_are_excel_style() {
        for (row, col, want) in [
            (0, 0, "A1"),
            (13, 2, "C14"),
            (0, 25, "Z1"),
            (0, 26, "AA1"),
            (9, 701, "ZZ10"),
            (0, 702, "AAA1"),
            (1_048_575, 16_383, "XFD1048576"),
        ] {
            assert_eq!(cell_ref(row, col), want, "row {row} col {col}");
        }
    }

    #[test]
    fn locations_follow_spots() {
        let part = Part {
            location: "名单.xlsx › 名单".into(),
            format: Format::Text,
            text: "a\tbb\ncc".into(),
            spots: vec![
                Spot {
                    start: 0,
                    end: 1,
                    label: SpotLabel::Cell { row: 0, col: 0 },
                },
                Spot {
                    start: 2,
                    end: 4,
                    label: SpotLabel::Cell { row: 0, col: 1 },
                },
                Spot {
                    start: 5,
                    end: 7,
                    label: SpotLabel::Suffix(" › 第2页".into()),
                },
            ],
        };
        for (at, want) in [
            (0, "名单.xlsx › 名单!A1"),
            (1, "名单.xlsx › 名单"),
            (3, "名单.xlsx › 名单!B1"),
            (6, "名单.xlsx › 名单 › 第2页"),
        ] {
            assert_eq!(part.location_at(at), want, "at {at}");
        }
    }

    #[test]
    fn find_from_finds_the_first_match_at_or_after() {
        for (hay, needle, from, want) in [
            (&b"endstream stream"[..], &b"stream"[..], 0, Some(3)),
            (b"endstream stream", b"stream", 4, Some(10)),
            (b"sstream", b"stream", 0, Some(1)),
            (b"strea", b"stream", 0, None),
            (b"abc", b"", 0, None),
        ] {
            assert_eq!(find_from(hay, needle, from), want, "{hay:?} {from}");
        }
    }
}
