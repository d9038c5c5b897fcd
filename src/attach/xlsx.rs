//! Spreadsheets (.xlsx, SpreadsheetML).
//!
//! Contract: every sheet of the workbook, hidden (`隐藏工作表`) and very
//! hidden (`深度隐藏工作表`) ones included, becomes ONE part (so that three ID
//! numbers in three cells still count as a list): one line per row that has
//! a value, a tab between the cells of a row, and a spot per cell, so a
//! finding reads `名单.xlsx › 名单!C14`. Values are what the file stores:
//! shared and inline strings, numbers as written (an integral number in
//! exponent form is written out in digits: `1.3812345678E10` →
//! `13812345678`), formula results; formulas themselves are not read.
//! Per sheet also: its header and footer (` 页眉` / ` 页脚` spots) and its
//! cell comments (`!C14 批注（张三）`). Then a part `工作表名称` with the
//! sheet names, one per line, and the document properties.
//!
//! Why not calamine (the first choice): it does not read comments, its
//! `Range` allocates a dense grid from the extent of the used cells (two
//! cells at `A1` and `XFD1048576` ask for 17 billion), it opens the zip
//! itself so entries would bypass the size/ratio guard, and it turns numbers
//! into `f64`, losing the digits of a long number stored as a number.

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::part::{Extraction, Part, SpotLabel};
use super::zipfile::Zip;
use super::{ooxml, xml};
use crate::engine::Format;
use quick_xml::events::Event;
use std::collections::BTreeSet;

struct Sheet {
    name: String,
    state: String,
    rel_id: String,
}

pub(super) fn read_xlsx(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<BTreeSet<String>, AttachError> {
    let workbook = ooxml::main_part(zip, budget, "xl/workbook.xml");
    let mut read = BTreeSet::from([workbook.clone()]);
    let rels = ooxml::relationships(zip, &workbook, budget)?;
    let sheets = read_sheet_list(zip, &workbook, budget)?;
    let shared = match rels.iter().find(|r| r.kind == "sharedStrings") {
        Some(r) if zip.index_for_name(&r.target).is_some() => {
            read.insert(r.target.clone());
            read_shared_strings(zip, &r.target.clone(), budget)?
        }
        _ => Vec::new(),
    };
    for sheet in &sheets {
        let Some(rel) = rels.iter().find(|r| r.id == sheet.rel_id) else {
            continue;
        };
        if zip.index_for_name(&rel.target).is_none() {
            continue;
        }
        let shown = match sheet.state.as_str() {
            "hidden" => format!("隐藏工作表 {}", sheet.name),
            "veryHidden" => format!("深度隐藏工作表 {}", sheet.name),
            _ => sheet.name.clone(),
        };
        let sheet_location = format!("{location} › {shown}");
        let target = rel.target.clone();
        read.insert(target.clone());
        // What was read before an error is scanned too.
        let mut cells = TextBuilder::new(budget);
        let mut margins = TextBuilder::new(budget);
        let result = read_sheet(zip, &target, &shared, budget, &mut cells, &mut margins);
        if !cells.is_empty() {
            out.parts.push(cells.finish(sheet_location.clone()));
        }
        if !margins.is_empty() {
            out.parts.push(margins.finish(sheet_location.clone()));
        }
        if let Err(error) = result {
            budget.record(out, sheet_location.clone(), error);
            if budget.stopped() {
                return Ok(read);
            }
            continue;
        }
        let sheet_rels = match ooxml::relationships(zip, &target, budget) {
            Ok(r) => r,
            Err(error) => {
                budget.record(out, sheet_location, error);
                if budget.stopped() {
                    return Ok(read);
                }
                continue;
            }
        };
        for rel in sheet_rels.iter().filter(|r| r.kind == "comments") {
            if zip.index_for_name(&rel.target).is_none() {
                continue;
            }
            read.insert(rel.target.clone());
            let mut comments = TextBuilder::new(budget);
            let result = read_comments(zip, &rel.target, budget, &mut comments);
            if !comments.is_empty() {
                out.parts.push(comments.finish(sheet_location.clone()));
            }
            if let Err(error) = result {
                budget.record(out, format!("{sheet_location} 批注"), error);
                if budget.stopped() {
                    return Ok(read);
                }
            }
        }
    }
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    let names = names.join("\n");
    if !names.trim().is_empty() {
        budget.add_text(names.len())?;
        out.parts.push(Part::new(
            format!("{location} › 工作表名称"),
            Format::Text,
            names,
        ));
    }
    ooxml::read_properties(location, zip, budget, out)?;
    Ok(read)
}

fn read_sheet_list(
    zip: &mut Zip,
    workbook: &str,
    budget: &Budget,
) -> Result<Vec<Sheet>, AttachError> {
    let mut reader = xml::open(zip, workbook, budget)?;
    let mut buf = Vec::new();
    let mut sheets = Vec::new();
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) | Event::Empty(e) if xml::local(&e) == "sheet" => sheets.push(Sheet {
                name: xml::attr(&e, "name").unwrap_or_default(),
                state: xml::attr(&e, "state").unwrap_or_default(),
                rel_id: xml::attr(&e, "id").unwrap_or_default(),
            }),
            Event::Eof => return Ok(sheets),
            _ => {}
        }
    }
}

/// The shared string table: the text of each `<si>`, phonetic runs
/// (`<rPh>`) left out.
fn read_shared_strings(
    zip: &mut Zip,
    name: &str,
    budget: &Budget,
) -> Result<Vec<String>, AttachError> {
    let mut reader = xml::open(zip, name, budget)?;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let (mut in_t, mut in_phonetic, mut current) = (false, false, String::new());
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) => match xml::local(&e).as_str() {
                "si" => current.clear(),
                "t" => in_t = true,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if xml::local(&e) == "si" => out.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                "si" => out.push(std::mem::take(&mut current)),
                "t" => in_t = false,
                "rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if in_t && !in_phonetic => current.push_str(&t.xml10_content()),
            Event::CData(t) if in_t && !in_phonetic => current.push_str(&t),
            Event::GeneralRef(r) if in_t && !in_phonetic => current.push_str(&xml::resolve_ref(&r)),
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// `C14` → (row 13, col 2), 0-based.
fn parse_ref(r: &str) -> Option<(u32, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col: u32 = 0;
    for b in r[..letters].bytes() {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = r[letters..].trim_start_matches('$').parse().ok()?;
    (row >= 1).then(|| (row - 1, col - 1))
}

/// A number as written, except that an integral value in exponent or
/// decimal form is written out in digits.
fn number_text(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains(['E', 'e', '.']) {
        if let Ok(v) = raw.parse::<f64>() {
            if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e18 {
                return format!("{v:.0}").into();
            }
        }
    }
    raw.into()
}

/// One sheet: its cells, and its header/footer text.
fn read_sheet(
    zip: &mut Zip,
    name: &str,
    shared: &[String],
    budget: &Budget,
    cells: &mut TextBuilder,
    margins: &mut TextBuilder,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, name, budget)?;
    let mut buf = Vec::new();
    // Position of the current row and cell (refs may be omitted: then
    // they follow the previous one).
    let (mut row, mut col): (u32, u32) = (0, 0);
    let mut row_seen = false;
    let mut last_emitted_row: Option<u32> = None;
    let mut cell_type = String::new();
    let mut value = String::new();
    let (mut in_value, mut in_inline, mut in_phonetic) = (false, false, false);
    let mut margin: Option<&'static str> = None;
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) | Event::Empty(e) if matches!(e.local_name().as_ref(), "row" | "c") => {
                if e.local_name().as_ref() == "row" {
                    row = match xml::raw_attr(&e, "r").and_then(|r| r.parse::<u32>().ok()) {
                        Some(r) if r >= 1 => r - 1,
                        _ if row_seen => row.saturating_add(1),
                        _ => 0,
                    };
                    row_seen = true;
                    col = u32::MAX; // the first cell without a ref is column A
                } else {
                    match xml::raw_attr(&e, "r").as_deref().and_then(parse_ref) {
                        Some((r, c)) => {
                            row = r;
                            col = c;
                        }
                        None => col = col.wrapping_add(1),
                    }
                    cell_type.clear();
                    if let Some(t) = xml::raw_attr(&e, "t") {
                        cell_type.push_str(&t);
                    }
                    value.clear();
                }
            }
            Event::Start(e) => match e.local_name().as_ref() {
                "v" => in_value = true,
                "is" => in_inline = true,
                "rPh" => in_phonetic = true,
                "oddHeader" | "evenHeader" | "firstHeader" => margin = Some(" 页眉"),
                "oddFooter" | "evenFooter" | "firstFooter" => margin = Some(" 页脚"),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "v" => in_value = false,
                "is" => in_inline = false,
                "rPh" => in_phonetic = false,
                "oddHeader" | "evenHeader" | "firstHeader" | "oddFooter" | "evenFooter"
                | "firstFooter" => {
                    margin = None;
                    if !margins.ends_with_newline() {
                        margins.push("\n", None)?;
                    }
                }
                "c" => {
                    let number;
                    let text: &str = match cell_type.as_str() {
                        "s" => value
                            .trim()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| shared.get(i))
                            .map_or("", String::as_str),
                        "inlineStr" | "str" | "e" | "d" | "b" => &value,
                        _ => {
                            number = number_text(value.trim());
                            &number
                        }
                    };
                    if !text.is_empty() {
                        budget.add_cell()?;
                        match last_emitted_row {
                            Some(r) if r == row => cells.push("\t", None)?,
                            Some(_) => cells.push("\n", None)?,
                            None => {}
                        }
                        last_emitted_row = Some(row);
                        cells.push(text, Some(SpotLabel::Cell { row, col }))?;
                    }
                    value.clear();
                }
                _ => {}
            },
            Event::Text(t) => {
                let s = t.xml10_content();
                if in_value || (in_inline && !in_phonetic) {
                    value.push_str(&s);
                } else if let Some(m) = margin {
                    margins.push(&header_text(&s), Some(SpotLabel::Suffix(m.into())))?;
                }
            }
            Event::GeneralRef(r) => {
                let s = xml::resolve_ref(&r);
                if in_value || (in_inline && !in_phonetic) {
                    value.push_str(&s);
                } else if let Some(m) = margin {
                    margins.push(&s, Some(SpotLabel::Suffix(m.into())))?;
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// Header/footer text without its codes: `&L`, `&C`, `&R` start a section
/// (a line here), `&"Font,Bold"`, `&12`, `&P` and the like are formatting.
pub(super) fn header_text(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '&' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('&') => out.push('&'),
            Some('L' | 'C' | 'R') if !out.is_empty() && !out.ends_with('\n') => out.push('\n'),
            Some('"') => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            Some(d) if d.is_ascii_digit() => {
                while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    out
}

/// Cell comments: one line per comment, spot `!C14 批注（张三）`.
fn read_comments(
    zip: &mut Zip,
    name: &str,
    budget: &Budget,
    out: &mut TextBuilder,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, name, budget)?;
    let mut buf = Vec::new();
    let mut authors: Vec<String> = Vec::new();
    let (mut in_author, mut in_t, mut in_phonetic) = (false, false, false);
    let mut label: Option<SpotLabel> = None;
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) => match xml::local(&e).as_str() {
                "author" => {
                    in_author = true;
                    authors.push(String::new());
                }
                "comment" => {
                    let cell = xml::attr(&e, "ref").unwrap_or_default();
                    let author = xml::attr(&e, "authorId")
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| authors.get(i))
                        .filter(|a| !a.trim().is_empty())
                        .map_or_else(|| "未署名".to_string(), |a| a.trim().to_string());
                    label = Some(SpotLabel::Suffix(format!("!{cell} 批注（{author}）")));
                }
                "t" => in_t = true,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "author" => in_author = false,
                "t" => in_t = false,
                "rPh" => in_phonetic = false,
                "comment" => {
                    label = None;
                    if !out.ends_with_newline() {
                        out.push("\n", None)?;
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                let s = t.xml10_content();
                if in_author {
                    if let Some(a) = authors.last_mut() {
                        a.push_str(&s);
                    }
                } else if in_t && !in_phonetic && label.is_some() {
                    out.push(&s, label.clone())?;
                }
            }
            Event::GeneralRef(r) if in_t && !in_phonetic && label.is_some() => {
                out.push(&xml::resolve_ref(&r), label.clone())?
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_and_numbers() {
        assert_eq!(parse_ref("C14"), Some((13, 2)));
        assert_eq!(parse_ref("AA1"), Some((0, 26)));
        assert_eq!(parse_ref("14"), None);
        for (raw, want) in [
            ("1.3812345678E10", "13812345678"),
            ("13812345678", "13812345678"),
            ("3.5", "3.5"),
            ("12.0", "12"),
        ] {
            assert_eq!(number_text(raw), want, "{raw}");
        }
    }

    #[test]
    fn header_codes_are_dropped() {
        assert_eq!(
            header_text("&L&\"宋体,加粗\"&12机密★1年&C第&P页&R&&"),
            "机密★1年\n第页\n&"
        );
    }
}
