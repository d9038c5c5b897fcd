//! A minimal OFD package (GB/T 33190-2016), written by hand as a producer
//! of 电子公文 writes one: `OFD.xml` (the entry, with `DocBody` → `DocInfo`
//! metadata and `DocRoot`), `Doc_0/Document.xml` (`CommonData` with the
//! page area and `PublicRes`, `Pages` → `Page BaseLoc`, `Annotations`,
//! `Attachments`), `Doc_0/PublicRes.xml` (a font), one
//! `Doc_0/Pages/Page_N/Content.xml` per page (`Layer` → `TextObject
//! Boundary` → `TextCode X Y DeltaX`), annotations
//! (`Doc_0/Annots/Annotations.xml` → `Page PageID` → `FileLoc` →
//! `PageAnnot` → `Annot Creator` with `Remark` and an `Appearance` text),
//! optional pictures under `Doc_0/Res/` and attachments under `Doc_0/Attachs/`.

#![allow(dead_code)]

use super::office::{xml_escape, zip};

const NS: &str = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;

/// One text object on a page: position (mm, top-left of its boundary) and
/// text. Each object is one `TextCode` on one line.
pub struct Text<'a> {
    pub x: f64,
    pub y: f64,
    pub text: &'a str,
}

pub fn text(x: f64, y: f64, text: &str) -> Text<'_> {
    Text { x, y, text }
}

/// What goes into the package.
#[derive(Default)]
pub struct Ofd<'a> {
    /// (element, value) of `DocInfo`: `Title`, `Author`, …; a
    /// `CustomData` as ("CustomData:名称", value).
    pub info: Vec<(&'a str, &'a str)>,
    pub pages: Vec<Vec<Text<'a>>>,
    /// (page index, creator, remark, appearance text).
    pub annotations: Vec<(usize, &'a str, &'a str, &'a str)>,
    /// (file name, bytes) under `Doc_0/Res/`.
    pub pictures: Vec<(&'a str, Vec<u8>)>,
    /// (name, bytes) of attached files.
    pub attachments: Vec<(&'a str, Vec<u8>)>,
}

fn text_object(id: usize, t: &Text<'_>) -> String {
    let chars = t.text.chars().count().max(1);
    let width = chars as f64 * 5.6;
    let deltas = if chars > 1 {
        format!(r#" DeltaX="g {} 5.6""#, chars - 1)
    } else {
        String::new()
    };
    format!(
        r#"<ofd:TextObject ID="{id}" Boundary="{} {} {width:.1} 7" Font="2" Size="5.6"><ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="5.6"{deltas}>{}</ofd:TextCode></ofd:TextObject>"#,
        t.x,
        t.y,
        xml_escape(t.text)
    )
}

pub fn ofd(spec: &Ofd<'_>) -> Vec<u8> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let info: String = spec
        .info
        .iter()
        .filter(|(k, _)| !k.starts_with("CustomData:"))
        .map(|(k, v)| format!("<ofd:{k}>{}</ofd:{k}>", xml_escape(v)))
        .collect();
    let custom: String = spec
        .info
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("CustomData:").map(|name| {
                format!(
                    r#"<ofd:CustomData Name="{name}">{}</ofd:CustomData>"#,
                    xml_escape(v)
                )
            })
        })
        .collect();
    let custom = if custom.is_empty() {
        String::new()
    } else {
        format!("<ofd:CustomDatas>{custom}</ofd:CustomDatas>")
    };
    entries.push((
        "OFD.xml".into(),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>6c5ee3b4e0ad4d7b8f0e6e0f6f3c6a10</ofd:DocID>{info}<ofd:CreationDate>2025-01-01</ofd:CreationDate>{custom}</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
        )
        .into_bytes(),
    ));
    let mut id = 10;
    let mut pages_xml = String::new();
    for (i, page) in spec.pages.iter().enumerate() {
        pages_xml.push_str(&format!(
            r#"<ofd:Page ID="{}" BaseLoc="Pages/Page_{i}/Content.xml"/>"#,
            i + 1
        ));
        let objects: String = page
            .iter()
            .map(|t| {
                id += 1;
                text_object(id, t)
            })
            .collect();
        entries.push((
            format!("Doc_0/Pages/Page_{i}/Content.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}><ofd:Content><ofd:Layer ID="{}">{objects}</ofd:Layer></ofd:Content></ofd:Page>"#,
                100 + i
            )
            .into_bytes(),
        ));
    }
    let mut document_extra = String::new();
    if !spec.annotations.is_empty() {
        document_extra.push_str("<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>");
        let mut by_page: Vec<usize> = spec.annotations.iter().map(|a| a.0).collect();
        by_page.sort();
        by_page.dedup();
        let index: String = by_page
            .iter()
            .map(|p| format!(r#"<ofd:Page PageID="{}"><ofd:FileLoc>Page_{p}/Annotation.xml</ofd:FileLoc></ofd:Page>"#, p + 1))
            .collect();
        entries.push((
            "Doc_0/Annots/Annotations.xml".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Annotations {NS}>{index}</ofd:Annotations>"#).into_bytes(),
        ));
        for p in by_page {
            let annots: String = spec
                .annotations
                .iter()
                .filter(|a| a.0 == p)
                .map(|(_, creator, remark, appearance)| {
                    id += 1;
                    let shown = text_object(id + 1000, &text(0.0, 0.0, appearance));
                    format!(
                        r#"<ofd:Annot ID="{id}" Type="Highlight" Creator="{}" LastModDate="2025-01-01"><ofd:Remark>{}</ofd:Remark><ofd:Appearance Boundary="20 40 100 10">{shown}</ofd:Appearance></ofd:Annot>"#,
                        xml_escape(creator),
                        xml_escape(remark)
                    )
                })
                .collect();
            entries.push((
                format!("Doc_0/Annots/Page_{p}/Annotation.xml"),
                format!(r#"<?xml version="1.0" encoding="UTF-8"?><ofd:PageAnnot {NS}>{annots}</ofd:PageAnnot>"#).into_bytes(),
            ));
        }
    }
    if !spec.attachments.is_empty() {
        document_extra.push_str("<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>");
        let list: String = spec
            .attachments
            .iter()
            .enumerate()
            .map(|(i, (name, bytes))| {
                format!(
                    r#"<ofd:Attachment ID="a{i}" Name="{}" Format="{}" Size="{}"><ofd:FileLoc>{}</ofd:FileLoc></ofd:Attachment>"#,
                    xml_escape(name),
                    name.rsplit('.').next().unwrap_or(""),
                    bytes.len(),
                    xml_escape(name)
                )
            })
            .collect();
        entries.push((
            "Doc_0/Attachs/Attachments.xml".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments {NS}>{list}</ofd:Attachments>"#).into_bytes(),
        ));
        for (name, bytes) in &spec.attachments {
            entries.push((format!("Doc_0/Attachs/{name}"), bytes.clone()));
        }
    }
    let media: String = spec
        .pictures
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            format!(r#"<ofd:MultiMedia ID="{}" Type="Image"><ofd:MediaFile>{name}</ofd:MediaFile></ofd:MultiMedia>"#, 900 + i)
        })
        .collect();
    for (name, bytes) in &spec.pictures {
        entries.push((format!("Doc_0/Res/{name}"), bytes.clone()));
    }
    entries.push((
        "Doc_0/PublicRes.xml".into(),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Res {NS} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts><ofd:MultiMedias>{media}</ofd:MultiMedias></ofd:Res>"#
        )
        .into_bytes(),
    ));
    entries.push((
        "Doc_0/Document.xml".into(),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>{}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>{pages_xml}</ofd:Pages>{document_extra}</ofd:Document>"#,
            id + 2000
        )
        .into_bytes(),
    ));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip(&refs)
}
