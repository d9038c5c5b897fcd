//! A spreadsheet or CSV as rows of cells, for importing what officers keep
//! in one (the 定密台账 / 密件登记 a register lexicon is made from).
//!
//! Contract: [`read_table`] reads the file with the same bounded readers as
//! scanning (`.xlsx` and `.xls`/`.et` sheets, CSV in UTF-8 or GB18030) and
//! returns the first sheet that has any cell, as rows in order; each row
//! holds its cells by column, empty cells as empty strings, so that column
//! `C` is `row[2]` whatever is missing before it. What cannot be read is an
//! error naming the problem; nothing is guessed.

use super::budget::Limits;
use super::error::AttachError;
use super::part::SpotLabel;
use super::read::extract_parts;
use std::collections::BTreeMap;

/// The rows of one sheet, and the sheet's location for messages.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub rows: Vec<Vec<String>>,
}

/// Reads `bytes` (a file named `name`) as a table: see the module docs.
pub fn read_table(name: &str, bytes: &[u8], limits: &Limits) -> Result<Table, AttachError> {
    let extraction = extract_parts(name, bytes, limits);
    if let Some(problem) = extraction.problems.into_iter().next() {
        return Err(problem.error);
    }
    for part in &extraction.parts {
        let mut cells: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
        for spot in &part.spots {
            if let SpotLabel::Cell { row, col } = spot.label {
                let value = part.text[spot.start..spot.end].trim().to_string();
                cells.entry(row).or_default().insert(col, value);
            }
        }
        if cells.is_empty() {
            continue;
        }
        let rows = cells
            .into_values()
            .map(|by_col| {
                let width = by_col.keys().next_back().map_or(0, |&c| c as usize + 1);
                let mut row = vec![String::new(); width];
                for (col, value) in by_col {
                    row[col as usize] = value;
                }
                row
            })
            .collect();
        return Ok(Table {
            sheet: part.location.clone(),
            rows,
        });
    }
    Err(AttachError::Unsupported {
        mime: "a file with no spreadsheet cells (expected .xlsx, .xls, .et or .csv)".into(),
    })
}
