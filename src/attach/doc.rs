//! Word 97–2003 binary documents (.doc, and WPS .wps in the same format).
//!
//! Contract: the text is read as Word keeps it ([MS-DOC]): the FIB at the
//! start of the `WordDocument` stream gives the lengths of the stories
//! (`ccpText`, `ccpFtn`, `ccpHdd`, `ccpAtn`, `ccpEdn`, `ccpTxbx`,
//! `ccpHdrTxbx`) and where the piece table (CLX) is in the table stream
//! (`0Table` or `1Table`); each character position is found through the
//! piece table (8-bit or UTF-16 pieces), so text saved by "fast save" is read
//! in document order. One part per story, as for .docx: `正文`, `脚注`,
//! `页眉`, `页脚` (told apart by the header plcf), `批注（作者）` (one spot per
//! comment, authors from the comment owners table), `尾注`, `文本框`,
//! `页眉文本框`; then the summary-information properties ([`super::ole`]).
//! Field codes (`HYPERLINK "…"`, between the field-begin and separator
//! marks) are not text; field results are. Cell marks become tabs,
//! paragraph, line, page and section marks line breaks.
//!
//! Pictures pasted into the document (PNG or JPEG blips in the `Data`
//! stream) are read by OCR as `图片 1`, `图片 2`… in stream order. Not read:
//! pictures in other formats (EMF/WMF, BMP blips), drawings' own text
//! (Word 97 drawing objects keep it in the text-box story, which is read),
//! and embedded OLE objects (reported as a problem by `super::ole`, not
//! opened).
//! Documents saved with a password or obfuscated are
//! [`AttachError::Encrypted`]; Word 6/95 files (nFib < 101) unsupported.

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::olefile::{embedded_pictures, read_stream, u16_at, u32_at, Ole};
use super::part::{Extraction, SpotLabel};
use super::picture;

/// One piece of the piece table: CPs `[start, end)` stored at byte `fc`,
/// 8-bit (`compressed`) or UTF-16.
struct Piece {
    start: u32,
    end: u32,
    fc: u32,
    compressed: bool,
}

pub(super) fn read_doc(
    location: &str,
    ole: &mut Ole,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let word = read_stream(ole, "WordDocument", budget)?.unwrap_or_default();
    if u16_at(&word, 0)? != 0xA5EC {
        return Err(AttachError::malformed(
            "Word document",
            "no Word signature in the FIB",
        ));
    }
    let n_fib = u16_at(&word, 2)?;
    let flags = u16_at(&word, 0x0A)?;
    if flags & 0x0100 != 0 || flags & 0x8000 != 0 {
        return Err(AttachError::Encrypted {
            what: "a Word document protected with a password".into(),
        });
    }
    if n_fib < 101 {
        return Err(AttachError::Unsupported {
            mime: "application/msword (Word 6/95; save it as .docx to have it read)".into(),
        });
    }
    let table_name = if flags & 0x0200 != 0 {
        "1Table"
    } else {
        "0Table"
    };
    let table = read_stream(ole, table_name, budget)?.ok_or_else(|| {
        AttachError::malformed("Word document", format!("no {table_name} stream"))
    })?;

    // FibRgW97 (csw u16s), FibRgLw97 (cslw u32s), FibRgFcLcb (pairs).
    let csw = u16_at(&word, 32)? as usize;
    let lw = 34 + csw * 2 + 2;
    let cslw = u16_at(&word, lw - 2)? as usize;
    let ccp = |i: usize| -> Result<u32, AttachError> {
        if i >= cslw {
            return Ok(0);
        }
        u32_at(&word, lw + i * 4)
    };
    let fclcb = lw + cslw * 4 + 2;
    let pair = |i: usize| -> Result<(usize, usize), AttachError> {
        Ok((
            u32_at(&word, fclcb + i * 8)? as usize,
            u32_at(&word, fclcb + i * 8 + 4)? as usize,
        ))
    };
    let stories = [
        ("正文", ccp(3)?),
        ("脚注", ccp(4)?),
        ("页眉", ccp(5)?),
        ("宏", ccp(6)?),
        ("批注", ccp(7)?),
        ("尾注", ccp(8)?),
        ("文本框", ccp(9)?),
        ("页眉文本框", ccp(10)?),
    ];
    let (fc_clx, lcb_clx) = pair(33)?;
    let clx = table.get(fc_clx..fc_clx + lcb_clx).ok_or_else(|| {
        AttachError::malformed("Word document", "piece table outside the table stream")
    })?;
    let pieces = piece_table(clx)?;

    let mut start = 0u32;
    for (label, len) in stories {
        let range = (start, start.saturating_add(len));
        start = range.1;
        if len == 0 || label == "宏" {
            continue;
        }
        budget.check_time()?;
        let text = story_text(&word, &pieces, range)?;
        match label {
            "页眉" => {
                let plc = pair(11).ok().and_then(|(fc, lcb)| table.get(fc..fc + lcb));
                headers(location, &text, plc, budget, out)?;
            }
            "批注" => {
                let refs = pair(4).ok().and_then(|(fc, lcb)| table.get(fc..fc + lcb));
                let texts = pair(5).ok().and_then(|(fc, lcb)| table.get(fc..fc + lcb));
                let owners = pair(36).ok().and_then(|(fc, lcb)| table.get(fc..fc + lcb));
                comments(location, &text, refs, texts, owners, budget, out)?;
            }
            _ => push_story(
                &format!("{location} › {label}"),
                &[(&text, None)],
                budget,
                out,
            )?,
        }
    }
    if let Some(data) = read_stream(ole, "Data", budget)? {
        for (n, at) in embedded_pictures(&data).into_iter().enumerate() {
            let here = format!("{location} › 图片 {}", n + 1);
            if let Err(error) = picture::read_picture(&here, &data[at..], budget, out) {
                budget.record(out, here, error);
                if budget.stopped() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// The piece table inside the CLX (after any property runs, `Prc`).
fn piece_table(clx: &[u8]) -> Result<Vec<Piece>, AttachError> {
    let mut at = 0;
    while clx.get(at) == Some(&0x01) {
        at += 3 + u16_at(clx, at + 1)? as usize;
    }
    if clx.get(at) != Some(&0x02) {
        return Err(AttachError::malformed(
            "Word document",
            "no piece table in the CLX",
        ));
    }
    let lcb = u32_at(clx, at + 1)? as usize;
    let plc = clx
        .get(at + 5..at + 5 + lcb)
        .ok_or_else(|| AttachError::malformed("Word document", "piece table cut short"))?;
    if lcb < 4 {
        return Ok(Vec::new());
    }
    let n = (lcb - 4) / 12;
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let fc = u32_at(plc, (n + 1) * 4 + i * 8 + 2)?;
        pieces.push(Piece {
            start: u32_at(plc, i * 4)?,
            end: u32_at(plc, (i + 1) * 4)?,
            fc: fc & 0x3FFF_FFFF,
            compressed: fc & 0x4000_0000 != 0,
        });
    }
    Ok(pieces)
}

/// The raw characters of CPs `[from, to)`, through the pieces.
fn story_text(
    word: &[u8],
    pieces: &[Piece],
    (from, to): (u32, u32),
) -> Result<Vec<u16>, AttachError> {
    let mut out = Vec::new();
    for piece in pieces {
        let (a, b) = (piece.start.max(from), piece.end.min(to));
        if a >= b {
            continue;
        }
        let offset = (a - piece.start) as usize;
        let count = (b - a) as usize;
        if piece.compressed {
            let at = piece.fc as usize / 2 + offset;
            let bytes = word.get(at..at + count).ok_or_else(|| {
                AttachError::malformed("Word document", "a text piece lies outside the stream")
            })?;
            out.extend(bytes.iter().map(|&b| cp1252(b)));
        } else {
            let at = piece.fc as usize + offset * 2;
            let bytes = word.get(at..at + count * 2).ok_or_else(|| {
                AttachError::malformed("Word document", "a text piece lies outside the stream")
            })?;
            out.extend(
                bytes
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]])),
            );
        }
    }
    Ok(out)
}

/// An 8-bit ("compressed") character: Windows-1252.
fn cp1252(b: u8) -> u16 {
    let byte = [b];
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
    text.encode_utf16().next().unwrap_or(u16::from(b))
}

/// Word's marks to text: field codes dropped, marks to tabs and breaks.
fn clean(chars: &[u16]) -> String {
    let mut units = Vec::with_capacity(chars.len());
    // Per open field: true while in its code (before the separator).
    let mut fields: Vec<bool> = Vec::new();
    for &c in chars {
        match c {
            0x13 => {
                fields.push(true);
                continue;
            }
            0x14 => {
                if let Some(code) = fields.last_mut() {
                    *code = false;
                }
                continue;
            }
            0x15 => {
                fields.pop();
                continue;
            }
            _ => {}
        }
        if fields.iter().any(|code| *code) {
            continue;
        }
        match c {
            0x0B..=0x0E => units.push(u16::from(b'\n')),
            0x07 | 0x09 => units.push(u16::from(b'\t')),
            0x1E => units.push(u16::from(b'-')),
            0xA0 => units.push(u16::from(b' ')),
            c if c < 0x20 => {}
            c => units.push(c),
        }
    }
    String::from_utf16_lossy(&units)
}

/// Pushes a part made of `(text, spot)` pieces, if it has any text.
fn push_story(
    location: &str,
    pieces: &[(&[u16], Option<SpotLabel>)],
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut text = TextBuilder::new(budget);
    for (chars, label) in pieces {
        let s = clean(chars);
        let s = s.trim_end_matches('\n');
        if s.trim().is_empty() {
            continue;
        }
        text.push(s, label.clone())?;
        text.push("\n", None)?;
    }
    if !text.is_empty() {
        out.parts.push(text.finish(location.to_string()));
    }
    Ok(())
}

/// The CPs of a PLC with `data` bytes per element: n+1 CPs, n elements.
fn plc_cps(plc: &[u8], data: usize) -> Vec<u32> {
    let n = plc.len().saturating_sub(4) / (4 + data);
    (0..=n).filter_map(|i| u32_at(plc, i * 4).ok()).collect()
}

/// The header story: separators first, then six stories per section (even
/// header, odd header, even footer, odd footer, first header, first footer).
fn headers(
    location: &str,
    text: &[u16],
    plc: Option<&[u8]>,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let cps = plc.map(|p| plc_cps(p, 0)).unwrap_or_default();
    if cps.len() < 2 {
        return push_story(
            &format!("{location} › 页眉页脚"),
            &[(text, None)],
            budget,
            out,
        );
    }
    let (mut head, mut foot): (Vec<&[u16]>, Vec<&[u16]>) = (Vec::new(), Vec::new());
    for (i, w) in cps.windows(2).enumerate() {
        let (a, b) = (w[0] as usize, (w[1] as usize).min(text.len()));
        if i < 6 || a >= b {
            continue;
        }
        match (i - 6) % 6 {
            0 | 1 | 4 => head.push(&text[a..b]),
            _ => foot.push(&text[a..b]),
        }
    }
    for (label, stories) in [("页眉", head), ("页脚", foot)] {
        let pieces: Vec<(&[u16], Option<SpotLabel>)> =
            stories.into_iter().map(|s| (s, None)).collect();
        push_story(&format!("{location} › {label}"), &pieces, budget, out)?;
    }
    Ok(())
}

/// The comments story, one spot per comment with its author.
fn comments(
    location: &str,
    text: &[u16],
    refs: Option<&[u8]>,
    texts: Option<&[u8]>,
    owners: Option<&[u8]>,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    // The owners table: Xst strings (u16 count, UTF-16).
    let mut names = Vec::new();
    if let Some(owners) = owners {
        let mut at = 0;
        while let Ok(n) = u16_at(owners, at) {
            let Some(raw) = owners.get(at + 2..at + 2 + n as usize * 2) else {
                break;
            };
            names.push(super::olefile::utf16(raw));
            at += 2 + n as usize * 2;
        }
    }
    // ATRDPre10 (30 bytes) per comment: the owner index at byte 20.
    let authors: Vec<String> = refs
        .map(|r| {
            let n = r.len().saturating_sub(4) / 34;
            (0..n)
                .map(|i| {
                    u16_at(r, (n + 1) * 4 + i * 30 + 20)
                        .ok()
                        .and_then(|ibst| names.get(ibst as usize))
                        .filter(|a| !a.trim().is_empty())
                        .map_or_else(|| "未署名".to_string(), |a| a.trim().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let cps = texts.map(|t| plc_cps(t, 0)).unwrap_or_default();
    if cps.len() < 2 {
        return push_story(&format!("{location} › 批注"), &[(text, None)], budget, out);
    }
    let pieces: Vec<(&[u16], Option<SpotLabel>)> = cps
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| {
            let (a, b) = (w[0] as usize, (w[1] as usize).min(text.len()));
            let author = authors.get(i).map_or("未署名", String::as_str);
            (a < b).then(|| {
                (
                    &text[a..b],
                    Some(SpotLabel::Suffix(format!("（{author}）"))),
                )
            })
        })
        .collect();
    push_story(&format!("{location} › 批注"), &pieces, budget, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_codes_are_dropped_and_marks_become_breaks() {
        let s: Vec<u16> = "机密\r\u{13}HYPERLINK \"x\"\u{14}链接\u{15}\u{7}尾"
            .encode_utf16()
            .collect();
        assert_eq!(clean(&s), "机密\n链接\t尾");
    }
}
