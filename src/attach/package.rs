//! What an Office package holds besides what its reader reads: every entry
//! of a .docx/.xlsx is accounted for, so that nothing in it passes unseen.
//!
//! Contract of [`read_leftovers`] (called after the document's own reader):
//! - The package's parts are found by following its relationships from
//!   `_rels/.rels` (a header named `h1.xml` is found as a header, not missed
//!   for its name).
//! - Parts that are documents of their own are read as files, with their own
//!   location: `w:altChunk` targets (embedded HTML, RTF, text, .docx) and
//!   embedded objects and packages (`word/embeddings/…`).
//! - Parts that hold text but no reader reads them as such (charts,
//!   drawings, diagrams, the glossary, custom XML) are read as XML text.
//! - Parts known to hold no text (styles, themes, settings, fonts, pictures,
//!   which are for OCR) are skipped; macros (VBA) are a problem: not read.
//! - Every other entry, reachable or not (`secret.txt` dropped next to
//!   `word/document.xml`), is read as a file **and** reported as a problem
//!   naming it: a person must see why it is there. Never silence.

use super::budget::{Budget, ReadEntry, TextBuilder};
use super::error::AttachError;
use super::ooxml;
use super::part::Extraction;
use super::xml;
use super::zipfile::{read_entry, Zip};
use std::collections::{BTreeMap, BTreeSet};

/// Relationship types (the last segment of the type URI) whose target is a
/// document of its own.
const EMBEDDED: &[&str] = &["aFChunk", "oleObject", "package", "subDocument"];

/// Relationship types whose target holds text no document reader reads.
const TEXT_PARTS: &[&str] = &[
    "chart",
    "drawing",
    "diagramData",
    "glossaryDocument",
    "customXml",
    "vmlDrawing",
    "chartUserShapes",
    "threadedComment",
];

/// Relationship types whose target holds no text to scan.
const NO_TEXT: &[&str] = &[
    "styles",
    "stylesWithEffects",
    "settings",
    "webSettings",
    "fontTable",
    "theme",
    "themeOverride",
    "numbering",
    "image",
    "font",
    "customXmlProps",
    "printerSettings",
    "calcChain",
    "thumbnail",
    "people",
    "commentsExtended",
    "commentsIds",
    "commentsExtensible",
    "diagramLayout",
    "diagramQuickStyle",
    "diagramColors",
    "diagramDrawing",
    "chartStyle",
    "chartColorStyle",
    "ctrlProp",
    "hyperlink",
    "metadata",
    "volatileDependencies",
    "connections",
    "queryTable",
    "pivotCacheRecords",
    "pivotCacheDefinition",
    "pivotTable",
    "table",
    "externalLink",
    "sheetMetadata",
    "revisionHeaders",
    "usernames",
    "keyMapCustomizations",
    "attachedToolbars",
    "wordVbaData",
    "core-properties",
    "extended-properties",
    "custom-properties",
];

/// Parts listed in no relationship that a package always has.
fn is_package_plumbing(name: &str) -> bool {
    name == "[Content_Types].xml" || name.ends_with(".rels") || name.ends_with('/')
}

/// Parts known by their names to hold no text to scan: pictures (for OCR),
/// fonts, and the styles, themes and settings every producer writes, even
/// where no relationship lists them.
fn is_known_binary(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    lower.contains("/media/")
        || lower.contains("/fonts/")
        || lower.contains("/theme/")
        || lower.contains("/printersettings/")
        || matches!(
            file,
            "styles.xml"
                | "styleswitheffects.xml"
                | "settings.xml"
                | "fonttable.xml"
                | "websettings.xml"
                | "numbering.xml"
                | "calcchain.xml"
                | "people.xml"
        )
        || [
            ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff", ".svg",
            ".odttf", ".fntdata", ".ttf",
        ]
        .iter()
        .any(|x| lower.ends_with(x))
}

/// Every part reachable from the package root, with its relationship type.
fn reachable_parts(zip: &mut Zip, budget: &Budget) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut todo = vec![String::new()];
    let mut visited = BTreeSet::new();
    while let Some(part) = todo.pop() {
        if !visited.insert(part.clone()) || visited.len() > 10_000 {
            continue;
        }
        let Ok(rels) = ooxml::relationships(zip, &part, budget) else {
            continue;
        };
        for rel in rels {
            if zip.index_for_name(&rel.target).is_none() {
                continue;
            }
            todo.push(rel.target.clone());
            found.entry(rel.target).or_insert(rel.kind);
        }
    }
    found
}

/// See the module docs. `read` is the parts the document reader read.
pub(super) fn read_leftovers(
    location: &str,
    zip: &mut Zip,
    read: &BTreeSet<String>,
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
    read_file: ReadEntry,
) -> Result<(), AttachError> {
    let reachable = reachable_parts(zip, budget);
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    for name in names {
        if budget.stopped() {
            return Ok(());
        }
        if read.contains(&name) || is_package_plumbing(&name) || name.starts_with("docProps/") {
            continue;
        }
        let kind = reachable.get(&name).map(String::as_str);
        let entry_location = format!("{location} › {name}");
        match kind {
            Some(k) if EMBEDDED.contains(&k) => {
                read_embedded(&entry_location, zip, &name, depth, budget, out, read_file);
            }
            Some(k) if TEXT_PARTS.contains(&k) => {
                read_xml_text(&entry_location, zip, &name, budget, out);
            }
            Some("vbaProject") => budget.record(
                out,
                entry_location,
                AttachError::Unsupported {
                    mime: "application/vnd.ms-office.vbaProject (macros, not read)".into(),
                },
            ),
            Some(k) if NO_TEXT.contains(&k) => {}
            _ if is_known_binary(&name) => {}
            Some(k) => {
                // A part of a kind baomi does not know: read it if it is XML,
                // and say so.
                read_xml_text(&entry_location, zip, &name, budget, out);
                budget.record(
                    out,
                    entry_location,
                    AttachError::UnexpectedEntry {
                        what: format!("a part of type {k:?} that baomi does not read as such"),
                    },
                );
            }
            None => {
                // Listed by no relationship: no Office program put it there.
                read_embedded(&entry_location, zip, &name, depth, budget, out, read_file);
                budget.record(
                    out,
                    entry_location,
                    AttachError::UnexpectedEntry {
                        what: "an entry the package does not list; it was read as a file".into(),
                    },
                );
            }
        }
    }
    Ok(())
}

/// Reads an entry as a file of its own (its content tells its type).
fn read_embedded(
    location: &str,
    zip: &mut Zip,
    name: &str,
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
    read_file: ReadEntry,
) {
    let Some(index) = zip.index_for_name(name) else {
        return;
    };
    match read_entry(zip, index, budget, None) {
        Ok(bytes) => read_file(location, name, &bytes, depth + 1, budget, out),
        Err(error) => budget.record(out, location.to_string(), error),
    }
}

/// The text nodes of an XML part, as one part of text.
fn read_xml_text(location: &str, zip: &mut Zip, name: &str, budget: &Budget, out: &mut Extraction) {
    let mut text = TextBuilder::new(budget);
    let result = xml::open(zip, name, budget).and_then(|mut reader| {
        let mut failed = None;
        xml::for_each_text(&mut reader, budget, |_, _, t| {
            if failed.is_none() && !t.trim().is_empty() {
                failed = text.push(t, None).and_then(|_| text.push("\n", None)).err();
            }
        })?;
        failed.map_or(Ok(()), Err)
    });
    if !text.is_empty() {
        out.parts.push(text.finish(location.to_string()));
    }
    if let Err(error) = result {
        budget.record(out, location.to_string(), error);
    }
}
