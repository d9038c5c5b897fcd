//! What .docx and .xlsx share: relationship files and document properties.
//!
//! Contract: [`relationships`] resolves each target to a path inside the
//! archive (relative targets against the source part's folder, `/`-rooted
//! ones from the archive root); [`read_properties`] emits one part per
//! non-empty property of `docProps/core.xml`, `app.xml` and `custom.xml`,
//! located `文档属性：作者` and so on. A damaged properties file is a problem
//! of its own and does not stop the rest of the document.

use super::budget::Budget;
use super::error::AttachError;
use super::part::{Extraction, Part};
use super::xml;
use super::zipfile::Zip;
use crate::engine::Format;

/// One relationship: its id, type (the last segment of the type URI, e.g.
/// `comments`) and resolved target path.
pub(super) struct Relationship {
    pub id: String,
    pub kind: String,
    pub target: String,
}

/// The relationships of `part` (`xl/workbook.xml` → `xl/_rels/workbook.xml.rels`);
/// none when the file is absent.
pub(super) fn relationships(
    zip: &mut Zip,
    part: &str,
    budget: &Budget,
) -> Result<Vec<Relationship>, AttachError> {
    let (dir, file) = match part.rfind('/') {
        Some(p) => (&part[..p + 1], &part[p + 1..]),
        None => ("", part),
    };
    let rels_name = format!("{dir}_rels/{file}.rels");
    if zip.index_for_name(&rels_name).is_none() {
        return Ok(Vec::new());
    }
    let mut reader = xml::open(zip, &rels_name, budget)?;
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if xml::local(&e) == "Relationship" =>
            {
                if xml::attr(&e, "TargetMode").as_deref() == Some("External") {
                    continue;
                }
                let (Some(id), Some(target)) = (xml::attr(&e, "Id"), xml::attr(&e, "Target"))
                else {
                    continue;
                };
                let kind = xml::attr(&e, "Type")
                    .and_then(|t| t.rsplit('/').next().map(str::to_string))
                    .unwrap_or_default();
                out.push(Relationship {
                    id,
                    kind,
                    target: resolve(dir, &target),
                });
            }
            quick_xml::events::Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// `target` relative to `dir` (which ends in `/` or is empty), with `..`
/// segments applied.
fn resolve(dir: &str, target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("{dir}{target}"),
    };
    let mut segments: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    segments.join("/")
}

/// The main part named in `_rels/.rels`, or `fallback`.
pub(super) fn main_part(zip: &mut Zip, budget: &Budget, fallback: &str) -> String {
    relationships(zip, "", budget)
        .ok()
        .and_then(|rels| {
            rels.into_iter()
                .find(|r| r.kind == "officeDocument" && zip.index_for_name(&r.target).is_some())
        })
        .map_or_else(|| fallback.to_string(), |r| r.target)
}

/// Property element (local name) → 中文 label.
const PROPERTIES: &[(&str, &str)] = &[
    ("title", "标题"),
    ("subject", "主题"),
    ("creator", "作者"),
    ("keywords", "关键词"),
    ("description", "备注"),
    ("lastModifiedBy", "最后修改者"),
    ("category", "类别"),
    ("contentStatus", "状态"),
    ("Company", "单位"),
    ("Manager", "经理"),
];

/// Reads the document properties into one part per property.
pub(super) fn read_properties(
    location: &str,
    zip: &mut Zip,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    for file in [
        "docProps/core.xml",
        "docProps/app.xml",
        "docProps/custom.xml",
    ] {
        if zip.index_for_name(file).is_none() {
            continue;
        }
        let mut found: Vec<(String, String)> = Vec::new();
        let result = xml::open(zip, file, budget).and_then(|mut reader| {
            xml::for_each_text(&mut reader, budget, |path, attrs, text| {
                let label = if file.ends_with("custom.xml") {
                    // <property name="密级"><vt:lpwstr>机密</vt:lpwstr></property>
                    let Some(i) = path.iter().rposition(|p| p == "property") else {
                        return;
                    };
                    let name = attrs[i]
                        .iter()
                        .find(|(k, _)| k == "name")
                        .map_or("", |(_, v)| v.as_str());
                    format!("自定义属性（{name}）")
                } else {
                    // Direct children of the root only (app.xml's
                    // TitlesOfParts repeats sheet names, read elsewhere).
                    if path.len() != 2 {
                        return;
                    }
                    match PROPERTIES.iter().find(|(k, _)| *k == path[1]) {
                        Some((_, label)) => label.to_string(),
                        None => return,
                    }
                };
                match found.iter_mut().find(|(l, _)| *l == label) {
                    Some((_, v)) => v.push_str(text),
                    None => found.push((label, text.to_string())),
                }
            })
        });
        if let Err(error) = result {
            budget.record(out, format!("{location} › 文档属性（{file}）"), error);
            if budget.stopped() {
                return Ok(());
            }
            continue;
        }
        // Title first, as a person reads the properties dialog.
        let rank = |label: &str| {
            PROPERTIES
                .iter()
                .position(|(_, l)| *l == label)
                .unwrap_or(PROPERTIES.len())
        };
        found.sort_by_key(|(label, _)| rank(label));
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn targets_resolve_against_the_source_folder() {
        for (dir, target, want) in [
            ("xl/", "worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
            ("xl/worksheets/", "../comments1.xml", "xl/comments1.xml"),
            ("xl/", "/xl/sharedStrings.xml", "xl/sharedStrings.xml"),
            ("", "word/document.xml", "word/document.xml"),
        ] {
            assert_eq!(resolve(dir, target), want, "{dir} + {target}");
        }
    }
}
