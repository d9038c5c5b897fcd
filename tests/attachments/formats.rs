//! Legacy, WPS, presentation, ODF, OFD and RTF files: a leak in each place
//! each format can hide one, found at the location a person would look at,
//! and a clean twin of each that must pass. The legacy and ODF files are
//! committed under `fixtures/attachments/` (made by its `make.sh` with
//! LibreOffice from the flat ODF sources in `src/`); OFD and the small
//! hand-made files are written here.

use super::*;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/attachments/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[track_caller]
fn assert_all(v: &AttachmentVerdict, want: &[(&str, &str, &str)]) {
    for (rule, location, severity) in want {
        assert_finding(v, rule, location, severity);
    }
    assert_eq!(v.decision, Decision::Block, "{v:#?}");
    assert!(v.error.is_none(), "{:?}", v.error);
}

#[track_caller]
fn assert_passes(name: &str, bytes: &[u8]) {
    let v = scan(name, bytes);
    assert_eq!(v.decision, Decision::Pass, "{name}: {:#?}", located(&v));
    assert!(v.error.is_none(), "{name}: {:?}", v.error);
}

/// The places of the notice (`src/notice-leak.fodt`) in a Word-like file.
fn notice_places(
    n: &str,
    note: &str,
    comment: &str,
    text_box: &str,
) -> Vec<(String, String, String)> {
    [
        ("cm-0001", format!("{n} › 正文"), "block"),
        ("in-0001", format!("{n} › 页眉"), "review"),
        ("pd-0001", format!("{n} › 页脚"), "block"),
        ("pd-0001", format!("{n}{note}"), "block"),
        ("pd-0001", format!("{n}{comment}"), "block"),
        ("pd-0001", format!("{n}{text_box}"), "block"),
        ("cm-0001", format!("{n} › 文档属性：标题"), "block"),
    ]
    .into_iter()
    .map(|(r, l, s)| (r.to_string(), l, s.to_string()))
    .collect()
}

#[track_caller]
fn assert_places(v: &AttachmentVerdict, want: &[(String, String, String)]) {
    let want: Vec<(&str, &str, &str)> = want
        .iter()
        .map(|(r, l, s)| (r.as_str(), l.as_str(), s.as_str()))
        .collect();
    assert_all(v, &want);
}

#[test]
pub fn doc_leaks_are_found_in_every_story() {
    let v = scan("通知.doc", &fixture("notice-leak.doc"));
    assert_places(
        &v,
        &notice_places("通知.doc", " › 脚注", " › 批注（张三）", " › 文本框"),
    );
    assert_finding(
        &v,
        "cm-0001",
        "通知.doc › 文档属性：自定义属性（密级）",
        "block",
    );
    // Body text in order, field codes and marks cleaned.
    let parts = extract_parts("通知.doc", &fixture("notice-leak.doc"), &Limits::default());
    let body = parts
        .parts
        .iter()
        .find(|p| p.location == "通知.doc › 正文")
        .unwrap();
    assert!(
        body.text.starts_with("机密★1年\n关于某项工作的通知\n"),
        "{:?}",
        body.text
    );
}

#[test]
pub fn wps_and_et_files_in_the_binary_formats_are_read_by_content() {
    let v = scan("通知.wps", &fixture("notice-leak.doc"));
    assert_finding(&v, "cm-0001", "通知.wps › 正文", "block");
    let v = scan("名单.et", &fixture("roster-leak.xls"));
    assert_finding(&v, "pd-0001", "名单.et › 隐藏工作表 备份!A2", "block");
    // WPS saving as OOXML: a zip, read as what it holds.
    let v = scan("通知.wps", &docx(&p("机密★1年"), &[]));
    assert_finding(&v, "cm-0001", "通知.wps › 正文", "block");
}

#[test]
pub fn odt_leaks_are_found_in_every_place() {
    let v = scan("通知.odt", &fixture("notice-leak.odt"));
    assert_places(
        &v,
        &notice_places(
            "通知.odt",
            " › 正文 › 脚注",
            " › 正文 › 批注（张三）",
            " › 正文 › 文本框",
        ),
    );
    assert_finding(
        &v,
        "cm-0001",
        "通知.odt › 文档属性：自定义属性（密级）",
        "block",
    );
}

#[test]
pub fn rtf_leaks_are_found() {
    let v = scan("通知.rtf", &fixture("notice-leak.rtf"));
    // LibreOffice writes the comment's author as "??" in RTF.
    assert_places(
        &v,
        &notice_places(
            "通知.rtf",
            " › 正文 › 脚注",
            " › 正文 › 批注（??）",
            " › 正文 › 文本框",
        ),
    );
}

#[test]
pub fn xls_leaks_are_found_in_cells_hidden_sheets_comments_and_names() {
    let v = scan("名单.xls", &fixture("roster-leak.xls"));
    assert_all(
        &v,
        &[
            ("pd-0001", "名单.xls › 名单!C3", "block"),
            ("pd-0001", "名单.xls › 隐藏工作表 备份!A2", "block"),
            ("pd-0001", "名单.xls › 名单!D2 批注（张三）", "block"),
            ("in-0001", "名单.xls › 名单 页眉", "review"),
            ("in-0001", "名单.xls › 工作表名称", "review"),
            ("cm-0001", "名单.xls › 文档属性：标题", "block"),
        ],
    );
}

#[test]
pub fn ods_leaks_are_found_in_cells_hidden_sheets_comments_and_names() {
    let v = scan("名单.ods", &fixture("roster-leak.ods"));
    assert_all(
        &v,
        &[
            ("pd-0001", "名单.ods › 名单!C3", "block"),
            ("pd-0001", "名单.ods › 隐藏工作表 备份!A2", "block"),
            ("pd-0001", "名单.ods › 名单!D2 批注（张三）", "block"),
            ("in-0001", "名单.ods › 页眉", "review"),
            ("in-0001", "名单.ods › 工作表名称", "review"),
            ("cm-0001", "名单.ods › 文档属性：标题", "block"),
        ],
    );
}

#[test]
pub fn slides_leaks_are_found_in_slides_notes_and_comments() {
    for name in ["汇报.pptx", "汇报.odp"] {
        let ext = name.rsplit('.').next().unwrap();
        let v = scan(name, &fixture(&format!("slides-leak.{ext}")));
        assert_all(
            &v,
            &[
                ("cm-0001", &format!("{name} › 第1张幻灯片"), "block"),
                ("pd-0001", &format!("{name} › 第2张幻灯片"), "block"),
                ("pd-0001", &format!("{name} › 第2张幻灯片 › 备注"), "block"),
                (
                    "pd-0001",
                    &format!("{name} › 第2张幻灯片 › 批注（张三）"),
                    "block",
                ),
            ],
        );
    }
}

#[test]
pub fn pptx_slide_titles_are_located() {
    let slide = |title: &str, body: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:nvSpPr><p:cNvPr id="2" name="标题 1"/><p:cNvSpPr/><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>{title}</a:t></a:r></a:p></p:txBody></p:sp><p:sp><p:nvSpPr><p:cNvPr id="3" name="内容"/><p:cNvSpPr/><p:nvPr><p:ph idx="1"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>{body}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
        )
    };
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/></Relationships>"#;
    let presentation = r#"<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>"#;
    let deck = |title: &str, body: &str| {
        zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("ppt/presentation.xml", presentation.as_bytes()),
            ("ppt/_rels/presentation.xml.rels", rels.as_bytes()),
            ("ppt/slides/slide1.xml", slide(title, body).as_bytes()),
        ])
    };
    let v = scan("汇报.pptx", &deck("绝密★启用前", "考试安排"));
    assert_finding(&v, "cm-0001", "汇报.pptx › 第1张幻灯片 › 标题", "block");
    assert_passes("汇报.pptx", &deck("考试安排", "请各考点做好准备"));
}

#[test]
pub fn odp_slide_titles_are_located() {
    let deck = |title: &str| {
        let content = format!(
            r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:presentation><draw:page draw:name="p1"><draw:frame presentation:class="title"><draw:text-box><text:p>{title}</text:p></draw:text-box></draw:frame><draw:frame presentation:class="outline"><draw:text-box><text:p>考试安排</text:p></draw:text-box></draw:frame></draw:page></office:presentation></office:body></office:document-content>"#
        );
        zip(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.presentation",
            ),
            ("content.xml", content.as_bytes()),
        ])
    };
    let v = scan("汇报.odp", &deck("绝密★启用前"));
    assert_finding(&v, "cm-0001", "汇报.odp › 第1张幻灯片 › 标题", "block");
    assert_passes("汇报.odp", &deck("考试安排说明"));
}

#[test]
pub fn clean_twins_pass() {
    for (name, file) in [
        ("通知.doc", "notice-clean.doc"),
        ("通知.wps", "notice-clean.doc"),
        ("通知.odt", "notice-clean.odt"),
        ("通知.rtf", "notice-clean.rtf"),
        ("名单.xls", "roster-clean.xls"),
        ("名单.et", "roster-clean.xls"),
        ("名单.ods", "roster-clean.ods"),
        ("汇报.pptx", "slides-clean.pptx"),
        ("汇报.odp", "slides-clean.odp"),
    ] {
        assert_passes(name, &fixture(file));
    }
    assert_passes("公文.ofd", &ofd::ofd(&clean_ofd()));
}

/// A PowerPoint 97 file (an OLE file with a `PowerPoint Document` stream)
/// written with the cfb crate.
pub fn ole_with(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    for (name, bytes) in streams {
        // Storages on the way (`ObjectPool/_1/Ole10Native`).
        let mut path = String::new();
        for dir in name.split('/').collect::<Vec<_>>().split_last().unwrap().1 {
            path = format!("{path}/{dir}");
            if !file.exists(&path) {
                file.create_storage(&path).unwrap();
            }
        }
        let mut s = file.create_stream(name).unwrap();
        std::io::Write::write_all(&mut s, bytes).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

#[test]
pub fn ppt_and_other_ole_files_are_review_with_the_reason() {
    let ppt = ole_with(&[("PowerPoint Document", &[0u8; 600])]);
    assert_review_error(
        &scan("汇报.ppt", &ppt),
        "PowerPoint 97–2003; save it as .pptx",
    );
    assert_review_error(&scan("汇报.dps", &ppt), "PowerPoint 97–2003");
    let encrypted = ole_with(&[
        ("EncryptionInfo", &[0u8; 600]),
        ("EncryptedPackage", &[0u8; 600]),
    ]);
    assert_review_error(
        &scan("名单.xlsx", &encrypted),
        "encrypted: an Office document protected with a password",
    );
    assert_review_error(
        &scan("坏.doc", b"not a compound file at all"),
        "truncated or damaged OLE compound file",
    );
}

fn leak_ofd() -> ofd::Ofd<'static> {
    ofd::Ofd {
        info: vec![
            ("Title", "机密★1年"),
            ("Author", "张三"),
            ("CustomData:密级", "机密"),
        ],
        pages: vec![
            vec![
                // Written out of order, and the marking split in two
                // objects: reading order puts it back together.
                ofd::text(25.0, 60.0, "关于某项工作的通知"),
                ofd::text(25.0, 37.0, "机密"),
                ofd::text(36.2, 37.0, "★1年"),
                ofd::text(25.0, 80.0, "各单位：现将有关事项通知如下。"),
            ],
            vec![
                ofd::text(25.0, 37.0, "名单"),
                ofd::text(25.0, 50.0, "1"),
                ofd::text(40.0, 50.0, "110101198001011232"),
                ofd::text(25.0, 60.0, "2"),
                ofd::text(40.0, 60.0, "110101198003031237"),
            ],
        ],
        annotations: vec![(1, "张三", "请核对身份证号11010119800202123X", "已核")],
        pictures: Vec::new(),
        attachments: vec![("说明.docx", docx(&p("内部资料 注意保存"), &[]))],
    }
}

fn clean_ofd() -> ofd::Ofd<'static> {
    ofd::Ofd {
        info: vec![("Title", "关于做好防汛工作的通知"), ("Author", "张三")],
        pages: vec![vec![
            ofd::text(25.0, 37.0, "某政办〔2025〕5号"),
            ofd::text(25.0, 60.0, "关于做好防汛工作的通知"),
            ofd::text(25.0, 80.0, "联系电话：0371-12345678"),
        ]],
        annotations: vec![(0, "张三", "请核对日期", "已核")],
        pictures: Vec::new(),
        attachments: Vec::new(),
    }
}

#[test]
pub fn ofd_pages_annotations_metadata_and_attachments_are_read() {
    let file = ofd::ofd(&leak_ofd());
    let v = scan("公文.ofd", &file);
    assert_all(
        &v,
        &[
            ("cm-0001", "公文.ofd › 第1页", "block"),
            ("pd-0001", "公文.ofd › 第2页", "block"),
            ("pd-0001", "公文.ofd › 第2页 › 注释（张三）", "block"),
            ("cm-0001", "公文.ofd › 文档属性：标题", "block"),
            ("in-0001", "公文.ofd › 附件 说明.docx › 正文", "review"),
        ],
    );
    let parts = extract_parts("公文.ofd", &file, &Limits::default());
    let page1 = parts
        .parts
        .iter()
        .find(|p| p.location == "公文.ofd › 第1页")
        .unwrap();
    assert_eq!(
        page1.text,
        "机密★1年\n关于某项工作的通知\n各单位：现将有关事项通知如下。\n"
    );
    let page2 = parts
        .parts
        .iter()
        .find(|p| p.location == "公文.ofd › 第2页")
        .unwrap();
    assert_eq!(
        page2.text, "名单\n1 110101198001011232\n2 110101198003031237\n",
        "objects apart get a space"
    );
}

#[test]
pub fn ofd_inside_a_zip_is_read() {
    let inner = ofd::ofd(&leak_ofd());
    let v = scan("材料.zip", &zip(&[("2025/公文.ofd", &inner)]));
    assert_finding(&v, "cm-0001", "材料.zip/2025/公文.ofd › 第1页", "block");
}

#[test]
pub fn password_protected_legacy_and_odf_files_are_review() {
    // The FIB's fEncrypted bit (0x0100 of the flags at 0x0A) in the Word
    // stream, which starts on a sector boundary.
    let mut doc = fixture("notice-leak.doc");
    let fib = (0..doc.len())
        .step_by(512)
        .find(|&i| doc[i..].starts_with(&[0xEC, 0xA5]))
        .expect("the FIB");
    doc[fib + 0x0B] |= 0x01;
    assert_review_error(
        &scan("通知.doc", &doc),
        "encrypted: a Word document protected with a password",
    );
    let odt = zip(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", b"<office:document-content/>"),
        (
            "META-INF/manifest.xml",
            br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry></manifest:manifest>"#,
        ),
    ]);
    assert_review_error(
        &scan("通知.odt", &odt),
        "encrypted: an OpenDocument file protected with a password",
    );
}

/// A minimal Word 97 document: a FIB whose piece table has one UTF-16
/// piece holding `text` (a paragraph mark is added), plus `extra` streams.
pub fn minimal_doc(text: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let chars: Vec<u16> = format!("{text}\r").encode_utf16().collect();
    let mut word = vec![0u8; 1024];
    word[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    word[2..4].copy_from_slice(&193u16.to_le_bytes());
    word[0x0A..0x0C].copy_from_slice(&0x0200u16.to_le_bytes()); // 1Table
    word[32..34].copy_from_slice(&14u16.to_le_bytes()); // csw
    let lw = 34 + 28 + 2;
    word[lw - 2..lw].copy_from_slice(&22u16.to_le_bytes()); // cslw
    word[lw + 12..lw + 16].copy_from_slice(&(chars.len() as u32).to_le_bytes()); // ccpText
    let fclcb = lw + 88 + 2;
    word[fclcb - 2..fclcb].copy_from_slice(&93u16.to_le_bytes());
    word.extend(chars.iter().flat_map(|c| c.to_le_bytes()));
    let mut clx = vec![0x02u8];
    clx.extend(16u32.to_le_bytes());
    clx.extend(0u32.to_le_bytes());
    clx.extend((chars.len() as u32).to_le_bytes());
    clx.extend([0, 0]);
    clx.extend(1024u32.to_le_bytes()); // fc: the text, UTF-16
    clx.extend([0, 0]);
    word[fclcb + 33 * 8 + 4..fclcb + 33 * 8 + 8].copy_from_slice(&(clx.len() as u32).to_le_bytes());
    let mut streams: Vec<(&str, &[u8])> = vec![("WordDocument", &word), ("1Table", &clx)];
    streams.extend_from_slice(extra);
    ole_with(&streams)
}

#[test]
pub fn embedded_objects_in_legacy_files_are_review_and_the_text_is_still_read() {
    let plain = minimal_doc("机密★1年", &[]);
    let v = scan("通知.doc", &plain);
    assert_finding(&v, "cm-0001", "通知.doc › 正文", "block");
    assert!(v.error.is_none(), "{:?}", v.error);
    let with_object = minimal_doc(
        "关于某项工作的通知",
        &[(
            "ObjectPool/_1412/\u{1}Ole10Native",
            b"an embedded worksheet",
        )],
    );
    let v = scan("通知.doc", &with_object);
    assert_review_error(&v, "通知.doc › 嵌入对象: 1 embedded object(s)");
}
