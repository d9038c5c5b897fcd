//! OFD (GB/T 33190-2016, the format of 电子公文): a zip package whose
//! `OFD.xml` names each document (`DocBody` → `DocRoot`) and its metadata
//! (`DocInfo`).
//!
//! Contract: per document (the package may hold several: `公文.ofd › 文档2`
//! from the second on), every page of `Document.xml`'s `Pages` in order, one
//! part per page (`公文.ofd › 第1页`): its `TextObject`s' `TextCode`s placed
//! by position (the object's `Boundary` plus the code's `X`/`Y`, in mm) and
//! read in reading order: lines top to bottom (codes whose baselines are
//! within 1.5 mm are one line), left to right within a line, a space where
//! two objects are more than 1 mm apart. `PageBlock`s are read through; the
//! page's templates (`Template`, `TemplatePage`) are read as the part
//! `第1页 › 模板`. Annotations (`Annotations.xml` → per page `PageAnnot`):
//! each `Annot`'s `Remark` and the text of its `Appearance`, located
//! `第1页 › 注释（Creator）`. Metadata: `Title`, `Author`, `Subject`,
//! `Abstract`, `Keywords`, `Creator`, and each `CustomData` by its `Name`,
//! as `文档属性：标题` and so on. Attachments (`Attachments.xml`) are read
//! as files of their own through `read_file` (`公文.ofd › 附件 说明.docx`), and
//! every picture in the package by OCR (`图片 1`…). Paths are resolved
//! against the referring file's folder, then the package root. Not read:
//! text drawn as paths (`PathObject`), composite graphic units, signatures'
//! own data (a seal is a picture, read as such).

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::part::{Extraction, Part};
use super::zipfile::{read_entry, Zip};
use super::{pictures, xml};
use crate::engine::Format;
use quick_xml::events::Event;

/// Reads an attached file as the attachment itself is read (the same
/// signature as `archive::ReadEntry`, spelled out so that this file does
/// not import the archive reader that calls it).
type ReadEntry = fn(&str, &str, &[u8], usize, &Budget, &mut Extraction);

/// One `TextCode` placed on the page.
struct Placed {
    x: f64,
    y: f64,
    /// The right edge of its text object (for spacing between objects).
    right: f64,
    object: usize,
    text: String,
}

pub(super) fn read_ofd(
    location: &str,
    zip: &mut Zip,
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
    read_file: ReadEntry,
) -> Result<(), AttachError> {
    let bodies = read_root(zip, budget)?;
    let many = bodies.len() > 1;
    for (n, (root, info)) in bodies.into_iter().enumerate() {
        let doc_location = if many && n > 0 {
            format!("{location} › 文档{}", n + 1)
        } else {
            location.to_string()
        };
        for (label, value) in info {
            if value.trim().is_empty() {
                continue;
            }
            budget.add_text(value.len())?;
            out.parts.push(Part::new(
                format!("{doc_location} › 文档属性：{label}"),
                Format::Text,
                value,
            ));
        }
        let Some(root) = resolve(zip, "", &root) else {
            budget.record(
                out,
                doc_location,
                AttachError::malformed("OFD", format!("DocRoot {root} is missing")),
            );
            continue;
        };
        if let Err(error) = read_document(&doc_location, zip, &root, depth, budget, out, read_file)
        {
            budget.record(out, doc_location, error);
        }
        if budget.stopped() {
            return Ok(());
        }
    }
    let is_picture = |n: &str| {
        let ext = super::sniff::extension(n);
        super::picture::EXTENSIONS.contains(&ext.as_str())
    };
    pictures::read_zip_pictures(location, zip, is_picture, budget, out)
}

/// `path` as referred to from the file `from` (see the module docs).
fn resolve(zip: &Zip, from: &str, path: &str) -> Option<String> {
    let path = path.trim();
    if let Some(absolute) = path.strip_prefix('/') {
        return zip.index_for_name(absolute).map(|_| absolute.to_string());
    }
    let dir = from.rfind('/').map_or("", |p| &from[..p + 1]);
    let mut segments: Vec<&str> = Vec::new();
    let joined = format!("{dir}{path}");
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let relative = segments.join("/");
    if zip.index_for_name(&relative).is_some() {
        return Some(relative);
    }
    zip.index_for_name(path).map(|_| path.to_string())
}

/// `DocInfo` element → 中文 label.
const INFO: &[(&str, &str)] = &[
    ("Title", "标题"),
    ("Author", "作者"),
    ("Subject", "主题"),
    ("Abstract", "摘要"),
    ("Keyword", "关键词"),
    ("Creator", "创建程序"),
];

/// Each `DocBody`: its `DocRoot` and its metadata.
#[allow(clippy::type_complexity)]
fn read_root(
    zip: &mut Zip,
    budget: &Budget,
) -> Result<Vec<(String, Vec<(String, String)>)>, AttachError> {
    let mut reader = xml::open(zip, "OFD.xml", budget)?;
    let mut bodies: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut custom = String::new();
    loop {
        buf.clear();
        let text = match reader.next(&mut buf, budget)? {
            Event::Start(e) => {
                let name = xml::local(&e);
                if name == "DocBody" {
                    bodies.push((String::new(), Vec::new()));
                }
                if name == "CustomData" {
                    custom = xml::attr(&e, "Name").unwrap_or_default();
                }
                path.push(name);
                continue;
            }
            Event::End(_) => {
                path.pop();
                continue;
            }
            Event::Text(t) => t.xml10_content().into_owned(),
            Event::GeneralRef(r) => xml::resolve_ref(&r),
            Event::Eof => break,
            _ => continue,
        };
        let (Some(body), Some(last)) = (bodies.last_mut(), path.last()) else {
            continue;
        };
        if last == "DocRoot" {
            body.0.push_str(text.trim());
            continue;
        }
        let label = if last == "CustomData" {
            format!("自定义属性（{custom}）")
        } else {
            match INFO.iter().find(|(k, _)| k == last) {
                Some((_, l)) => l.to_string(),
                None => continue,
            }
        };
        match body.1.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => {
                v.push(' ');
                v.push_str(&text)
            }
            None => body.1.push((label, text)),
        }
    }
    bodies.retain(|b| !b.0.is_empty());
    if bodies.is_empty() {
        return Err(AttachError::malformed("OFD", "OFD.xml names no DocRoot"));
    }
    Ok(bodies)
}

/// What `Document.xml` points to.
#[derive(Default)]
struct DocumentMap {
    pages: Vec<(String, String)>,
    templates: Vec<(String, String)>,
    annotations: Option<String>,
    attachments: Option<String>,
}

fn read_document(
    location: &str,
    zip: &mut Zip,
    root: &str,
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
    read_file: ReadEntry,
) -> Result<(), AttachError> {
    let mut map = DocumentMap::default();
    {
        let mut reader = xml::open(zip, root, budget)?;
        let mut buf = Vec::new();
        let mut in_tag: Option<String> = None;
        loop {
            buf.clear();
            match reader.next(&mut buf, budget)? {
                Event::Start(e) | Event::Empty(e) => {
                    let name = xml::local(&e);
                    match name.as_str() {
                        "Page" => map.pages.push((
                            xml::attr(&e, "ID").unwrap_or_default(),
                            xml::attr(&e, "BaseLoc").unwrap_or_default(),
                        )),
                        "TemplatePage" => map.templates.push((
                            xml::attr(&e, "ID").unwrap_or_default(),
                            xml::attr(&e, "BaseLoc").unwrap_or_default(),
                        )),
                        "Annotations" | "Attachments" => in_tag = Some(name),
                        _ => {}
                    }
                }
                Event::Text(t) => match in_tag.as_deref() {
                    Some("Annotations") => {
                        map.annotations = Some(t.xml10_content().trim().to_string())
                    }
                    Some("Attachments") => {
                        map.attachments = Some(t.xml10_content().trim().to_string())
                    }
                    _ => {}
                },
                Event::End(_) => in_tag = None,
                Event::Eof => break,
                _ => {}
            }
        }
    }
    let mut page_ids = Vec::new();
    for (n, (id, base)) in map.pages.iter().enumerate() {
        budget.check_time()?;
        let here = format!("{location} › 第{}页", n + 1);
        page_ids.push((id.clone(), n + 1));
        let Some(path) = resolve(zip, root, base) else {
            budget.record(
                out,
                here,
                AttachError::malformed("OFD page", format!("{base} is missing")),
            );
            continue;
        };
        let mut templates = Vec::new();
        let result = read_content(zip, &path, budget, Some(&mut templates)).and_then(|text| {
            push_text(out, &here, text, budget)?;
            for template in templates {
                let Some((_, base)) = map.templates.iter().find(|(id, _)| *id == template) else {
                    continue;
                };
                if let Some(tpath) = resolve(zip, root, base) {
                    let text = read_content(zip, &tpath, budget, None)?;
                    push_text(out, &format!("{here} › 模板"), text, budget)?;
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            budget.record(out, here, error);
            if budget.stopped() {
                return Ok(());
            }
        }
    }
    if let Some(annotations) = map
        .annotations
        .as_deref()
        .and_then(|a| resolve(zip, root, a))
    {
        if let Err(error) = read_annotations(location, zip, &annotations, &page_ids, budget, out) {
            budget.record(out, format!("{location} › 注释"), error);
        }
    }
    if let Some(attachments) = map
        .attachments
        .as_deref()
        .and_then(|a| resolve(zip, root, a))
    {
        read_attachments(location, zip, &attachments, depth, budget, out, read_file)?;
    }
    Ok(())
}

fn push_text(
    out: &mut Extraction,
    location: &str,
    text: String,
    budget: &Budget,
) -> Result<(), AttachError> {
    if !text.trim().is_empty() {
        budget.add_text(text.len())?;
        out.parts
            .push(Part::new(location.to_string(), Format::Text, text));
    }
    Ok(())
}

fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// The text of a content file (a page, a template, an annotation's
/// appearance) in reading order; `templates` collects the page's template ids.
fn read_content(
    zip: &mut Zip,
    name: &str,
    budget: &Budget,
    mut templates: Option<&mut Vec<String>>,
) -> Result<String, AttachError> {
    let mut reader = xml::open(zip, name, budget)?;
    let mut buf = Vec::new();
    let mut placed: Vec<Placed> = Vec::new();
    let mut object = 0usize;
    let mut boundary = (0.0, 0.0, 0.0);
    let mut code: Option<(f64, f64, String)> = None;
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) | Event::Empty(e) => match xml::local(&e).as_str() {
                "TextObject" => {
                    object += 1;
                    let b = numbers(&xml::attr(&e, "Boundary").unwrap_or_default());
                    boundary = (
                        b.first().copied().unwrap_or(0.0),
                        b.get(1).copied().unwrap_or(0.0),
                        b.get(2).copied().unwrap_or(0.0),
                    );
                }
                "TextCode" => {
                    let x = xml::attr(&e, "X")
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0.0);
                    let y = xml::attr(&e, "Y")
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0.0);
                    code = Some((boundary.0 + x, boundary.1 + y, String::new()));
                }
                "Template" => {
                    if let (Some(t), Some(id)) =
                        (templates.as_deref_mut(), xml::attr(&e, "TemplateID"))
                    {
                        t.push(id);
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some((_, _, text)) = code.as_mut() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, _, text)) = code.as_mut() {
                    text.push_str(&xml::resolve_ref(&r));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "TextCode" => {
                if let Some((x, y, text)) = code.take() {
                    budget.add_text(text.len())?;
                    placed.push(Placed {
                        x,
                        y,
                        right: boundary.0 + boundary.2,
                        object,
                        text,
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(reading_order(placed))
}

/// Lines top to bottom, left to right (see the module docs).
fn reading_order(mut placed: Vec<Placed>) -> String {
    placed.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<Vec<Placed>> = Vec::new();
    for p in placed {
        match lines.last_mut() {
            Some(line) if (p.y - line[0].y).abs() <= 1.5 => line.push(p),
            _ => lines.push(vec![p]),
        }
    }
    let mut out = String::new();
    for mut line in lines {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut prev: Option<&Placed> = None;
        for p in &line {
            if let Some(q) = prev {
                if q.object != p.object && p.x > q.right + 1.0 {
                    out.push(' ');
                }
            }
            out.push_str(&p.text);
            prev = Some(p);
        }
        out.push('\n');
    }
    out
}

fn read_annotations(
    location: &str,
    zip: &mut Zip,
    name: &str,
    pages: &[(String, usize)],
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut files: Vec<(String, String)> = Vec::new();
    {
        let mut reader = xml::open(zip, name, budget)?;
        xml::for_each_text(&mut reader, budget, |path, attrs, text| {
            if path.last().map(String::as_str) != Some("FileLoc") || path.len() < 2 {
                return;
            }
            let page = attrs[path.len() - 2]
                .iter()
                .find(|(k, _)| k == "PageID")
                .map_or(String::new(), |(_, v)| v.clone());
            files.push((page, text.trim().to_string()));
        })?;
    }
    for (page, file) in files {
        let number = pages
            .iter()
            .find(|(id, _)| *id == page)
            .map_or(0, |(_, n)| *n);
        let here = if number > 0 {
            format!("{location} › 第{number}页 › 注释")
        } else {
            format!("{location} › 注释")
        };
        let Some(path) = resolve(zip, name, &file) else {
            budget.record(
                out,
                here,
                AttachError::malformed("OFD annotation", format!("{file} is missing")),
            );
            continue;
        };
        if let Err(error) = read_page_annotations(&here, zip, &path, budget, out) {
            budget.record(out, here, error);
        }
    }
    Ok(())
}

/// One `PageAnnot` file: each `Annot`'s remark and appearance text.
fn read_page_annotations(
    here: &str,
    zip: &mut Zip,
    name: &str,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut annots: Vec<(String, String)> = Vec::new();
    let mut reader = xml::open(zip, name, budget)?;
    xml::for_each_text(&mut reader, budget, |path, attrs, text| {
        let Some(i) = path.iter().rposition(|p| p == "Annot") else {
            return;
        };
        if !(path.iter().any(|p| p == "Remark") || path.iter().any(|p| p == "TextCode")) {
            return;
        }
        let creator = attrs[i]
            .iter()
            .find(|(k, _)| k == "Creator")
            .map_or("", |(_, v)| v.as_str());
        let key = format!(
            "{}#{}",
            attrs[i]
                .iter()
                .find(|(k, _)| k == "ID")
                .map_or("", |(_, v)| v.as_str()),
            creator
        );
        match annots.last_mut() {
            Some((k, v)) if *k == key => v.push_str(text),
            _ => annots.push((key, text.to_string())),
        }
    })?;
    let mut builder = TextBuilder::new(budget);
    for (key, text) in annots {
        let creator = key.split_once('#').map_or("", |(_, c)| c).trim();
        let creator = if creator.is_empty() {
            "未署名"
        } else {
            creator
        };
        builder.push(
            text.trim(),
            Some(super::part::SpotLabel::Suffix(format!("（{creator}）"))),
        )?;
        builder.push("\n", None)?;
    }
    if !builder.is_empty() {
        out.parts.push(builder.finish(here.to_string()));
    }
    Ok(())
}

fn read_attachments(
    location: &str,
    zip: &mut Zip,
    name: &str,
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
    read_file: ReadEntry,
) -> Result<(), AttachError> {
    let mut files: Vec<(String, String)> = Vec::new();
    {
        let mut reader = xml::open(zip, name, budget)?;
        xml::for_each_text(&mut reader, budget, |path, attrs, text| {
            if path.last().map(String::as_str) != Some("FileLoc") || path.len() < 2 {
                return;
            }
            let shown = attrs[path.len() - 2]
                .iter()
                .find(|(k, _)| k == "Name")
                .map_or(String::new(), |(_, v)| v.clone());
            files.push((shown, text.trim().to_string()));
        })?;
    }
    for (shown, file) in files {
        let shown = if shown.is_empty() {
            file.rsplit('/').next().unwrap_or(&file).to_string()
        } else {
            shown
        };
        let here = format!("{location} › 附件 {shown}");
        let Some(path) = resolve(zip, name, &file) else {
            budget.record(
                out,
                here,
                AttachError::malformed("OFD attachment", format!("{file} is missing")),
            );
            continue;
        };
        let Some(index) = zip.index_for_name(&path) else {
            continue;
        };
        match read_entry(zip, index, budget, None) {
            Ok(bytes) => read_file(&here, &shown, &bytes, depth + 1, budget, out),
            Err(error) => budget.record(out, here, error),
        }
        if budget.stopped() {
            return Ok(());
        }
    }
    Ok(())
}
