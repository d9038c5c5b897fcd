//! OpenDocument files (.odt, .ods, .odp; ODF 1.2/1.3 packages).
//!
//! Contract: `content.xml` is read in one pass.
//! - Text documents: one part `正文`, a line per paragraph or heading;
//!   footnotes and endnotes (`text:note`) stand where they are cited with
//!   the spot ` › 脚注` / ` › 尾注`, text boxes with ` › 文本框`.
//! - Spreadsheets: one part per sheet, as for .xlsx (a line per row, a tab
//!   between cells, a spot per cell: `名单.ods › 名单!C14`; repeated rows and
//!   columns are read as often as they repeat); a sheet whose table style
//!   says `table:display="false"` is `隐藏工作表 名单`. Then `工作表名称`.
//! - Presentations: one part per slide (`第3张幻灯片`), the title frame's
//!   text spotted ` › 标题`, speaker notes as `第3张幻灯片 › 备注`.
//! - Comments (`office:annotation`) anywhere: a part `批注` beside the part
//!   they are in, one spot per comment with its author (`批注（张三）`); in a
//!   sheet the spot names the cell (`名单!C14 批注（张三）`).
//!
//! Then the headers and footers of `styles.xml`'s master pages (`页眉`,
//! `页脚`), the properties of `meta.xml` (`文档属性：标题`…, user-defined
//! ones as `自定义属性（名称）`), and the pictures under `Pictures/` (OCR,
//! `图片 1`…). `Thumbnails/thumbnail.png` is a picture of the first page,
//! already read as text: it is not read again. A package whose manifest
//! declares encryption is [`AttachError::Encrypted`]. Not read: charts and
//! embedded objects (`Object 1/`), form controls, macros.

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::part::{cell_ref, Extraction, Part, SpotLabel};
use super::zipfile::{read_entry, Zip};
use super::{pictures, xml};
use crate::engine::Format;
use quick_xml::events::{BytesStart, Event};

pub(super) fn read_odf(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    if let Some(index) = zip.index_for_name("META-INF/manifest.xml") {
        let manifest = read_entry(zip, index, budget, Some(budget.limits.max_xml_bytes))?;
        if super::bytes::find(&manifest, b"encryption-data") {
            return Err(AttachError::Encrypted {
                what: "an OpenDocument file protected with a password".into(),
            });
        }
    }
    let result = read_content(location, zip, budget, out);
    if let Err(error) = result {
        budget.record(out, location.to_string(), error);
        if budget.stopped() {
            return Ok(());
        }
    }
    if zip.index_for_name("styles.xml").is_some() {
        if let Err(error) = read_margins(location, zip, budget, out) {
            budget.record(out, format!("{location} › 页眉页脚"), error);
        }
    }
    if zip.index_for_name("meta.xml").is_some() {
        if let Err(error) = read_meta(location, zip, budget, out) {
            budget.record(out, format!("{location} › 文档属性"), error);
        }
    }
    if budget.stopped() {
        return Ok(());
    }
    pictures::read_zip_pictures(location, zip, |n| n.starts_with("Pictures/"), budget, out)
}

/// A part being built: its location, its text and its comments.
struct Container<'b, 'l> {
    location: String,
    text: TextBuilder<'b, 'l>,
    comments: TextBuilder<'b, 'l>,
    sheet: bool,
}

impl<'b, 'l> Container<'b, 'l> {
    fn new(location: String, budget: &'b Budget<'l>) -> Self {
        Container {
            location,
            text: TextBuilder::new(budget),
            comments: TextBuilder::new(budget),
            sheet: false,
        }
    }

    fn finish(self, out: &mut Extraction) {
        if !self.text.is_empty() {
            out.parts.push(self.text.finish(self.location.clone()));
        }
        if !self.comments.is_empty() {
            // A sheet's comments name their cell (`名单!C14 批注（张三）`);
            // others read `正文 › 批注（张三）`.
            let location = if self.sheet {
                self.location
            } else {
                format!("{} › 批注", self.location)
            };
            out.parts.push(self.comments.finish(location));
        }
    }
}

/// An annotation being read: its author and text.
#[derive(Default)]
struct Annotation {
    depth: usize,
    author: String,
    text: String,
    in_author: bool,
    in_meta: bool,
}

/// A spreadsheet row being read: (column, text) of its non-empty cells.
#[derive(Default)]
struct Row {
    repeat: u32,
    cells: Vec<(u32, u32, String)>,
}

fn repeat(e: &BytesStart<'_>, name: &str) -> u32 {
    xml::attr(e, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

fn read_content(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, "content.xml", budget)?;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut hidden_styles: Vec<String> = Vec::new();
    let mut style: Option<String> = None;
    let mut container: Option<Container> = None;
    let mut sheet_names: Vec<String> = Vec::new();
    let mut in_sheet_doc = false;
    let mut slide = 0usize;
    let mut notes: Option<(usize, Container)> = None;
    // Spots from open elements: (depth, suffix).
    let mut spots: Vec<(usize, String)> = Vec::new();
    let mut annotation: Option<Annotation> = None;
    let mut row: Option<Row> = None;
    let (mut row_index, mut col_index) = (0u32, 0u32);
    let mut cell: Option<(u32, String)> = None;
    let mut last_row: Option<u32> = None;
    loop {
        buf.clear();
        let event = reader.next(&mut buf, budget)?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            if !empty {
                depth += 1;
            }
            let name = xml::local(&e);
            if let Some(a) = annotation.as_mut() {
                match name.as_str() {
                    "creator" => a.in_author = !empty,
                    "date" | "date-string" => a.in_meta = !empty,
                    "p" | "h" if !a.text.is_empty() && !empty => a.text.push('\n'),
                    "s" => a.text.push(' '),
                    "tab" => a.text.push('\t'),
                    "line-break" => a.text.push('\n'),
                    _ => {}
                }
                continue;
            }
            match name.as_str() {
                "style" if !empty => style = xml::attr(&e, "name"),
                "table-properties" if xml::attr(&e, "display").as_deref() == Some("false") => {
                    hidden_styles.extend(style.clone())
                }
                "spreadsheet" => in_sheet_doc = true,
                "text" if depth == 3 && container.is_none() => {
                    container = Some(Container::new(format!("{location} › 正文"), budget))
                }
                "table" if in_sheet_doc && !empty => {
                    let sheet = xml::attr(&e, "name").unwrap_or_default();
                    let hidden =
                        xml::attr(&e, "style-name").is_some_and(|s| hidden_styles.contains(&s));
                    let shown = if hidden {
                        format!("隐藏工作表 {sheet}")
                    } else {
                        sheet.clone()
                    };
                    sheet_names.push(sheet);
                    let mut sheet = Container::new(format!("{location} › {shown}"), budget);
                    sheet.sheet = true;
                    if let Some(c) = container.replace(sheet) {
                        c.finish(out);
                    }
                    (row_index, last_row) = (0, None);
                }
                "table-row" if in_sheet_doc => {
                    let r = Row {
                        repeat: repeat(&e, "number-rows-repeated"),
                        cells: Vec::new(),
                    };
                    col_index = 0;
                    if empty {
                        row_index = row_index.saturating_add(r.repeat);
                    } else {
                        row = Some(r);
                    }
                }
                "table-cell" | "covered-table-cell" if in_sheet_doc => {
                    let n = repeat(&e, "number-columns-repeated");
                    if empty {
                        col_index = col_index.saturating_add(n);
                    } else {
                        cell = Some((n, String::new()));
                    }
                }
                "page" if !empty && xml::local(&e) == "page" && notes.is_none() => {
                    slide += 1;
                    let here = format!("{location} › 第{slide}张幻灯片");
                    if let Some(c) = container.replace(Container::new(here, budget)) {
                        c.finish(out);
                    }
                }
                "notes" if !empty => {
                    let here = format!("{location} › 第{slide}张幻灯片 › 备注");
                    notes = Some((depth, Container::new(here, budget)));
                }
                "frame" if !empty && xml::attr(&e, "class").as_deref() == Some("title") => {
                    spots.push((depth, " › 标题".into()))
                }
                "text-box" if !empty && !in_sheet_doc && slide == 0 => {
                    spots.push((depth, " › 文本框".into()))
                }
                "note" if !empty => {
                    let kind = if xml::attr(&e, "note-class").as_deref() == Some("endnote") {
                        " › 尾注"
                    } else {
                        " › 脚注"
                    };
                    spots.push((depth, kind.into()));
                }
                "note-citation" if !empty => spots.push((depth, "\u{0}".into())),
                "annotation" if !empty => {
                    annotation = Some(Annotation {
                        depth,
                        ..Annotation::default()
                    })
                }
                _ => {}
            }
            let skipping = spots.last().is_some_and(|(_, s)| s == "\u{0}");
            let target = match (&mut cell, &mut notes, &mut container) {
                (Some((_, text)), _, _) => Target::Cell(text),
                (_, Some((_, n)), _) => Target::Builder(&mut n.text),
                (_, _, Some(c)) => Target::Builder(&mut c.text),
                _ => Target::None,
            };
            let label = label_of(&spots);
            match name.as_str() {
                "s" if !skipping => target.push(" ", label)?,
                "tab" if !skipping => target.push("\t", label)?,
                "line-break" if !skipping => target.push("\n", label)?,
                _ => {}
            }
            continue;
        }
        match event {
            Event::End(e) => {
                let name = e.local_name().as_ref().as_bytes().to_vec();
                if let Some(a) = annotation.as_mut() {
                    match name.as_slice() {
                        b"creator" => a.in_author = false,
                        b"date" | b"date-string" => a.in_meta = false,
                        _ => {}
                    }
                    if a.depth == depth {
                        let a = annotation.take().expect("open");
                        let author = if a.author.trim().is_empty() {
                            "未署名".to_string()
                        } else {
                            a.author.trim().to_string()
                        };
                        let spot = match &cell {
                            Some(_) => {
                                format!("!{} 批注（{author}）", cell_ref(row_index, col_index))
                            }
                            None => format!("（{author}）"),
                        };
                        let c = notes.as_mut().map(|(_, c)| c).or(container.as_mut());
                        if let Some(c) = c {
                            if !a.text.trim().is_empty() {
                                c.comments
                                    .push(a.text.trim(), Some(SpotLabel::Suffix(spot)))?;
                                c.comments.push("\n", None)?;
                            }
                        }
                    }
                    depth = depth.saturating_sub(1);
                    continue;
                }
                match name.as_slice() {
                    b"p" | b"h" => match (&mut cell, &mut notes, &mut container) {
                        (Some((_, text)), _, _) if !text.is_empty() && !text.ends_with(' ') => {
                            text.push(' ')
                        }
                        (_, Some((_, n)), _) if !n.text.ends_with_newline() => {
                            n.text.push("\n", None)?
                        }
                        (_, _, Some(c)) if !c.text.ends_with_newline() => {
                            c.text.push("\n", None)?
                        }
                        _ => {}
                    },
                    b"table-cell" | b"covered-table-cell" if in_sheet_doc => {
                        if let Some((n, text)) = cell.take() {
                            let text = text.trim().to_string();
                            if !text.is_empty() {
                                if let Some(r) = row.as_mut() {
                                    r.cells.push((col_index, n, text));
                                }
                            }
                            col_index = col_index.saturating_add(n);
                        }
                    }
                    b"table-row" if in_sheet_doc => {
                        if let (Some(r), Some(c)) = (row.take(), container.as_mut()) {
                            if !r.cells.is_empty() {
                                for rr in 0..r.repeat {
                                    let at = row_index.saturating_add(rr);
                                    if last_row.is_some() {
                                        c.text.push("\n", None)?;
                                    }
                                    last_row = Some(at);
                                    let mut first = true;
                                    for (col, n, text) in &r.cells {
                                        for k in 0..*n {
                                            budget.add_cell()?;
                                            if !first {
                                                c.text.push("\t", None)?;
                                            }
                                            first = false;
                                            c.text.push(
                                                text,
                                                Some(SpotLabel::Cell {
                                                    row: at,
                                                    col: col.saturating_add(k),
                                                }),
                                            )?;
                                        }
                                    }
                                }
                            }
                            row_index = row_index.saturating_add(r.repeat);
                        }
                    }
                    b"notes" => {
                        if let Some((d, n)) = notes.take() {
                            if d == depth {
                                n.finish(out);
                            } else {
                                notes = Some((d, n));
                            }
                        }
                    }
                    _ => {}
                }
                while spots.last().is_some_and(|(d, _)| *d >= depth) {
                    spots.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => on_text(
                &t.xml10_content(),
                &mut annotation,
                &mut cell,
                &mut notes,
                &mut container,
                &spots,
            )?,
            Event::GeneralRef(r) => on_text(
                &xml::resolve_ref(&r),
                &mut annotation,
                &mut cell,
                &mut notes,
                &mut container,
                &spots,
            )?,
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(c) = container {
        c.finish(out);
    }
    let names = sheet_names.join("\n");
    if in_sheet_doc && !names.trim().is_empty() {
        budget.add_text(names.len())?;
        out.parts.push(Part::new(
            format!("{location} › 工作表名称"),
            Format::Text,
            names,
        ));
    }
    Ok(())
}

/// Where text goes: a cell being read, or a part.
enum Target<'a, 'b, 'l> {
    Cell(&'a mut String),
    Builder(&'a mut TextBuilder<'b, 'l>),
    None,
}

impl Target<'_, '_, '_> {
    fn push(self, s: &str, label: Option<SpotLabel>) -> Result<(), AttachError> {
        match self {
            Target::Cell(text) => {
                text.push_str(s);
                Ok(())
            }
            Target::Builder(b) => b.push(s, label),
            Target::None => Ok(()),
        }
    }
}

fn label_of(spots: &[(usize, String)]) -> Option<SpotLabel> {
    let s: String = spots
        .iter()
        .map(|(_, s)| s.as_str())
        .filter(|s| *s != "\u{0}")
        .collect();
    (!s.is_empty()).then_some(SpotLabel::Suffix(s))
}

fn on_text<'b, 'l>(
    s: &str,
    annotation: &mut Option<Annotation>,
    cell: &mut Option<(u32, String)>,
    notes: &mut Option<(usize, Container<'b, 'l>)>,
    container: &mut Option<Container<'b, 'l>>,
    spots: &[(usize, String)],
) -> Result<(), AttachError> {
    if let Some(a) = annotation.as_mut() {
        if a.in_author {
            a.author.push_str(s);
        } else if !a.in_meta {
            a.text.push_str(s);
        }
        return Ok(());
    }
    if spots.last().is_some_and(|(_, s)| s == "\u{0}") {
        return Ok(()); // a note's citation mark (the "1" of footnote 1)
    }
    let target = match (cell, notes, container) {
        (Some((_, text)), _, _) => Target::Cell(text),
        (_, Some((_, n)), _) => Target::Builder(&mut n.text),
        (_, _, Some(c)) => Target::Builder(&mut c.text),
        _ => Target::None,
    };
    target.push(s, label_of(spots))
}

/// Headers and footers of the master pages in `styles.xml`.
fn read_margins(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, "styles.xml", budget)?;
    let mut head = TextBuilder::new(budget);
    let mut foot = TextBuilder::new(budget);
    let mut failed = None;
    let result = xml::for_each_text(&mut reader, budget, |path, _, text| {
        if failed.is_some() || !path.iter().any(|p| p == "master-page") {
            return;
        }
        let target = if path.iter().any(|p| p.starts_with("header")) {
            &mut head
        } else if path.iter().any(|p| p.starts_with("footer")) {
            &mut foot
        } else {
            return;
        };
        let r = target
            .push(text, None)
            .and_then(|_| target.push("\n", None));
        if let Err(e) = r {
            failed = Some(e);
        }
    });
    result?;
    if let Some(e) = failed {
        return Err(e);
    }
    for (label, b) in [("页眉", head), ("页脚", foot)] {
        if !b.is_empty() {
            out.parts.push(b.finish(format!("{location} › {label}")));
        }
    }
    Ok(())
}

/// `meta.xml` element (local name) → 中文 label.
const META: &[(&str, &str)] = &[
    ("title", "标题"),
    ("subject", "主题"),
    ("initial-creator", "作者"),
    ("keyword", "关键词"),
    ("description", "备注"),
    ("creator", "最后修改者"),
];

fn read_meta(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, "meta.xml", budget)?;
    let mut found: Vec<(String, String)> = Vec::new();
    xml::for_each_text(&mut reader, budget, |path, attrs, text| {
        let Some(last) = path.last() else { return };
        let label = if last == "user-defined" {
            let name = attrs
                .last()
                .and_then(|a| a.iter().find(|(k, _)| k == "name"))
                .map_or("", |(_, v)| v.as_str());
            format!("自定义属性（{name}）")
        } else {
            match META.iter().find(|(k, _)| k == last) {
                Some((_, l)) => l.to_string(),
                None => return,
            }
        };
        match found.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push_str(text),
            None => found.push((label, text.to_string())),
        }
    })?;
    for (label, value) in found {
        if value.trim().is_empty() {
            continue;
        }
        budget.add_text(value.len())?;
        out.parts.push(Part::new(
            format!("{location} › 文档属性：{label}"),
            Format::Text,
            value,
        ));
    }
    Ok(())
}
