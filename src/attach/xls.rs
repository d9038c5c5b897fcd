//! Excel 97–2003 workbooks (.xls, and WPS .et in the same format): BIFF8
//! records of the `Workbook` stream ([MS-XLS]).
//!
//! Contract: as for .xlsx, every sheet — hidden (`隐藏工作表`) and very hidden
//! (`深度隐藏工作表`) ones included — becomes ONE part, a line per row and a
//! tab between cells, a spot per cell (`名单.xls › 名单!C14`). Values: shared
//! strings (`LABELSST`, the SST read across its `CONTINUE` records), inline
//! strings (`LABEL`, `RSTRING`), numbers (`NUMBER`, `RK`, `MULRK`: integral
//! values written out in digits), formula results (`FORMULA` and its
//! `STRING`), booleans and errors; formulas themselves are not read. Per
//! sheet also its header and footer (` 页眉` / ` 页脚`) and its cell comments
//! (`NOTE` → `OBJ` → `TXO`): `!C14 批注（张三）`. Then `工作表名称` and the
//! summary-information properties (see [`super::ole`]).
//!
//! Cells are counted against `max_cells` as they are read, and only cells
//! that hold a value are kept: a sheet's declared extent allocates nothing.
//! A workbook with a password (`FILEPASS`) is [`AttachError::Encrypted`];
//! BIFF5 and older (Excel 95) are unsupported. Charts and drawings'
//! text are not read.
//!
//! Why not calamine (the first choice): measured and read before
//! deciding (benches/README.md). It parses every sheet into a dense
//! `Range` at open (from the extent of the used cells *and* a `reserve`
//! sized by the sheet's own DIMENSIONS record, which a hostile file sets to
//! 65,536 × 256 or more: an allocation failure aborts the process, no
//! `catch_unwind` helps), reads the compound file with its own unbounded
//! reader, and does not read comments or headers. Numbers as `f64` do not
//! matter here (BIFF8 stores them so).

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::olefile::{read_stream, u16_at, u32_at, Ole};
use super::part::{Extraction, Part, SpotLabel};
use super::xlsx::header_text;
use crate::engine::Format;

/// One BIFF record: its type and data, with the data of the `CONTINUE`
/// records that follow it.
struct Record<'a> {
    kind: u16,
    data: &'a [u8],
    /// The start of the next record.
    next: usize,
}

fn record_at(stream: &[u8], at: usize) -> Option<Record<'_>> {
    let kind = u16::from_le_bytes([*stream.get(at)?, *stream.get(at + 1)?]);
    let len = u16::from_le_bytes([*stream.get(at + 2)?, *stream.get(at + 3)?]) as usize;
    let data = stream.get(at + 4..at + 4 + len)?;
    Some(Record {
        kind,
        data,
        next: at + 4 + len,
    })
}

/// The data of the `CONTINUE` records (0x003C) right after `next`.
fn continues(stream: &[u8], mut next: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some(r) = record_at(stream, next) {
        if r.kind != 0x003C {
            break;
        }
        out.push(r.data);
        next = r.next;
    }
    out
}

struct SheetEntry {
    name: String,
    state: u8,
    kind: u8,
    offset: usize,
}

pub(super) fn read_xls(
    location: &str,
    ole: &mut Ole,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let stream = match read_stream(ole, "Workbook", budget)? {
        Some(s) => s,
        None => read_stream(ole, "Book", budget)?.unwrap_or_default(),
    };
    let bof = record_at(&stream, 0).filter(|r| r.kind == 0x0809);
    match bof.map(|r| u16_at(r.data, 0)) {
        Some(Ok(0x0600)) => {}
        Some(Ok(_)) => return Err(AttachError::Unsupported {
            mime:
                "application/vnd.ms-excel (Excel 5.0/95 or older; save it as .xlsx to have it read)"
                    .into(),
        }),
        _ => {
            return Err(AttachError::malformed(
                "Excel workbook",
                "no BOF record at the start",
            ))
        }
    }
    let mut sheets = Vec::new();
    let mut sst: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(r) = record_at(&stream, at) {
        match r.kind {
            0x002F => {
                return Err(AttachError::Encrypted {
                    what: "an Excel workbook protected with a password".into(),
                })
            }
            0x0085 if r.data.len() >= 8 => {
                let mut reader = Segments::new(vec![&r.data[6..]]);
                let cch = reader.u8()? as usize;
                sheets.push(SheetEntry {
                    name: reader.chars(cch)?,
                    state: r.data[4] & 0x03,
                    kind: r.data[5],
                    offset: u32_at(r.data, 0)? as usize,
                });
            }
            0x00FC => {
                let mut segments = vec![r.data];
                segments.extend(continues(&stream, r.next));
                sst = read_sst(segments, budget)?;
            }
            0x000A => break,
            _ => {}
        }
        at = r.next;
    }
    for sheet in sheets.iter().filter(|s| s.kind == 0) {
        budget.check_time()?;
        let shown = match sheet.state {
            1 => format!("隐藏工作表 {}", sheet.name),
            2 => format!("深度隐藏工作表 {}", sheet.name),
            _ => sheet.name.clone(),
        };
        let sheet_location = format!("{location} › {shown}");
        if let Err(error) = read_sheet(&stream, sheet.offset, &sst, &sheet_location, budget, out) {
            budget.record(out, sheet_location, error);
            if budget.stopped() {
                return Ok(());
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
    Ok(())
}

/// Bytes spread over a record and its `CONTINUE`s. A string's characters
/// that run into the next segment start it with a new flags byte.
struct Segments<'a> {
    segments: Vec<&'a [u8]>,
    seg: usize,
    at: usize,
}

impl<'a> Segments<'a> {
    fn new(segments: Vec<&'a [u8]>) -> Self {
        Segments {
            segments,
            seg: 0,
            at: 0,
        }
    }

    fn cut_short() -> AttachError {
        AttachError::malformed("Excel workbook", "a string runs past its record")
    }

    fn byte(&mut self) -> Result<u8, AttachError> {
        loop {
            let seg = self.segments.get(self.seg).ok_or_else(Self::cut_short)?;
            if let Some(b) = seg.get(self.at) {
                self.at += 1;
                return Ok(*b);
            }
            self.seg += 1;
            self.at = 0;
        }
    }

    fn u8(&mut self) -> Result<u8, AttachError> {
        self.byte()
    }

    fn u16(&mut self) -> Result<u16, AttachError> {
        Ok(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn u32(&mut self) -> Result<u32, AttachError> {
        Ok(u32::from_le_bytes([
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ]))
    }

    fn skip(&mut self, mut n: usize) -> Result<(), AttachError> {
        while n > 0 {
            let seg = self.segments.get(self.seg).ok_or_else(Self::cut_short)?;
            let here = (seg.len() - self.at.min(seg.len())).min(n);
            if here == 0 {
                self.seg += 1;
                self.at = 0;
                continue;
            }
            self.at += here;
            n -= here;
        }
        Ok(())
    }

    /// A string's flags byte, then `cch` characters (see the type docs).
    fn chars(&mut self, cch: usize) -> Result<String, AttachError> {
        let flags = self.u8()?;
        self.chars_after_flags(cch, flags).map(|(s, _)| s)
    }

    fn chars_after_flags(&mut self, cch: usize, flags: u8) -> Result<(String, u8), AttachError> {
        let mut units: Vec<u16> = Vec::with_capacity(cch.min(1 << 16));
        let mut wide = flags & 1 != 0;
        while units.len() < cch {
            let seg = self.segments.get(self.seg).ok_or_else(Self::cut_short)?;
            if self.at >= seg.len() {
                // Continued in the next record, which restates the width.
                self.seg += 1;
                self.at = 0;
                wide = self.u8()? & 1 != 0;
                continue;
            }
            let seg = &seg[self.at..];
            let want = cch - units.len();
            if wide {
                let n = (seg.len() / 2).min(want);
                units.extend(
                    seg[..n * 2]
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]])),
                );
                self.at += n * 2;
                if n == 0 {
                    return Err(Self::cut_short());
                }
            } else {
                let n = seg.len().min(want);
                units.extend(seg[..n].iter().map(|&b| u16::from(b)));
                self.at += n;
            }
        }
        Ok((String::from_utf16_lossy(&units), flags))
    }

    /// An XLUnicodeRichExtendedString (the SST's strings).
    fn rich_string(&mut self) -> Result<String, AttachError> {
        let cch = self.u16()? as usize;
        let flags = self.u8()?;
        let runs = if flags & 0x08 != 0 {
            self.u16()? as usize
        } else {
            0
        };
        let ext = if flags & 0x04 != 0 {
            self.u32()? as usize
        } else {
            0
        };
        let (s, _) = self.chars_after_flags(cch, flags)?;
        self.skip(runs * 4)?;
        self.skip(ext)?;
        Ok(s)
    }
}

fn read_sst(segments: Vec<&[u8]>, budget: &Budget) -> Result<Vec<String>, AttachError> {
    let mut reader = Segments::new(segments);
    let _total = reader.u32()?;
    let unique = reader.u32()? as usize;
    let mut out = Vec::with_capacity(unique.min(1 << 16));
    for _ in 0..unique {
        let s = reader.rich_string()?;
        budget.add_text(s.len())?;
        out.push(s);
    }
    Ok(out)
}

/// A number as a person reads it: integral values in digits.
fn number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e18 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn rk(v: u32) -> f64 {
    let n = if v & 2 != 0 {
        f64::from((v as i32) >> 2)
    } else {
        f64::from_bits(u64::from(v & 0xFFFF_FFFC) << 32)
    };
    if v & 1 != 0 {
        n / 100.0
    } else {
        n
    }
}

/// An XLUnicodeString with a u16 count (LABEL, STRING, NOTE's author, …).
fn unicode_string(data: &[u8], conts: Vec<&[u8]>) -> Result<String, AttachError> {
    let mut segments = vec![data];
    segments.extend(conts);
    let mut reader = Segments::new(segments);
    let cch = reader.u16()? as usize;
    reader.chars(cch)
}

/// One sheet's substream: cells, header/footer, comments.
fn read_sheet(
    stream: &[u8],
    offset: usize,
    sst: &[String],
    location: &str,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut cells: Vec<(u16, u16, String)> = Vec::new();
    let mut margins = TextBuilder::new(budget);
    let mut notes: Vec<(u16, u16, u16, String)> = Vec::new();
    let mut texts: Vec<(u16, String)> = Vec::new();
    let (mut last_obj, mut formula_at) = (None, None);
    let mut depth = 0usize;
    if record_at(stream, offset).map(|r| r.kind) != Some(0x0809) {
        return Err(AttachError::malformed(
            "Excel workbook",
            "a sheet does not start where the workbook says",
        ));
    }
    let mut at = offset;
    let add = |cells: &mut Vec<(u16, u16, String)>, row, col, text: String| {
        if text.is_empty() {
            return Ok(());
        }
        budget.add_cell()?;
        budget.add_text(text.len())?;
        cells.push((row, col, text));
        Ok::<_, AttachError>(())
    };
    while let Some(r) = record_at(stream, at) {
        at = r.next;
        let d = r.data;
        match r.kind {
            0x0809 => {
                depth += 1;
                continue;
            }
            0x000A => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
                continue;
            }
            _ if depth > 1 => continue, // a chart inside the sheet
            _ => {}
        }
        let (row, col) = (u16_at(d, 0).unwrap_or(0), u16_at(d, 2).unwrap_or(0));
        match r.kind {
            0x00FD => {
                let s = sst.get(u32_at(d, 6)? as usize).cloned().unwrap_or_default();
                add(&mut cells, row, col, s)?;
            }
            0x0204 | 0x00D6 => add(
                &mut cells,
                row,
                col,
                unicode_string(&d[6.min(d.len())..], continues(stream, r.next))?,
            )?,
            0x0203 if d.len() >= 14 => {
                let v = f64::from_le_bytes(d[6..14].try_into().expect("8 bytes"));
                add(&mut cells, row, col, number(v))?;
            }
            0x027E => add(&mut cells, row, col, number(rk(u32_at(d, 6)?)))?,
            0x00BD if d.len() >= 6 => {
                let n = (d.len() - 6) / 6;
                for i in 0..n {
                    add(
                        &mut cells,
                        row,
                        col + i as u16,
                        number(rk(u32_at(d, 4 + i * 6 + 2)?)),
                    )?;
                }
            }
            0x0205 if d.len() >= 8 => {
                let text = match (d[7], d[6]) {
                    (0, 0) => "FALSE".to_string(),
                    (0, _) => "TRUE".to_string(),
                    _ => String::new(),
                };
                add(&mut cells, row, col, text)?;
            }
            0x0006 if d.len() >= 14 => {
                if d[12] == 0xFF && d[13] == 0xFF {
                    formula_at = (d[6] == 0).then_some((row, col));
                } else {
                    let v = f64::from_le_bytes(d[6..14].try_into().expect("8 bytes"));
                    add(&mut cells, row, col, number(v))?;
                }
            }
            0x0207 => {
                if let Some((row, col)) = formula_at.take() {
                    add(
                        &mut cells,
                        row,
                        col,
                        unicode_string(d, continues(stream, r.next))?,
                    )?;
                }
            }
            0x0014 | 0x0015 if !d.is_empty() => {
                let label = if r.kind == 0x0014 {
                    " 页眉"
                } else {
                    " 页脚"
                };
                let s = header_text(&unicode_string(d, Vec::new())?);
                if !s.trim().is_empty() {
                    margins.push(&s, Some(SpotLabel::Suffix(label.into())))?;
                    margins.push("\n", None)?;
                }
            }
            0x005D if d.len() >= 8 && u16_at(d, 0)? == 0x15 => last_obj = Some(u16_at(d, 6)?),
            0x01B6 if d.len() >= 12 => {
                let cch = u16_at(d, 10)? as usize;
                let conts = continues(stream, r.next);
                if let Some(id) = last_obj {
                    let text = if cch == 0 {
                        String::new()
                    } else {
                        Segments::new(conts).chars(cch)?
                    };
                    budget.add_text(text.len())?;
                    texts.push((id, text));
                }
            }
            0x001C if d.len() >= 8 => {
                let author = unicode_string(&d[8..], Vec::new()).unwrap_or_default();
                notes.push((row, col, u16_at(d, 6)?, author));
            }
            _ => {}
        }
    }
    cells.sort_by_key(|(r, c, _)| (*r, *c));
    let mut text = TextBuilder::new(budget);
    let mut last_row = None;
    for (row, col, value) in &cells {
        match last_row {
            Some(r) if r == *row => text.push("\t", None)?,
            Some(_) => text.push("\n", None)?,
            None => {}
        }
        last_row = Some(*row);
        text.push(
            value,
            Some(SpotLabel::Cell {
                row: u32::from(*row),
                col: u32::from(*col),
            }),
        )?;
    }
    if !text.is_empty() {
        out.parts.push(text.finish(location.to_string()));
    }
    if !margins.is_empty() {
        out.parts.push(margins.finish(location.to_string()));
    }
    let mut comments = TextBuilder::new(budget);
    for (row, col, id, author) in notes {
        let Some((_, body)) = texts.iter().find(|(i, _)| *i == id) else {
            continue;
        };
        let author = if author.trim().is_empty() {
            "未署名"
        } else {
            author.trim()
        };
        let cell = super::part::cell_ref(u32::from(row), u32::from(col));
        comments.push(
            body,
            Some(SpotLabel::Suffix(format!("!{cell} 批注（{author}）"))),
        )?;
        comments.push("\n", None)?;
    }
    if !comments.is_empty() {
        out.parts.push(comments.finish(location.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sst_strings_continue_across_records_with_a_new_width() {
        // 2 strings: "ab" (8-bit), then "机密" split over two records, the
        // second restating the width (wide).
        let first: &[u8] = &[
            2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, b'a', b'b', 2, 0, 1, 0x3a, 0x67,
        ];
        let second: &[u8] = &[1, 0xc6, 0x5b];
        let limits = crate::attach::budget::Limits::default();
        let budget = Budget::new(&limits);
        assert_eq!(
            read_sst(vec![first, second], &budget).unwrap(),
            ["ab", "机密"]
        );
    }

    #[test]
    fn rk_values() {
        assert_eq!(number(rk((1234 << 2) | 2)), "1234");
        assert_eq!(number(rk((1234 << 2) | 3)), "12.34");
        assert_eq!(number(rk((1.5f64.to_bits() >> 32) as u32)), "1.5");
    }
}
