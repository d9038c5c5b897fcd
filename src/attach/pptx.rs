//! Presentations (.pptx, PresentationML; WPS .dps saved as OOXML).
//!
//! Contract: slides in the order of `ppt/presentation.xml`'s slide list,
//! one part per slide, `演示.pptx › 第3张幻灯片`, a line per paragraph
//! (shapes, tables and groups in document order); the text of the slide's
//! title placeholder (`title`, `ctrTitle`) carries the spot ` › 标题`. Per
//! slide also its speaker notes (`第3张幻灯片 › 备注`, the slide-image and
//! slide-number placeholders left out) and its comments, legacy
//! (`ppt/comments/`, authors from `commentAuthors.xml`) and modern
//! (`modernComment_*.xml`, authors from `authors.xml`):
//! `第3张幻灯片 › 批注（张三）`. Then the document properties and the pictures
//! of `ppt/media/` (OCR, `图片 1`…). Not read: slide masters and layouts
//! (templates, not the slides' content), charts, SmartArt data, embedded
//! objects, audio and video.

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::part::{Extraction, SpotLabel};
use super::zipfile::Zip;
use super::{ooxml, pictures, xml};
use quick_xml::events::Event;

pub(super) fn read_pptx(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let main = ooxml::main_part(zip, budget, "ppt/presentation.xml");
    let rels = ooxml::relationships(zip, &main, budget)?;
    let order = slide_ids(zip, &main, budget)?;
    let legacy_authors = authors(zip, "ppt/commentAuthors.xml", "cmAuthor", budget);
    let modern_authors = authors(zip, "ppt/authors.xml", "author", budget);
    for (n, rel_id) in order.iter().enumerate() {
        let Some(slide) = rels.iter().find(|r| &r.id == rel_id) else {
            continue;
        };
        if zip.index_for_name(&slide.target).is_none() {
            continue;
        }
        let slide_location = format!("{location} › 第{}张幻灯片", n + 1);
        let target = slide.target.clone();
        let mut text = TextBuilder::new(budget);
        let result = read_shapes(zip, &target, budget, &mut text, false);
        if !text.is_empty() {
            out.parts.push(text.finish(slide_location.clone()));
        }
        if let Err(error) = result {
            budget.record(out, slide_location.clone(), error);
            if budget.stopped() {
                return Ok(());
            }
        }
        let slide_rels = ooxml::relationships(zip, &target, budget).unwrap_or_default();
        for rel in &slide_rels {
            if zip.index_for_name(&rel.target).is_none() {
                continue;
            }
            let (here, result) = match rel.kind.as_str() {
                "notesSlide" => {
                    let here = format!("{slide_location} › 备注");
                    let mut text = TextBuilder::new(budget);
                    let result = read_shapes(zip, &rel.target, budget, &mut text, true);
                    if !text.is_empty() {
                        out.parts.push(text.finish(here.clone()));
                    }
                    (here, result)
                }
                "comments" => {
                    let here = format!("{slide_location} › 批注");
                    let authors = if rel.target.contains("modernComment") {
                        &modern_authors
                    } else {
                        &legacy_authors
                    };
                    let mut text = TextBuilder::new(budget);
                    let result = read_comments(zip, &rel.target, authors, budget, &mut text);
                    if !text.is_empty() {
                        out.parts.push(text.finish(here.clone()));
                    }
                    (here, result)
                }
                _ => continue,
            };
            if let Err(error) = result {
                budget.record(out, here, error);
                if budget.stopped() {
                    return Ok(());
                }
            }
        }
    }
    ooxml::read_properties(location, zip, budget, out)?;
    let media = |n: &str| n.starts_with("ppt/media/");
    pictures::read_zip_pictures(location, zip, media, budget, out)
}

/// The relationship ids of the slides, in presentation order.
fn slide_ids(zip: &mut Zip, main: &str, budget: &Budget) -> Result<Vec<String>, AttachError> {
    let mut reader = xml::open(zip, main, budget)?;
    let mut buf = Vec::new();
    let mut ids = Vec::new();
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) | Event::Empty(e) if xml::local(&e) == "sldId" => {
                // `<p:sldId id="256" r:id="rId2"/>`: the prefixed one.
                if let Some(id) = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.prefix().is_some() && a.key.local_name().as_ref() == "id")
                {
                    ids.push(id.value.into_owned());
                }
            }
            Event::Eof => return Ok(ids),
            _ => {}
        }
    }
}

/// Author id → name, from a comment authors part (absent: none).
fn authors(zip: &mut Zip, name: &str, element: &str, budget: &Budget) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if zip.index_for_name(name).is_none() {
        return found;
    }
    let Ok(mut reader) = xml::open(zip, name, budget) else {
        return found;
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.next(&mut buf, budget) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if xml::local(&e) == element => {
                if let (Some(id), Some(name)) = (xml::attr(&e, "id"), xml::attr(&e, "name")) {
                    found.push((id, name));
                }
            }
            Ok(Event::Eof) | Err(_) => return found,
            _ => {}
        }
    }
}

/// The text of a slide or notes part: a line per `a:p`; the title
/// placeholder's text spotted ` › 标题`. In notes, the slide image and
/// number placeholders are left out.
fn read_shapes(
    zip: &mut Zip,
    name: &str,
    budget: &Budget,
    text: &mut TextBuilder,
    notes: bool,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, name, budget)?;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    // The depth of the current shape (`p:sp`) and whether it is the title
    // or a placeholder to leave out.
    let mut shape: Option<(usize, bool, bool)> = None;
    let mut in_text = false;
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) => {
                depth += 1;
                match xml::local(&e).as_str() {
                    "sp" => shape = Some((depth, false, false)),
                    "t" => in_text = true,
                    _ => {}
                }
            }
            Event::Empty(e) => match xml::local(&e).as_str() {
                "ph" => {
                    if let Some(s) = shape.as_mut() {
                        let kind = xml::attr(&e, "type").unwrap_or_default();
                        s.1 = matches!(kind.as_str(), "title" | "ctrTitle");
                        s.2 = notes
                            && matches!(kind.as_str(), "sldImg" | "sldNum" | "dt" | "hdr" | "ftr");
                    }
                }
                "br" => text.push("\n", None)?,
                _ => {}
            },
            Event::End(e) => {
                match e.local_name().as_ref() {
                    "t" => in_text = false,
                    "p" if !text.ends_with_newline() => text.push("\n", None)?,
                    "sp" if shape.is_some_and(|s| s.0 == depth) => shape = None,
                    _ => {}
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if in_text && !shape.is_some_and(|s| s.2) => {
                let label = shape
                    .is_some_and(|s| s.1)
                    .then(|| SpotLabel::Suffix(" › 标题".into()));
                text.push(&t.xml10_content(), label)?;
            }
            Event::GeneralRef(r) if in_text && !shape.is_some_and(|s| s.2) => {
                let label = shape
                    .is_some_and(|s| s.1)
                    .then(|| SpotLabel::Suffix(" › 标题".into()));
                text.push(&xml::resolve_ref(&r), label)?;
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// Comments (legacy `p:cm` with `p:text`, modern `p188:cm` with `a:t`): one
/// line per comment, spot `（作者）`.
fn read_comments(
    zip: &mut Zip,
    name: &str,
    authors: &[(String, String)],
    budget: &Budget,
    text: &mut TextBuilder,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, name, budget)?;
    let mut buf = Vec::new();
    let mut label: Option<SpotLabel> = None;
    let mut in_text = false;
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) => match xml::local(&e).as_str() {
                "cm" | "reply" => {
                    let author = xml::attr(&e, "authorId")
                        .and_then(|id| authors.iter().find(|(i, _)| *i == id))
                        .map(|(_, n)| n.trim().to_string())
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "未署名".into());
                    if !text.ends_with_newline() {
                        text.push("\n", None)?;
                    }
                    label = Some(SpotLabel::Suffix(format!("（{author}）")));
                }
                "text" | "t" => in_text = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "text" | "t" => in_text = false,
                "p" if !text.ends_with_newline() => text.push("\n", None)?,
                _ => {}
            },
            Event::Text(t) if in_text && label.is_some() => {
                text.push(&t.xml10_content(), label.clone())?
            }
            Event::GeneralRef(r) if in_text && label.is_some() => {
                text.push(&xml::resolve_ref(&r), label.clone())?
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}
