//! Word documents (.docx, WordprocessingML).
//!
//! Contract: one part per story, each a text with one line per paragraph
//! (`\t` for tabs, `\n` for breaks): `正文` (the main document), `页眉`,
//! `页脚`, `脚注`, `尾注` (one part per file), `批注` (all comments, one
//! spot per comment: `批注（张三）`), then the document properties.
//! Inside a story, tracked deletions and insertions and text boxes are lines
//! of their own where they stand (a label in a deleted revision is never
//! read as part of the next sentence), marked by a spot:
//! ` › 删除的修订（作者）` (`w:delText`, moved-from text), ` › 插入的修订（作者）`,
//! ` › 文本框`; hidden text (`w:vanish` on the run) stays in its sentence,
//! marked ` › 隐藏文字`. `mc:Fallback` copies
//! of text boxes are skipped (the `mc:Choice` copy is read), and field codes
//! (`w:instrText`) are not text.

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::part::{Extraction, SpotLabel};
use super::zipfile::Zip;
use super::{ooxml, xml};
use quick_xml::events::Event;
use std::collections::BTreeSet;

/// Elements whose text is a line of its own: revisions and text boxes.
const OWN_LINE: &[&str] = &["del", "moveFrom", "ins", "moveTo", "txbxContent"];

/// Which story a part is: comments carry an author per comment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Story {
    Plain,
    Comments,
}

/// The stories of a Word document, by relationship type: found however
/// their parts are named (`word/h1.xml` is a header if the relationships
/// say so).
const STORIES: &[(&str, &str, Story)] = &[
    ("header", "页眉", Story::Plain),
    ("footer", "页脚", Story::Plain),
    ("footnotes", "脚注", Story::Plain),
    ("endnotes", "尾注", Story::Plain),
    ("comments", "批注", Story::Comments),
];

/// Reads the body, the stories and the properties; returns the parts read
/// (the rest of the package is [`super::package::read_leftovers`]'s).
pub(super) fn read_docx(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<BTreeSet<String>, AttachError> {
    let main = ooxml::main_part(zip, budget, "word/document.xml");
    let rels = ooxml::relationships(zip, &main, budget)?;
    let dir = main.rfind('/').map_or("", |p| &main[..p + 1]).to_string();
    let mut stories: Vec<(String, &str, Story)> = vec![(main.clone(), "正文", Story::Plain)];
    for (kind, label, story) in STORIES {
        let mut targets: Vec<String> = if rels.is_empty() {
            // A package without relationships for its body (some
            // converters write none): the parts' conventional names.
            zip.file_names()
                .filter_map(Result::ok)
                .filter(|n| n.starts_with(&dir) && !n[dir.len()..].contains('/'))
                .filter(|n| n[dir.len()..].starts_with(kind) && n.ends_with(".xml"))
                .map(|n| n.into_owned())
                .collect()
        } else {
            rels.iter()
                .filter(|r| r.kind == *kind && zip.index_for_name(&r.target).is_some())
                .map(|r| r.target.clone())
                .collect()
        };
        // header2.xml before header10.xml.
        targets.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        targets.dedup();
        stories.extend(targets.into_iter().map(|t| (t, *label, *story)));
    }
    let mut read = BTreeSet::new();
    for (name, label, story) in stories {
        read.insert(name.clone());
        let part_location = format!("{location} › {label}");
        // What was read before an error is scanned too: a truncated file
        // still shows the marking at its top.
        let mut text = TextBuilder::new(budget);
        let result = read_story(zip, &name, budget, story, &mut text);
        if !text.is_empty() {
            out.parts.push(text.finish(part_location.clone()));
        }
        if let Err(error) = result {
            budget.record(out, part_location, error);
            if budget.stopped() {
                return Ok(read);
            }
        }
    }
    ooxml::read_properties(location, zip, budget, out)?;
    Ok(read)
}

/// One open element that changes how its text is located.
struct Context {
    depth: usize,
    suffix: String,
}

fn read_story(
    zip: &mut Zip,
    name: &str,
    budget: &Budget,
    story: Story,
    text: &mut TextBuilder,
) -> Result<(), AttachError> {
    let mut reader = xml::open(zip, name, budget)?;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut contexts: Vec<Context> = Vec::new();
    let mut skip_to: Option<usize> = None;
    let mut run: Option<usize> = None;
    let mut run_props = false;
    let mut hidden = false;
    let mut in_text = false;
    let label = |contexts: &[Context], hidden: bool| -> Option<SpotLabel> {
        if contexts.is_empty() && !hidden {
            return None;
        }
        let mut s: String = contexts.iter().map(|c| c.suffix.as_str()).collect();
        if hidden {
            s.push_str(" › 隐藏文字");
        }
        Some(SpotLabel::Suffix(s))
    };
    let author = |e: &quick_xml::events::BytesStart<'_>| match xml::attr(e, "author") {
        Some(a) if !a.trim().is_empty() => format!("（{}）", a.trim()),
        _ => String::new(),
    };
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) => {
                depth += 1;
                if skip_to.is_some() {
                    continue;
                }
                let local = xml::local(&e);
                if OWN_LINE.contains(&local.as_str()) && !text.ends_with_newline() {
                    text.push("\n", None)?;
                }
                match local.as_str() {
                    "Fallback" | "instrText" => skip_to = Some(depth),
                    "del" | "moveFrom" => contexts.push(Context {
                        depth,
                        suffix: format!(" › 删除的修订{}", author(&e)),
                    }),
                    "ins" | "moveTo" => contexts.push(Context {
                        depth,
                        suffix: format!(" › 插入的修订{}", author(&e)),
                    }),
                    "txbxContent" => contexts.push(Context {
                        depth,
                        suffix: " › 文本框".into(),
                    }),
                    "comment" if story == Story::Comments => contexts.push(Context {
                        depth,
                        suffix: match xml::attr(&e, "author") {
                            Some(a) if !a.trim().is_empty() => format!("（{}）", a.trim()),
                            _ => "（未署名）".into(),
                        },
                    }),
                    "r" => {
                        run = Some(depth);
                        hidden = false;
                    }
                    "rPr" if run == Some(depth - 1) => run_props = true,
                    "vanish" if run_props => hidden = xml::is_on(&e),
                    "t" | "delText" => in_text = run.is_some() || story == Story::Comments,
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skip_to.is_some() {
                    continue;
                }
                let in_run_body = run.is_some() && !run_props;
                match xml::local(&e).as_str() {
                    "vanish" if run_props => hidden = xml::is_on(&e),
                    "tab" | "ptab" if in_run_body => text.push("\t", label(&contexts, hidden))?,
                    "br" | "cr" if in_run_body => text.push("\n", label(&contexts, hidden))?,
                    "p" => text.push("\n", None)?,
                    _ => {}
                }
            }
            Event::End(e) => {
                if skip_to == Some(depth) {
                    skip_to = None;
                } else if skip_to.is_none() {
                    match e.local_name().as_ref() {
                        "t" | "delText" => in_text = false,
                        "rPr" => run_props = false,
                        "r" => {
                            run = None;
                            hidden = false;
                        }
                        "p" | "comment" if !text.ends_with_newline() => {
                            text.push("\n", None)?;
                        }
                        name if OWN_LINE.contains(&name) && !text.ends_with_newline() => {
                            text.push("\n", None)?;
                        }
                        _ => {}
                    }
                    while contexts.last().is_some_and(|c| c.depth >= depth) {
                        contexts.pop();
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if in_text && skip_to.is_none() => {
                text.push(&t.xml10_content(), label(&contexts, hidden))?
            }
            Event::CData(t) if in_text && skip_to.is_none() => {
                text.push(&t, label(&contexts, hidden))?
            }
            Event::GeneralRef(r) if in_text && skip_to.is_none() => {
                text.push(&xml::resolve_ref(&r), label(&contexts, hidden))?
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}
