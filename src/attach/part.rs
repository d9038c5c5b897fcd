//! What reading an attachment produces: located [`Part`]s of text, and the
//! [`Problem`]s met on the way.

use super::error::Problem;
use crate::engine::Format;

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
    /// The text was recognized by OCR from a picture or a scanned page:
    /// findings in it say so, since OCR misreads.
    pub ocr: bool,
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
    pub(super) fn new(location: String, format: Format, text: String) -> Part {
        Part {
            location,
            format,
            text,
            spots: Vec::new(),
            ocr: false,
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

/// Everything read from one attachment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub parts: Vec<Part>,
    /// What could not be read. Non-empty means a person must look.
    pub problems: Vec<Problem>,
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
            ocr: false,
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
}
