//! Why (part of) an attachment could not be read, and where.

use std::fmt;

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
    #[error("unexpected in this document: {what}; a person must look at why it is there")]
    UnexpectedEntry { what: String },
    #[error("the {kind} reader crashed on this file ({detail}); the file is damaged or hostile")]
    ParserPanic { kind: &'static str, detail: String },
    #[error("OCR is not available ({detail}): pictures and scanned pages cannot be read; install the Debian packages tesseract-ocr tesseract-ocr-chi-sim")]
    OcrUnavailable { detail: String },
    #[error("OCR of this picture took longer than {limit_ms} ms and was stopped (limit ocr_timeout); a person must look at it")]
    OcrTimeout { limit_ms: u128 },
    #[error("OCR failed on this picture ({detail}); a person must look at it")]
    OcrFailed { detail: String },
    #[error("picture of {width} × {height} pixels is over the limit of {max_pixels} pixels (limit max_image_pixels); refused without decoding (decompression bomb?)")]
    ImageTooLarge {
        width: u64,
        height: u64,
        max_pixels: u64,
    },
    #[error("picture in a format baomi cannot decode ({what}); a person must look at it")]
    ImageFormat { what: String },
    #[error("scanned page: OCR found no text on it; a person must look at it")]
    NoOcrText,
    #[error("{count} embedded object(s) (a worksheet, document or file pasted in as an object) are not read; a person must open them")]
    EmbeddedObjects { count: usize },
}

impl AttachError {
    /// Limits on the attachment as a whole: once reached, reading stops.
    pub(super) fn is_fatal(&self) -> bool {
        matches!(
            self,
            AttachError::TooLarge { .. }
                | AttachError::TooManyEntries { .. }
                | AttachError::TooManyCells { .. }
                | AttachError::TextTooLarge { .. }
                | AttachError::TimeBudget { .. }
        )
    }

    pub(super) fn malformed(kind: &'static str, detail: impl fmt::Display) -> AttachError {
        AttachError::Malformed {
            kind,
            detail: detail.to_string(),
        }
    }
}

/// Runs `f`, turning a panic inside it into [`AttachError::ParserPanic`].
pub(super) fn guard_panic<T>(
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
