//! The bounds on one attachment ([`Limits`]) and the counters that enforce
//! them while it is read ([`Budget`]); [`TextBuilder`] counts text as it is
//! built.

use super::error::{AttachError, Problem};
use super::part::{Extraction, Part, Spot, SpotLabel};
use crate::engine::document::{Cancel, Format};
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// Reads one file found inside an archive, as the attachment itself is read
/// (`location`, `name` for its type, bytes, nesting depth).
pub(super) type ReadEntry = fn(&str, &str, &[u8], usize, &Budget, &mut Extraction);

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
    /// Largest picture decoded for OCR, in pixels (width × height, read from
    /// the header before anything is decoded). Default 60,000,000 (an A4
    /// page at 600 dpi is 35 million). Larger pictures are refused.
    pub max_image_pixels: u64,
    /// Wall-clock time for OCR of one picture or scanned page; the tesseract
    /// process is killed when it runs over. Never more than what is left of
    /// [`Limits::time_budget`]. Default 15 s.
    pub ocr_timeout: Duration,
    /// Address space of the tesseract process (`RLIMIT_AS`). Default 1 GiB.
    pub ocr_memory_bytes: u64,
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
            max_image_pixels: 60_000_000,
            ocr_timeout: Duration::from_secs(15),
            ocr_memory_bytes: 1 << 30,
        }
    }
}

/// Counters shared by everything read for one attachment.
pub struct Budget<'l> {
    pub(super) limits: &'l Limits,
    cancel: Cancel,
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
    #[cfg(test)]
    pub(super) fn new(limits: &'l Limits) -> Self {
        Budget::until(limits, Cancel::new())
    }

    /// A budget that also stops when `cancel` is set (the item's own time
    /// budget ran out in the caller).
    pub(super) fn until(limits: &'l Limits, cancel: Cancel) -> Self {
        Budget {
            limits,
            cancel,
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
    pub(super) fn record(&self, out: &mut Extraction, location: String, error: AttachError) {
        if error.is_fatal() {
            if self.stopped.get() {
                return;
            }
            self.stopped.set(true);
        }
        out.problems.push(Problem { location, error });
    }

    pub(super) fn stopped(&self) -> bool {
        self.stopped.get()
    }

    /// What is left of the time budget.
    pub(super) fn remaining(&self) -> Duration {
        self.limits
            .time_budget
            .saturating_sub(self.started.elapsed())
    }

    pub(super) fn check_time(&self) -> Result<(), AttachError> {
        if self.started.elapsed() > self.limits.time_budget || self.cancel.is_cancelled() {
            return Err(AttachError::TimeBudget {
                budget_ms: self.limits.time_budget.as_millis(),
            });
        }
        Ok(())
    }

    pub(super) fn add_expanded(&self, n: u64) -> Result<(), AttachError> {
        let total = self.expanded.get() + n;
        self.expanded.set(total);
        if total > self.limits.max_total_bytes {
            return Err(AttachError::TooLarge {
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(())
    }

    pub(super) fn add_text(&self, n: usize) -> Result<(), AttachError> {
        let total = self.text.get() + n as u64;
        self.text.set(total);
        if total > self.limits.max_text_bytes {
            return Err(AttachError::TextTooLarge {
                limit: self.limits.max_text_bytes,
            });
        }
        Ok(())
    }

    pub(super) fn add_entries(&self, n: usize) -> Result<(), AttachError> {
        let total = self.entries.get() + n;
        self.entries.set(total);
        if total > self.limits.max_entries {
            return Err(AttachError::TooManyEntries {
                max: self.limits.max_entries,
            });
        }
        Ok(())
    }

    pub(super) fn add_cell(&self) -> Result<(), AttachError> {
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
    pub(super) fn trip(&self, error: AttachError) -> std::io::Error {
        let message = error.to_string();
        self.tripped.borrow_mut().get_or_insert(error);
        std::io::Error::other(message)
    }

    pub(super) fn take_tripped(&self) -> Option<AttachError> {
        self.tripped.borrow_mut().take()
    }
}

/// Builds a part's text and its spots, counting the text against the budget.
pub struct TextBuilder<'b, 'l> {
    text: String,
    spots: Vec<Spot>,
    budget: &'b Budget<'l>,
}

impl<'b, 'l> TextBuilder<'b, 'l> {
    pub(super) fn new(budget: &'b Budget<'l>) -> Self {
        TextBuilder {
            text: String::new(),
            spots: Vec::new(),
            budget,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    pub(super) fn ends_with_newline(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    /// Appends `s`; with a label, the text gets a spot (merged with the spot
    /// before when the label is the same and the two touch).
    pub(super) fn push(&mut self, s: &str, label: Option<SpotLabel>) -> Result<(), AttachError> {
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

    pub(super) fn finish(self, location: String) -> Part {
        Part {
            location,
            format: Format::Text,
            text: self.text,
            spots: self.spots,
            ocr: false,
        }
    }
}
