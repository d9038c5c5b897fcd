//! XML reading shared by the Office formats, on quick-xml.
//!
//! Contract: a document type declaration (`<!DOCTYPE …>`) is refused with
//! [`AttachError::Dtd`] (Office Open XML forbids DTDs, so one is either
//! damage or an entity-expansion or external-entity attack); entity
//! references other than the five predefined ones and character references
//! are kept literally (`&lol9;`), never expanded, so output stays bounded by
//! input. Element and attribute names are matched by local name (prefixes
//! vary between producers). Reading errors name the part.

use super::budget::Budget;
use super::error::AttachError;
use super::zipfile::{io_detail, open_entry, Zip};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;
use std::io::{BufRead, BufReader};

/// Opens the zip entry `name` as a streaming XML reader through the guard.
pub(super) fn open<'z, 'a, 'b, 'l>(
    zip: &'z mut Zip<'a>,
    name: &str,
    budget: &'b Budget<'l>,
) -> Result<Xml<impl BufRead + use<'z, 'a, 'b, 'l>>, AttachError> {
    let index = zip
        .index_for_name(name)
        .ok_or_else(|| AttachError::malformed("Office file", format!("part {name} is missing")))?;
    let guard = open_entry(zip, index, budget, Some(budget.limits.max_xml_bytes))?;
    Ok(Xml::new(reader(BufReader::with_capacity(64 * 1024, guard))))
}

/// A lenient reader over `input`: damaged end tags do not stop it.
pub(super) fn reader<R: BufRead>(input: R) -> Reader<R> {
    let mut r = Reader::from_reader(input);
    let config = r.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    r
}

/// An XML part being read: the reader and how many elements are open (a
/// part that ends inside an element was cut short).
pub(super) struct Xml<R> {
    pub reader: Reader<R>,
    open: usize,
}

impl<R: BufRead> Xml<R> {
    pub fn new(reader: Reader<R>) -> Self {
        Xml { reader, open: 0 }
    }

    /// The next event (see [`next`]); the end of a part with elements still
    /// open is an error (truncated).
    pub fn next<'e>(
        &mut self,
        buf: &'e mut Vec<u8>,
        budget: &Budget,
    ) -> Result<Event<'e>, AttachError> {
        let event = next(&mut self.reader, buf, budget)?;
        match &event {
            Event::Start(_) => self.open += 1,
            Event::End(_) => self.open = self.open.saturating_sub(1),
            Event::Eof if self.open > 0 => {
                return Err(AttachError::malformed(
                    "XML",
                    format!(
                        "the part ends with {} elements still open (truncated)",
                        self.open
                    ),
                ))
            }
            _ => {}
        }
        Ok(event)
    }
}

/// The next event, with errors mapped (the limit a guard hit comes first)
/// and DTDs refused.
pub(super) fn next<'e, R: BufRead>(
    reader: &mut Reader<R>,
    buf: &'e mut Vec<u8>,
    budget: &Budget,
) -> Result<Event<'e>, AttachError> {
    match reader.read_event_into(buf) {
        Ok(Event::DocType(_)) => Err(AttachError::Dtd),
        Ok(event) => Ok(event),
        Err(e) => Err(budget.take_tripped().unwrap_or_else(|| {
            let detail = match &e {
                quick_xml::Error::Io(io) => io_detail(io),
                other => other.to_string(),
            };
            AttachError::malformed(
                "XML",
                format!("{detail} (at byte {})", reader.error_position()),
            )
        })),
    }
}

/// The local name of an element, as a string.
pub(super) fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

/// The value of the attribute with this local name; undecodable values read
/// literally.
pub(super) fn attr(e: &BytesStart<'_>, local_name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local_name).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
    })
}

/// The raw value of the attribute with this local name, for values that
/// never hold references (cell refs, type codes): no copy, no unescaping.
pub(super) fn raw_attr<'e>(
    e: &'e BytesStart<'_>,
    local_name: &str,
) -> Option<std::borrow::Cow<'e, str>> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local_name)
        .map(|a| a.value)
}

/// An OOXML on/off attribute (`w:val`): absent or anything but 0/false/off
/// means on.
pub(super) fn is_on(e: &BytesStart<'_>) -> bool {
    !matches!(
        attr(e, "val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

/// The text an entity reference stands for: a character reference or one of
/// the five predefined entities; anything else literally, never expanded.
pub(super) fn resolve_ref(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match quick_xml::escape::resolve_predefined_entity(r) {
        Some(s) => s.to_string(),
        None => format!("&{};", &**r),
    }
}

/// Reads a whole (small) part and calls `on_text(path, text)` for each run
/// of text, where `path` lists the local names of the open elements.
pub(super) fn for_each_text<R: BufRead>(
    reader: &mut Xml<R>,
    budget: &Budget,
    mut on_text: impl FnMut(&[String], &[Vec<(String, String)>], &str),
) -> Result<(), AttachError> {
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut attrs: Vec<Vec<(String, String)>> = Vec::new();
    loop {
        buf.clear();
        match reader.next(&mut buf, budget)? {
            Event::Start(e) => {
                path.push(local(&e));
                attrs.push(
                    e.attributes()
                        .flatten()
                        .map(|a| (a.key.local_name().as_ref().to_string(), a.value.to_string()))
                        .collect(),
                );
            }
            Event::End(_) => {
                path.pop();
                attrs.pop();
            }
            Event::Text(t) => on_text(&path, &attrs, &t.xml10_content()),
            Event::CData(t) => on_text(&path, &attrs, &t),
            Event::GeneralRef(r) => on_text(&path, &attrs, &resolve_ref(&r)),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::budget::Limits;

    fn texts(xml: &str) -> Result<String, AttachError> {
        let limits = Limits::default();
        let budget = Budget::new(&limits);
        let mut out = String::new();
        for_each_text(&mut Xml::new(reader(xml.as_bytes())), &budget, |_, _, t| {
            out.push_str(t)
        })?;
        Ok(out)
    }

    #[test]
    fn references_resolve_only_when_predefined_or_numeric() {
        for (xml, want) in [
            ("<a>&#26426;&#x5bc6;</a>", "机密"),
            ("<a>a&amp;b&lt;</a>", "a&b<"),
            ("<a>&lol9;</a>", "&lol9;"),
        ] {
            assert_eq!(texts(xml).unwrap(), want, "{xml}");
        }
    }

    #[test]
    fn a_dtd_is_refused() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        assert_eq!(texts(xml), Err(AttachError::Dtd));
    }
}
