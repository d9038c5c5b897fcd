//! Builders for attachment fixtures, made in memory: zip archives, minimal
//! .docx and .xlsx files (hand-written OOXML, the parts baomi reads), a
//! minimal PDF with a ToUnicode CMap, and valid resident ID numbers. Shared
//! by `tests/attachments.rs`, `tests/cli.rs` and `benches/attachments.rs`.

// Each user needs a subset.
#![allow(dead_code)]

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A resident ID number (GB 11643) with the right check character for the
/// first 17 chars: ISO 7064 MOD 11-2.
pub fn resident_id(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    assert_eq!(first17.len(), 17, "{first17}");
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{first17}{}", CHECK[(sum % 11) as usize] as char)
}

/// `n` distinct valid ID numbers (area 110101, born 1950 and later).
/// About one ID in 31 also passes the GB 32100 credit-code check, and the
/// engine treats such a number as a public organisation code; those are
/// skipped so that every number here is one the engine flags.
pub fn resident_ids(n: usize) -> Vec<String> {
    (0..)
        .map(|i: usize| {
            let year = 1950 + (i / 336) % 60;
            let month = 1 + (i / 28) % 12;
            let day = 1 + i % 28;
            resident_id(&format!(
                "110101{year}{month:02}{day:02}{:03}",
                100 + i % 800
            ))
        })
        .filter(|id| !baomi::engine::validate::is_social_credit_code(id))
        .take(n)
        .collect()
}

/// A zip archive of `entries`, deflated.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, CompressionMethod::Deflated)
}

pub fn zip_with(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    for (name, bytes) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Sets the "encrypted" flag (bit 0) on every entry of a zip made by
/// [`zip`], as an archiver does when it encrypts with a password.
pub fn mark_encrypted(mut bytes: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 4 <= bytes.len() {
        match &bytes[i..i + 4] {
            b"PK\x03\x04" => bytes[i + 6] |= 1,
            b"PK\x01\x02" => bytes[i + 8] |= 1,
            _ => {}
        }
        i += 1;
    }
    bytes
}

/// Replaces every occurrence of `from` in the archive bytes (an entry
/// name, in both headers) by `to`, which must have the same length: how a
/// test makes a GBK name without the UTF-8 flag.
pub fn patch_bytes(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
    bytes
}

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml""#;

/// A paragraph of one run.
pub fn p(text: &str) -> String {
    format!(
        r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        xml_escape(text)
    )
}

/// A .docx whose body is `body` (WordprocessingML inside `<w:body>`), with
/// `extra` parts: (`word/header1.xml`, full XML) and so on. Parts named
/// `word/comments.xml`, `word/header*.xml`, `word/footer*.xml`,
/// `word/footnotes.xml` may be given as their inner XML: they are wrapped.
pub fn docx(body: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W_NS}><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    docx_raw(&document, extra)
}

/// The entries of `archive` plus `extra` (raw bytes, e.g. a file dropped
/// into a .docx), as a new zip.
pub fn rezip_with(archive: &[u8], extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        entries.push((f.name().unwrap().to_string(), bytes));
    }
    let all: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .chain(extra.iter().copied())
        .collect();
    self::zip(&all)
}

/// A .docx with `document` as the whole `word/document.xml`.
pub fn docx_raw(document: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let mut parts: Vec<(String, String)> = vec![
        ("[Content_Types].xml".into(), content_types.into()),
        ("_rels/.rels".into(), rels.into()),
        ("word/document.xml".into(), document.into()),
    ];
    for (name, xml) in extra {
        let wrapped = if xml.starts_with("<?xml") {
            xml.to_string()
        } else {
            let root = match *name {
                "word/comments.xml" => "comments",
                "word/footnotes.xml" => "footnotes",
                "word/endnotes.xml" => "endnotes",
                n if n.starts_with("word/header") => "hdr",
                n if n.starts_with("word/footer") => "ftr",
                _ => "root",
            };
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:{root} {W_NS}>{xml}</w:{root}>"#)
        };
        parts.push((name.to_string(), wrapped));
    }
    let entries: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, x)| (n.as_str(), x.as_bytes()))
        .collect();
    zip(&entries)
}

/// `docProps/core.xml` with these (element, value) pairs, e.g.
/// (`dc:creator`, `张三`), (`cp:lastModifiedBy`, `李四`).
pub fn core_properties(props: &[(&str, &str)]) -> String {
    let body: String = props
        .iter()
        .map(|(k, v)| format!("<{k}>{}</{k}>", xml_escape(v)))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">{body}</cp:coreProperties>"#
    )
}

/// One worksheet to build.
pub struct Sheet<'a> {
    pub name: &'a str,
    /// `hidden`, `veryHidden`, or empty.
    pub state: &'a str,
    /// Rows from row 1, cells from column A; "" is an empty cell. All-digit
    /// values of at most 15 digits are stored as numbers, others as shared
    /// strings.
    pub rows: Vec<Vec<String>>,
    /// (cell, author, text).
    pub comments: Vec<(&'a str, &'a str, &'a str)>,
}

impl<'a> Sheet<'a> {
    pub fn new(name: &'a str, rows: Vec<Vec<String>>) -> Self {
        Sheet {
            name,
            state: "",
            rows,
            comments: Vec::new(),
        }
    }
}

fn col_letters(mut col: usize) -> String {
    let mut s = Vec::new();
    col += 1;
    while col > 0 {
        s.push(b'A' + ((col - 1) % 26) as u8);
        col = (col - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// A .xlsx of `sheets`, with `extra` parts added as they are.
pub fn xlsx(sheets: &[Sheet], extra: &[(&str, &str)]) -> Vec<u8> {
    let mut shared: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut workbook_sheets = String::new();
    let mut workbook_rels = String::new();
    for (i, sheet) in sheets.iter().enumerate() {
        let n = i + 1;
        let state = if sheet.state.is_empty() {
            String::new()
        } else {
            format!(r#" state="{}""#, sheet.state)
        };
        workbook_sheets.push_str(&format!(
            r#"<sheet name="{}" sheetId="{n}"{state} r:id="rId{n}"/>"#,
            xml_escape(sheet.name)
        ));
        workbook_rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        let mut data = String::with_capacity(sheet.rows.len() * 100);
        for (r, row) in sheet.rows.iter().enumerate() {
            data.push_str(&format!(r#"<row r="{}">"#, r + 1));
            for (c, value) in row.iter().enumerate() {
                if value.is_empty() {
                    continue;
                }
                let cell = format!("{}{}", col_letters(c), r + 1);
                if value.len() <= 15 && value.bytes().all(|b| b.is_ascii_digit()) {
                    data.push_str(&format!(r#"<c r="{cell}"><v>{value}</v></c>"#));
                } else {
                    let next = shared.len();
                    let k = *index.entry(value.clone()).or_insert_with(|| {
                        shared.push(value.clone());
                        next
                    });
                    data.push_str(&format!(r#"<c r="{cell}" t="s"><v>{k}</v></c>"#));
                }
            }
            data.push_str("</row>");
        }
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            ),
        ));
        if !sheet.comments.is_empty() {
            let mut authors: Vec<&str> = Vec::new();
            let mut list = String::new();
            for (cell, author, text) in &sheet.comments {
                let id = authors.iter().position(|a| a == author).unwrap_or_else(|| {
                    authors.push(author);
                    authors.len() - 1
                });
                list.push_str(&format!(
                    r#"<comment ref="{cell}" authorId="{id}"><text><r><t>{}:</t></r><r><t xml:space="preserve">{}</t></r></text></comment>"#,
                    xml_escape(author),
                    xml_escape(text)
                ));
            }
            let authors: String = authors
                .iter()
                .map(|a| format!("<author>{}</author>", xml_escape(a)))
                .collect();
            parts.push((
                format!("xl/comments{n}.xml"),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors>{authors}</authors><commentList>{list}</commentList></comments>"#
                ),
            ));
            parts.push((
                format!("xl/worksheets/_rels/sheet{n}.xml.rels"),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="../comments{n}.xml"/></Relationships>"#
                ),
            ));
        }
    }
    workbook_rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
    let sst: String = shared
        .iter()
        .map(|s| format!(r#"<si><t xml:space="preserve">{}</t></si>"#, xml_escape(s)))
        .collect();
    let mut all: Vec<(String, String)> = vec![
        ("[Content_Types].xml".into(), r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#.into()),
        ("_rels/.rels".into(), r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into()),
        ("xl/workbook.xml".into(), format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{workbook_sheets}</sheets></workbook>"#)),
        ("xl/_rels/workbook.xml.rels".into(), format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{workbook_rels}</Relationships>"#)),
        ("xl/sharedStrings.xml".into(), format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{sst}</sst>"#, shared.len())),
    ];
    all.extend(parts);
    all.extend(extra.iter().map(|(n, x)| (n.to_string(), x.to_string())));
    let entries: Vec<(&str, &[u8])> = all
        .iter()
        .map(|(n, x)| (n.as_str(), x.as_bytes()))
        .collect();
    zip(&entries)
}

/// A minimal PDF: one page per entry of `pages`, each line of a page drawn
/// in a Type0 font (Identity-H) whose ToUnicode CMap maps each code to its
/// char, so the text layer reads back exactly. No font program is embedded:
/// viewers substitute one; text extraction needs only the CMap.
pub fn pdf(pages: &[&str]) -> Vec<u8> {
    pdf_with(pages, &[], &[])
}

/// A PDF string in UTF-16BE with its byte-order mark, as hex: how PDFs
/// write Chinese document properties and annotation texts.
fn pdf_text(s: &str) -> String {
    let hex: String = s.encode_utf16().map(|u| format!("{u:04X}")).collect();
    format!("<FEFF{hex}>")
}

/// [`pdf`] plus document properties (`info`: key, value, e.g. `Title`) and
/// annotations (`annots`: 0-based page, author, text). Without them the
/// bytes are exactly `pdf`'s.
pub fn pdf_with(pages: &[&str], info: &[(&str, &str)], annots: &[(usize, &str, &str)]) -> Vec<u8> {
    let mut chars: Vec<char> = Vec::new();
    for page in pages {
        for c in page.chars().filter(|c| *c != '\n') {
            if !chars.contains(&c) {
                chars.push(c);
            }
        }
    }
    let code = |c: char| chars.iter().position(|x| *x == c).unwrap() + 1;
    let n = pages.len();
    // Objects: 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor,
    // 6 ToUnicode, then (page, content) pairs.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 7 + 2 * i)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>".to_vec());
    objects.push(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /STSong /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 1000 >>".to_vec());
    objects.push(b"<< /Type /FontDescriptor /FontName /STSong /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>".to_vec());
    let mut cmap = String::from("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    for chunk in chars.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for c in chunk {
            cmap.push_str(&format!("<{:04X}> <{:04X}>\n", code(*c), *c as u32));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    objects.push(stream(cmap.as_bytes()));
    // Annotation objects follow the pages; the Info dictionary comes last.
    let first_annot = 7 + 2 * n;
    for (i, page) in pages.iter().enumerate() {
        let content_id = 8 + 2 * i;
        let refs: Vec<String> = annots
            .iter()
            .enumerate()
            .filter(|(_, a)| a.0 == i)
            .map(|(k, _)| format!("{} 0 R", first_annot + k))
            .collect();
        let annots_entry = if refs.is_empty() {
            String::new()
        } else {
            format!(" /Annots [{}]", refs.join(" "))
        };
        objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R{annots_entry} >>").into_bytes());
        let mut content = String::new();
        for (l, line) in page.lines().enumerate() {
            let hex: String = line.chars().map(|c| format!("{:04X}", code(c))).collect();
            content.push_str(&format!(
                "BT /F1 12 Tf 50 {} Td <{hex}> Tj ET\n",
                800 - 20 * l
            ));
        }
        objects.push(stream(content.as_bytes()));
    }
    for (_, author, text) in annots {
        objects.push(
            format!(
                "<< /Type /Annot /Subtype /Text /Rect [50 50 70 70] /T {} /Contents {} >>",
                pdf_text(author),
                pdf_text(text)
            )
            .into_bytes(),
        );
    }
    let info_entry = if info.is_empty() {
        String::new()
    } else {
        let fields: Vec<String> = info
            .iter()
            .map(|(k, v)| format!("/{k} {}", pdf_text(v)))
            .collect();
        objects.push(format!("<< {} >>", fields.join(" ")).into_bytes());
        format!(" /Info {} 0 R", objects.len())
    };
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R{info_entry} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A PDF of one page whose content stream is `raw` bytes deflated (a
/// FlateDecode stream), e.g. a compression bomb of spaces.
pub fn pdf_with_deflated_content(raw: &[u8]) -> Vec<u8> {
    use flate2::write::ZlibEncoder;
    let mut encoder = ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(raw).unwrap();
    let deflated = encoder.finish().unwrap();
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        {
            let mut s = format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                deflated.len()
            )
            .into_bytes();
            s.extend_from_slice(&deflated);
            s.extend_from_slice(b"\nendstream");
            s
        },
    ];
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}
