//! Plain text, Markdown, CSV and HTML files.
//!
//! Contract: text must be UTF-8 (a BOM is dropped) or UTF-16 with a BOM;
//! anything else is [`AttachError::NotUtf8`], as for documents given to
//! `baomi scan` directly (no guessing at legacy encodings). CSV stays as it
//! is (the engine reads the original text), with a spot per non-empty cell
//! (RFC 4180 quoting) so a finding reads `名单.csv!C14`. HTML is handed to
//! the engine's HTML extraction.

use super::budget::Budget;
use super::error::AttachError;
use super::part::{Part, Spot, SpotLabel};
use crate::engine::Format;

/// Text as UTF-8 (a BOM is dropped) or UTF-16 with a BOM; anything else is
/// [`AttachError::NotUtf8`], whose message says how to convert it.
pub fn decode_text(bytes: &[u8]) -> Result<String, AttachError> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return decode_text(rest);
    }
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| from([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| AttachError::NotUtf8 { offset: 0 })
    };
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return utf16(rest, u16::from_be_bytes);
    }
    // simdutf8's fast check first; only a file that fails it is checked
    // again to say where (the `compat` check is slower but has the offset).
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => Err(AttachError::NotUtf8 {
            offset: simdutf8::compat::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| 0),
        }),
    }
}

pub(super) fn read_text(
    location: &str,
    bytes: &[u8],
    budget: &Budget,
) -> Result<Part, AttachError> {
    let text = decode_text(bytes)?;
    budget.add_text(text.len())?;
    Ok(Part::new(location.to_string(), Format::Text, text))
}

pub(super) fn read_html(
    location: &str,
    bytes: &[u8],
    budget: &Budget,
) -> Result<Part, AttachError> {
    let text = decode_text(bytes)?;
    budget.add_text(text.len())?;
    Ok(Part::new(location.to_string(), Format::Html, text))
}

pub(super) fn read_csv(location: &str, bytes: &[u8], budget: &Budget) -> Result<Part, AttachError> {
    let text = decode_text(bytes)?;
    budget.add_text(text.len())?;
    let spots = csv_cells(&text);
    let mut part = Part::new(location.to_string(), Format::Text, text);
    part.spots = spots;
    Ok(part)
}

/// A spot per non-empty cell of CSV text.
fn csv_cells(text: &str) -> Vec<Spot> {
    let mut spots = Vec::new();
    let (mut row, mut col, mut start) = (0u32, 0u32, 0usize);
    let mut quoted = false;
    let end_cell = |spots: &mut Vec<Spot>, start: usize, end: usize, row, col| {
        if text[start..end].trim().is_empty() {
            return;
        }
        spots.push(Spot {
            start,
            end,
            label: SpotLabel::Cell { row, col },
        });
    };
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                end_cell(&mut spots, start, i, row, col);
                col += 1;
                start = i + 1;
            }
            '\n' if !quoted => {
                let end = if text[..i].ends_with('\r') { i - 1 } else { i };
                end_cell(&mut spots, start, end.max(start), row, col);
                row += 1;
                col = 0;
                start = i + 1;
            }
            _ => {}
        }
    }
    end_cell(&mut spots, start, text.len(), row, col);
    spots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::part::cell_ref;

    #[test]
    fn csv_cells_follow_quotes() {
        let text = "序号,姓名,备注\r\n1,\"王,五\",\"多\n行\"\n2,,x";
        let got: Vec<(String, &str)> = csv_cells(text)
            .iter()
            .map(|s| match s.label {
                SpotLabel::Cell { row, col } => (cell_ref(row, col), &text[s.start..s.end]),
                _ => unreachable!(),
            })
            .collect();
        let want = [
            ("A1", "序号"),
            ("B1", "姓名"),
            ("C1", "备注"),
            ("A2", "1"),
            ("B2", "\"王,五\""),
            ("C2", "\"多\n行\""),
            ("A3", "2"),
            ("C3", "x"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for ((cell, text), (want_cell, want_text)) in got.iter().zip(want) {
            assert_eq!((cell.as_str(), *text), (want_cell, want_text));
        }
    }

    #[test]
    fn decodes_boms_and_refuses_other_encodings() {
        assert_eq!(decode_text("\u{feff}机密".as_bytes()).unwrap(), "机密");
        let utf16: Vec<u8> = [0xfeff_u16, 0x673a, 0x5bc6]
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(decode_text(&utf16).unwrap(), "机密");
        // 机密 in GBK.
        assert_eq!(
            decode_text(b"\xbb\xfa\xc3\xdc"),
            Err(AttachError::NotUtf8 { offset: 0 })
        );
    }
}
