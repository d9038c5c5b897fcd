//! What the engine is given: a [`Document`] (content and how to read it) and
//! the [`ScanOptions`] of one scan.
//!
//! A leaf module: every stage may use these types, and this file uses none
//! of them, so no two stages import each other through it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How a document's content is to be read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Text,
    Html,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
        }
    }
}

/// One item to review.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub content: &'a str,
    pub format: Format,
}

impl<'a> Document<'a> {
    pub fn text(content: &'a str) -> Self {
        Document {
            content,
            format: Format::Text,
        }
    }
    pub fn html(content: &'a str) -> Self {
        Document {
            content,
            format: Format::Html,
        }
    }
}

/// Lets another thread stop a scan that has run out of its time budget: the
/// engine checks it between stages and every few hundred candidates, and a
/// stopped scan answers `review` with the reason ([`crate::engine::verdict::Verdict::incomplete`]),
/// never `pass`. Cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every scan holding this flag to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Options of one scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Also give UTF-16 offsets (for JavaScript clients).
    pub utf16_offsets: bool,
}
