//! Rich Text Format (.rtf, and .doc files that are RTF inside).
//!
//! Contract: one part `正文` with the document's text, a line per paragraph
//! (`\par`, `\line`, `\page`, `\sect`, table rows), a tab per `\tab` and
//! `\cell`; footnotes (`\footnote`), comments (`\annotation`) and text
//! boxes (`\shptxt`) stand where they are in the file, spotted ` › 脚注`,
//! ` › 批注（作者）`, ` › 文本框`; headers and footers (`\header…`,
//! `\footer…`) are parts of their own, `页眉` and `页脚`. Characters:
//! `\uN` (its ANSI fallback skipped per `\ucN`), `\'hh` bytes decoded in the
//! document's code page (`\ansicpgN`: 936 is GBK) or the font's charset
//! (`\fcharset134` → GBK). Field instructions (`\fldinst`) are not text,
//! field results are. `\info` gives the properties (`文档属性：标题`…).
//! Pictures (`\pict` with `\pngblip` or `\jpegblip`) are read by OCR as
//! `图片 1`…; other destinations (font and colour tables, styles, `\*`
//! destinations, other picture types, objects) are not text. Nesting is
//! bounded by the input (one stack entry per `{`, at most 1,000 deep).

use super::budget::{Budget, TextBuilder};
use super::error::AttachError;
use super::part::{Extraction, Part, SpotLabel};
use super::picture;
use crate::engine::Format;

/// What a group's text is.
#[derive(Clone, PartialEq)]
enum Dest {
    Text,
    Skip,
    Field,
    Info(&'static str),
    Author,
    Picture,
}

#[derive(Clone)]
struct Group {
    dest: Dest,
    label: Option<String>,
    uc: usize,
    encoding: &'static encoding_rs::Encoding,
    png: bool,
}

const MAX_DEPTH: usize = 1000;

/// Headers and footers go to parts of their own (they come before the body
/// in the file, and a marking must still be at the top of the body).
const MARGIN_HEAD: &str = "页眉";
const MARGIN_FOOT: &str = "页脚";

fn charset_encoding(charset: i32) -> Option<&'static encoding_rs::Encoding> {
    match charset {
        134 => Some(encoding_rs::GBK),
        136 => Some(encoding_rs::BIG5),
        128 => Some(encoding_rs::SHIFT_JIS),
        0 => Some(encoding_rs::WINDOWS_1252),
        _ => None,
    }
}

fn codepage_encoding(cp: i32) -> &'static encoding_rs::Encoding {
    match cp {
        936 => encoding_rs::GBK,
        54936 => encoding_rs::GB18030,
        950 => encoding_rs::BIG5,
        932 => encoding_rs::SHIFT_JIS,
        65001 => encoding_rs::UTF_8,
        _ => encoding_rs::WINDOWS_1252,
    }
}

pub(super) fn read_rtf(
    location: &str,
    bytes: &[u8],
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut text = TextBuilder::new(budget);
    let mut head = TextBuilder::new(budget);
    let mut foot = TextBuilder::new(budget);
    let mut info: Vec<(&'static str, String)> = Vec::new();
    let mut pictures: Vec<Vec<u8>> = Vec::new();
    let mut author = String::new();
    let mut pending_bytes: Vec<u8> = Vec::new();
    let mut fonts: Vec<(i32, &'static encoding_rs::Encoding)> = Vec::new();
    let mut font_number: Option<i32> = None;
    let mut skip_chars = 0usize;
    let mut stack: Vec<Group> = Vec::new();
    let mut group = Group {
        dest: Dest::Text,
        label: None,
        uc: 1,
        encoding: encoding_rs::WINDOWS_1252,
        png: false,
    };
    let mut picture_hex: Vec<u8> = Vec::new();
    let mut i = 0;
    let b = bytes;
    // Emits text into the current destination.
    macro_rules! emit {
        ($s:expr) => {{
            let s: &str = $s;
            match &group.dest {
                Dest::Text => match group.label.as_deref() {
                    Some(MARGIN_HEAD) => head.push(s, None)?,
                    Some(MARGIN_FOOT) => foot.push(s, None)?,
                    _ => text.push(s, group.label.clone().map(SpotLabel::Suffix))?,
                },
                Dest::Info(label) => match info.iter_mut().find(|(l, _)| l == label) {
                    Some((_, v)) => v.push_str(s),
                    None => info.push((label, s.to_string())),
                },
                Dest::Author => author.push_str(s),
                _ => {}
            }
        }};
    }
    macro_rules! flush {
        () => {{
            if !pending_bytes.is_empty() {
                let (s, _) = group.encoding.decode_without_bom_handling(&pending_bytes);
                let s = s.into_owned();
                pending_bytes.clear();
                emit!(&s);
            }
        }};
    }
    while i < b.len() {
        if i % 65536 == 0 {
            budget.check_time()?;
        }
        let c = b[i];
        match c {
            b'{' => {
                flush!();
                if stack.len() >= MAX_DEPTH {
                    return Err(AttachError::malformed(
                        "RTF",
                        "groups nested more than 1,000 deep",
                    ));
                }
                stack.push(group.clone());
                i += 1;
            }
            b'}' => {
                flush!();
                if group.dest == Dest::Picture && (group.png || !picture_hex.is_empty()) {
                    let raw: Vec<u8> = picture_hex
                        .chunks_exact(2)
                        .filter_map(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
                        .collect();
                    if group.png && !raw.is_empty() {
                        pictures.push(raw);
                    }
                    picture_hex.clear();
                }
                group = stack.pop().unwrap_or(group);
                i += 1;
            }
            b'\\' => {
                i += 1;
                let Some(&next) = b.get(i) else { break };
                if next.is_ascii_alphabetic() {
                    let start = i;
                    while i < b.len() && b[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                    let word = std::str::from_utf8(&b[start..i]).unwrap_or("");
                    let num_start = i;
                    if i < b.len() && (b[i] == b'-' || b[i].is_ascii_digit()) {
                        i += 1;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                    let param: Option<i32> = std::str::from_utf8(&b[num_start..i])
                        .ok()
                        .and_then(|s| s.parse().ok());
                    if i < b.len() && b[i] == b' ' {
                        i += 1;
                    }
                    if word != "u" && !matches!(word, "'") {
                        flush!();
                    }
                    if skip_chars > 0 && word != "u" {
                        skip_chars = 0;
                    }
                    match word {
                        "ansicpg" => group.encoding = codepage_encoding(param.unwrap_or(1252)),
                        "f" => {
                            font_number = param;
                            if group.dest != Dest::Skip {
                                if let Some((_, e)) = fonts.iter().find(|(n, _)| Some(*n) == param)
                                {
                                    group.encoding = e;
                                }
                            }
                        }
                        "fcharset" => {
                            if let (Some(n), Some(e)) =
                                (font_number, param.and_then(charset_encoding))
                            {
                                fonts.push((n, e));
                            }
                        }
                        "uc" => group.uc = param.unwrap_or(1).max(0) as usize,
                        "u" => {
                            flush!();
                            let v = param.unwrap_or(0);
                            let v = if v < 0 { v + 65536 } else { v } as u32;
                            if let Some(ch) = char::from_u32(v) {
                                let mut tmp = [0u8; 4];
                                emit!(ch.encode_utf8(&mut tmp));
                            }
                            skip_chars = group.uc;
                        }
                        "par" | "line" | "page" | "sect" | "row" => emit!("\n"),
                        "tab" | "cell" => emit!("\t"),
                        "emdash" => emit!("—"),
                        "endash" => emit!("–"),
                        "lquote" => emit!("‘"),
                        "rquote" => emit!("’"),
                        "ldblquote" => emit!("“"),
                        "rdblquote" => emit!("”"),
                        "bullet" => emit!("•"),
                        "fonttbl" | "colortbl" | "stylesheet" | "listtable"
                        | "listoverridetable" | "rsidtbl" | "generator" | "xmlnstbl"
                        | "latentstyles" | "themedata" | "colorschememapping" | "datastore"
                        | "object" | "objdata" | "bkmkstart" | "bkmkend" | "atnid" | "atndate"
                        | "atnref" | "datafield" | "nonshppict" | "sp" => group.dest = Dest::Skip,
                        "fldinst" => group.dest = Dest::Field,
                        "info" => group.dest = Dest::Skip,
                        "title" => group.dest = Dest::Info("标题"),
                        "subject" => group.dest = Dest::Info("主题"),
                        "author" => group.dest = Dest::Info("作者"),
                        "keywords" => group.dest = Dest::Info("关键词"),
                        "doccomm" => group.dest = Dest::Info("备注"),
                        "operator" => group.dest = Dest::Info("最后修改者"),
                        "company" => group.dest = Dest::Info("单位"),
                        "manager" => group.dest = Dest::Info("经理"),
                        "category" => group.dest = Dest::Info("类别"),
                        "atnauthor" => {
                            author.clear();
                            group.dest = Dest::Author;
                        }
                        "annotation" => {
                            let a = author.trim();
                            let a = if a.is_empty() { "未署名" } else { a };
                            group.dest = Dest::Text;
                            group.label = Some(format!(" › 批注（{a}）"));
                        }
                        "shptxt" => {
                            group.dest = Dest::Text;
                            group.label = Some(" › 文本框".into());
                        }
                        "pict" => {
                            group.dest = Dest::Picture;
                            group.png = false;
                            picture_hex.clear();
                        }
                        "pngblip" | "jpegblip" if group.dest == Dest::Picture => group.png = true,
                        "header" | "headerl" | "headerr" | "headerf" => {
                            group.dest = Dest::Text;
                            group.label = Some(MARGIN_HEAD.into());
                        }
                        "footer" | "footerl" | "footerr" | "footerf" => {
                            group.dest = Dest::Text;
                            group.label = Some(MARGIN_FOOT.into());
                        }
                        "footnote" => {
                            group.dest = Dest::Text;
                            group.label = Some(" › 脚注".into());
                        }
                        _ => {}
                    }
                } else {
                    i += 1;
                    match next {
                        b'\'' => {
                            let hex = b
                                .get(i..i + 2)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u8::from_str_radix(h, 16).ok());
                            i += 2;
                            if let Some(byte) = hex {
                                if skip_chars > 0 {
                                    skip_chars -= 1;
                                } else if group.dest == Dest::Picture {
                                } else {
                                    pending_bytes.push(byte);
                                }
                            }
                        }
                        // An ignorable destination: skipped unless it is one
                        // read above.
                        b'*' if group.dest != Dest::Text
                            || !b[i..].starts_with(b"\\annotation") =>
                        {
                            let keep = [
                                &b"\\atnauthor"[..],
                                b"\\atnid",
                                b"\\shpinst",
                                b"\\shppict",
                                b"\\shptxt",
                            ];
                            if !keep.iter().any(|k| b[i..].starts_with(k)) {
                                group.dest = Dest::Skip;
                            }
                        }
                        b'~' => emit!("\u{a0}"),
                        b'_' => emit!("-"),
                        b'-' => {}
                        b'\\' | b'{' | b'}' => {
                            flush!();
                            let s = [next];
                            emit!(std::str::from_utf8(&s).unwrap_or(""));
                        }
                        b'\n' | b'\r' => {
                            flush!();
                            emit!("\n");
                        }
                        _ => {}
                    }
                }
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                if group.dest == Dest::Picture {
                    if c.is_ascii_hexdigit() {
                        picture_hex.push(c);
                    }
                    i += 1;
                    continue;
                }
                if skip_chars > 0 {
                    skip_chars -= 1;
                    i += 1;
                    continue;
                }
                if c >= 0x80 {
                    // Raw 8-bit text (no \'hh): bytes in the code page.
                    pending_bytes.push(c);
                    i += 1;
                    continue;
                }
                flush!();
                let start = i;
                while i < b.len()
                    && !matches!(b[i], b'{' | b'}' | b'\\' | b'\r' | b'\n')
                    && b[i] < 0x80
                {
                    i += 1;
                }
                emit!(std::str::from_utf8(&b[start..i]).unwrap_or(""));
            }
        }
    }
    flush!();
    if !text.is_empty() {
        out.parts.push(text.finish(format!("{location} › 正文")));
    }
    for (label, b) in [(MARGIN_HEAD, head), (MARGIN_FOOT, foot)] {
        if !b.is_empty() {
            out.parts.push(b.finish(format!("{location} › {label}")));
        }
    }
    for (label, value) in info {
        if !value.trim().is_empty() {
            budget.add_text(value.len())?;
            out.parts.push(Part::new(
                format!("{location} › 文档属性：{label}"),
                Format::Text,
                value,
            ));
        }
    }
    for (n, raw) in pictures.iter().enumerate() {
        let here = format!("{location} › 图片 {}", n + 1);
        if let Err(error) = picture::read_picture(&here, raw, budget, out) {
            budget.record(out, here, error);
            if budget.stopped() {
                break;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::budget::Limits;

    fn parts(rtf: &str) -> Vec<(String, String)> {
        let limits = Limits::default();
        let budget = Budget::new(&limits);
        let mut out = Extraction::default();
        read_rtf("a.rtf", rtf.as_bytes(), &budget, &mut out).unwrap();
        out.parts
            .iter()
            .map(|p| {
                (
                    p.location_at(p.text.len().saturating_sub(1)),
                    p.text.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn reads_unicode_code_pages_and_skips_tables() {
        let rtf = r"{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}{\info{\title \'bb\'fa\'c3\'dc}}\f0 \'bb\'fa\'c3\'dc\u9733?1\'c4\'ea\par \u23494?{\field{\*\fldinst HYPERLINK x}{\fldrslt link}}}";
        let got = parts(rtf);
        assert_eq!(got[0].1, "机密★1年\n密link", "{got:?}");
        assert_eq!(got[1], ("a.rtf › 文档属性：标题".into(), "机密".into()));
    }

    #[test]
    fn footnotes_and_comments_are_spotted() {
        let rtf = r"{\rtf1\ansi \u27491?\u25991?{\footnote \u27880?}{\*\atnid a}{\*\atnauthor \u24352?\u19977?}{\*\annotation \u25209?}}";
        let limits = Limits::default();
        let budget = Budget::new(&limits);
        let mut out = Extraction::default();
        read_rtf("a.rtf", rtf.as_bytes(), &budget, &mut out).unwrap();
        let p = &out.parts[0];
        assert!(p.text.contains('注'), "{p:?}");
        assert_eq!(
            p.location_at(p.text.find("注").unwrap()),
            "a.rtf › 正文 › 脚注"
        );
        assert_eq!(
            p.location_at(p.text.find("批").unwrap()),
            "a.rtf › 正文 › 批注（张三）"
        );
    }
}
