//! OLE compound file streams and property sets, shared by the readers of
//! legacy files ([`super::doc`], [`super::xls`]); which reader runs is
//! decided in [`super::ole`].
//!
//! Contract: every stream is read through [`read_stream`]: at most its
//! declared length, counted against the attachment's `max_total_bytes` and
//! time budget. [`read_properties`] reads `\u{5}SummaryInformation` (标题,
//! 主题, 作者, 关键词, 备注, 最后修改者) and `\u{5}DocumentSummaryInformation`
//! (类别, 经理, 单位, and the user-defined properties of its second section as
//! `自定义属性（名称）`) into parts `文档属性：作者` and so on, as for .docx.

use super::budget::Budget;
use super::error::AttachError;
use super::part::{Extraction, Part};
use crate::engine::Format;
use std::io::{Cursor, Read};

pub(super) type Ole<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// Reads a whole stream, at most its declared length, within the budget
/// (see the module docs). A missing stream is `None`.
pub(super) fn read_stream(
    ole: &mut Ole,
    name: &str,
    budget: &Budget,
) -> Result<Option<Vec<u8>>, AttachError> {
    if !ole.is_stream(name) {
        return Ok(None);
    }
    let mut stream = ole
        .open_stream(name)
        .map_err(|e| AttachError::malformed("OLE stream", format!("{name}: {e}")))?;
    let declared = stream.len();
    if declared > budget.limits.max_total_bytes {
        return Err(AttachError::TooLarge {
            limit: budget.limits.max_total_bytes,
        });
    }
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        budget.check_time()?;
        let n = stream
            .read(&mut chunk)
            .map_err(|e| AttachError::malformed("OLE stream", format!("{name}: {e}")))?;
        if n == 0 {
            break;
        }
        budget.add_expanded(n as u64)?;
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(out))
}

/// Little-endian reads that treat a short buffer as damage.
pub(super) fn u16_at(b: &[u8], at: usize) -> Result<u16, AttachError> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| {
            AttachError::malformed("Office binary file", format!("cut short at byte {at}"))
        })
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Result<u32, AttachError> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| {
            AttachError::malformed("Office binary file", format!("cut short at byte {at}"))
        })
}

/// UTF-16LE to text (unpaired surrogates replaced).
pub(super) fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// The text encoding of a Windows code page (8-bit strings of property sets).
fn codepage(cp: u16) -> &'static encoding_rs::Encoding {
    match cp {
        936 => encoding_rs::GBK,
        54936 => encoding_rs::GB18030,
        950 => encoding_rs::BIG5,
        65001 => encoding_rs::UTF_8,
        932 => encoding_rs::SHIFT_JIS,
        _ => encoding_rs::WINDOWS_1252,
    }
}

/// Summary information property id → 中文 label.
const SUMMARY: &[(u32, &str)] = &[
    (2, "标题"),
    (3, "主题"),
    (4, "作者"),
    (5, "关键词"),
    (6, "备注"),
    (8, "最后修改者"),
];
const DOC_SUMMARY: &[(u32, &str)] = &[(2, "类别"), (14, "经理"), (15, "单位")];

/// Reads the property streams into parts (see the module docs). A damaged
/// property set is a problem of its own.
pub(super) fn read_properties(
    location: &str,
    ole: &mut Ole,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    for (stream, labels) in [
        ("\u{5}SummaryInformation", SUMMARY),
        ("\u{5}DocumentSummaryInformation", DOC_SUMMARY),
    ] {
        let found = read_stream(ole, stream, budget).and_then(|bytes| match bytes {
            Some(bytes) => property_set(&bytes, labels),
            None => Ok(Vec::new()),
        });
        match found {
            Ok(found) => {
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
            Err(error) => {
                let name = stream.trim_start_matches('\u{5}');
                budget.record(out, format!("{location} › 文档属性（{name}）"), error);
                if budget.stopped() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// The string properties of a property set stream ([MS-OLEPS]): the labelled
/// ones of the first section, and every named one of a second section
/// (user-defined properties) as `自定义属性（名称）`.
fn property_set(b: &[u8], labels: &[(u32, &str)]) -> Result<Vec<(String, String)>, AttachError> {
    if u16_at(b, 0)? != 0xFFFE {
        return Err(AttachError::malformed(
            "document properties",
            "not a property set",
        ));
    }
    let sections = u32_at(b, 24)?.min(2) as usize;
    let mut found = Vec::new();
    for s in 0..sections {
        let offset = u32_at(b, 28 + s * 20 + 16)? as usize;
        let section = b
            .get(offset..)
            .ok_or_else(|| AttachError::malformed("document properties", "section past the end"))?;
        let count = u32_at(section, 4)?.min(10_000) as usize;
        let mut props = Vec::new();
        for i in 0..count {
            props.push((
                u32_at(section, 8 + i * 8)?,
                u32_at(section, 12 + i * 8)? as usize,
            ));
        }
        let cp = props
            .iter()
            .find(|(id, _)| *id == 1)
            .and_then(|(_, at)| u16_at(section, at + 4).ok())
            .unwrap_or(1252);
        let names = if s == 1 {
            props
                .iter()
                .find(|(id, _)| *id == 0)
                .map(|(_, at)| dictionary(section, *at, cp))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for (id, at) in props {
            let label = if s == 0 {
                match labels.iter().find(|(l, _)| *l == id) {
                    Some((_, label)) => label.to_string(),
                    None => continue,
                }
            } else {
                match names.iter().find(|(n, _)| *n == id) {
                    Some((_, name)) if id > 1 => format!("自定义属性（{name}）"),
                    _ => continue,
                }
            };
            if let Some(value) = string_value(section, at, cp) {
                found.push((label, value));
            }
        }
    }
    Ok(found)
}

/// A VT_LPSTR or VT_LPWSTR value at `at`; other types are not text.
fn string_value(section: &[u8], at: usize, cp: u16) -> Option<String> {
    let kind = u32_at(section, at).ok()?;
    let len = u32_at(section, at + 4).ok()? as usize;
    match kind {
        0x1E => {
            let raw = section.get(at + 8..at + 8 + len)?;
            let raw = raw.split(|b| *b == 0).next().unwrap_or(raw);
            if cp == 1200 {
                let raw = section.get(at + 8..at + 8 + len)?;
                return Some(utf16(raw).trim_end_matches('\0').to_string());
            }
            Some(codepage(cp).decode_without_bom_handling(raw).0.into_owned())
        }
        0x1F => {
            let raw = section.get(at + 8..at + 8 + len * 2)?;
            Some(utf16(raw).trim_end_matches('\0').to_string())
        }
        _ => None,
    }
}

/// The dictionary of a user-defined section: property id → name.
fn dictionary(section: &[u8], at: usize, cp: u16) -> Vec<(u32, String)> {
    let mut names = Vec::new();
    let Ok(count) = u32_at(section, at) else {
        return names;
    };
    let mut pos = at + 4;
    for _ in 0..count.min(10_000) {
        let (Ok(id), Ok(len)) = (u32_at(section, pos), u32_at(section, pos + 4)) else {
            break;
        };
        let len = len as usize;
        pos += 8;
        let name = if cp == 1200 {
            let Some(raw) = section.get(pos..pos + len * 2) else {
                break;
            };
            pos += len * 2;
            pos += (4 - pos % 4) % 4;
            utf16(raw)
        } else {
            let Some(raw) = section.get(pos..pos + len) else {
                break;
            };
            pos += len;
            codepage(cp).decode_without_bom_handling(raw).0.into_owned()
        };
        names.push((id, name.trim_end_matches('\0').to_string()));
    }
    names
}

/// Pictures stored whole in a stream (the `Data` stream of a .doc keeps
/// pasted pictures as PNG or JPEG blips): the start of each PNG or JPEG file
/// in `bytes`.
pub(super) fn embedded_pictures(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let b = &bytes[i..];
        let png = b.starts_with(b"\x89PNG\r\n\x1a\n");
        let jpeg =
            b.starts_with(b"\xff\xd8\xff") && matches!(b[3], 0xe0 | 0xe1 | 0xdb | 0xee | 0xc0);
        if png || jpeg {
            starts.push(i);
            i += 8;
        } else {
            i += 1;
        }
    }
    starts
}
