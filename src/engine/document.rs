//! What the engine is given: a [`Document`] (content and how to read it) and
//! the [`ScanOptions`] of one scan.
//!
//! A leaf module: every stage may use these types, and this file uses none
//! of them, so no two stages import each other through it.

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

/// Options of one scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Also give UTF-16 offsets (for JavaScript clients).
    pub utf16_offsets: bool,
}
