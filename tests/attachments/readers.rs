//! Each format, each place a leak can hide, and the locations a person would look at.

use super::*;
use baomi::attach::item_decision;

#[test]
pub fn docx_marking_at_the_top_of_the_body_blocks() {
    let file = docx(
        &format!("{}{}", p("机密★1年"), p("关于某项工作的通知")),
        &[],
    );
    let v = scan("通知.docx", &file);
    assert_eq!(v.decision, Decision::Block, "{v:#?}");
    assert_finding(&v, "cm-0001", "通知.docx › 正文", "block");
    let f = &v.findings[0];
    assert_eq!((f.start, f.end, f.text.as_str()), (0, 5, "机密★1年"));
    assert!(f.excerpt.contains("关于某项工作的通知"), "{}", f.excerpt);
    assert!(v.error.is_none());
}

#[test]
pub fn docx_parts_each_name_where_they_are() {
    let body = format!(
        concat!(
            "{}",
            // A tracked deletion and insertion by two reviewers.
            r#"<w:p><w:r><w:t xml:space="preserve">联系人身份证号：</w:t></w:r><w:del w:id="1" w:author="李四"><w:r><w:delText>{}</w:delText></w:r></w:del></w:p>"#,
            r#"<w:p><w:ins w:id="2" w:author="王五"><w:r><w:t>户主身份证号{}</w:t></w:r></w:ins></w:p>"#,
            // Hidden text.
            r#"<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>身份证号{}</w:t></w:r></w:p>"#,
            // A text box, with the Fallback copy that Word writes too.
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><wps:txbx><w:txbxContent><w:p><w:r><w:t>身份证号{}</w:t></w:r></w:p></w:txbxContent></wps:txbx></mc:Choice><mc:Fallback><v:textbox><w:txbxContent><w:p><w:r><w:t>身份证号{}</w:t></w:r></w:p></w:txbxContent></v:textbox></mc:Fallback></mc:AlternateContent></w:r></w:p>"#,
        ),
        p("关于某项工作的通知"),
        ID,
        resident_id("11010119800101123"),
        resident_id("11010119800202123"),
        resident_id("11010119800303123"),
        resident_id("11010119800303123"),
    );
    let comments = format!(
        r#"<w:comment w:id="0" w:author="张三" w:initials="ZS"><w:p><w:r><w:t>请核对身份证号{}</w:t></w:r></w:p></w:comment>"#,
        resident_id("11010119800404123")
    );
    let file = docx(
        &body,
        &[
            ("word/header1.xml", &p("内部资料")),
            ("word/footer1.xml", &p("第1页")),
            (
                "word/footnotes.xml",
                &format!(
                    r#"<w:footnote w:id="1"><w:p><w:r><w:t>经办人手机13812345678，住址某村3号，身份证号{}</w:t></w:r></w:p></w:footnote>"#,
                    resident_id("11010119800505123")
                ),
            ),
            ("word/comments.xml", &comments),
            (
                "docProps/core.xml",
                &core_properties(&[
                    ("dc:title", "机密★1年"),
                    ("dc:creator", "张三 13912345678"),
                    ("cp:lastModifiedBy", "李四"),
                ]),
            ),
        ],
    );
    let v = scan("通知.docx", &file);
    for (rule, location, severity) in [
        ("pd-0001", "通知.docx › 正文 › 删除的修订（李四）", "block"),
        ("pd-0001", "通知.docx › 正文 › 插入的修订（王五）", "block"),
        ("pd-0001", "通知.docx › 正文 › 隐藏文字", "block"),
        ("pd-0001", "通知.docx › 正文 › 文本框", "block"),
        ("pd-0001", "通知.docx › 批注（张三）", "block"),
        ("pd-0001", "通知.docx › 脚注", "block"),
        ("in-0001", "通知.docx › 页眉", "review"),
        ("cm-0001", "通知.docx › 文档属性：标题", "block"),
        ("pd-0003", "通知.docx › 文档属性：作者", "info"),
    ] {
        assert_finding(&v, rule, location, severity);
    }
    // The Fallback copy of the text box is not read twice.
    let boxes = located(&v)
        .into_iter()
        .filter(|(_, l, _)| l.ends_with("文本框"))
        .count();
    assert_eq!(boxes, 1, "{:#?}", located(&v));
    // Six distinct IDs over several parts: a list, so every one blocks.
    assert_eq!(v.decision, Decision::Block);
    assert!(v.error.is_none(), "{:?}", v.error);
}

/// Issue 9: a label in a deleted revision used to be joined to the sentence
/// after it and read as named (`（此件不公开）关于……` inside one line).
/// Revisions and text boxes are lines of their own, so it stands applied.
#[test]
pub fn a_label_in_a_deleted_revision_is_a_line_of_its_own() {
    let body = concat!(
        r#"<w:p><w:r><w:t xml:space="preserve">请各单位认真贯彻落实。</w:t></w:r>"#,
        r#"<w:del w:id="1" w:author="李四"><w:r><w:delText>此件不公开</w:delText></w:r></w:del>"#,
        r#"<w:r><w:t>县政府办公室将适时开展督查。</w:t></w:r></w:p>"#,
    );
    let file = docx(&format!("{}{}", p("关于某项工作的通知"), body), &[]);
    let got = extract_parts("通知.docx", &file, &Limits::default());
    let main = got
        .parts
        .iter()
        .find(|p| p.location == "通知.docx › 正文")
        .expect("the body part");
    assert!(
        main.text.contains("\n此件不公开\n"),
        "the revision is not a line of its own: {:?}",
        main.text
    );
    let v = scan("通知.docx", &file);
    assert_eq!(v.decision, Decision::Review, "{v:#?}");
    assert!(
        located(&v)
            .iter()
            .any(|(_, l, _)| l == "通知.docx › 正文 › 删除的修订（李四）"),
        "{:#?}",
        located(&v)
    );
}

#[test]
pub fn docx_properties_and_body_text_are_what_extraction_returns() {
    let file = docx(
        &format!("{}{}", p("第一段"), p("第二段")),
        &[(
            "docProps/core.xml",
            &core_properties(&[("cp:lastModifiedBy", "李四"), ("dc:creator", "张三")]),
        )],
    );
    let got = extract_parts("通知.docx", &file, &Limits::default());
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    let parts: Vec<(&str, &str)> = got
        .parts
        .iter()
        .map(|p| (p.location.as_str(), p.text.as_str()))
        .collect();
    assert_eq!(
        parts,
        [
            ("通知.docx › 文件名", "通知.docx"),
            ("通知.docx › 正文", "第一段\n第二段\n"),
            ("通知.docx › 文档属性：作者", "张三"),
            ("通知.docx › 文档属性：最后修改者", "李四"),
        ]
    );
}

#[test]
pub fn a_clean_docx_passes() {
    let file = docx(
        &format!(
            "{}{}",
            p("关于开展保密宣传月活动的通知"),
            p("各单位要加强保密教育，严防失泄密事件发生。")
        ),
        &[],
    );
    let v = scan("通知.docx", &file);
    assert_eq!(v.decision, Decision::Pass, "{v:#?}");
    assert!(v.findings.is_empty() && v.error.is_none());
}

// ---------------------------------------------------------------- .xlsx

pub fn roster(ids: &[String]) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "序号".to_string(),
        "姓名".into(),
        "身份证号".into(),
        "金额".into(),
    ]];
    for (i, id) in ids.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            format!("王某{i}"),
            id.clone(),
            "300".into(),
        ]);
    }
    rows
}

#[test]
pub fn xlsx_list_of_ids_blocks_and_points_at_cells() {
    // Rows 2..=14: the 13th ID is in C14.
    let ids = resident_ids(13);
    let file = xlsx(&[Sheet::new("名单", roster(&ids))], &[]);
    let v = scan("名单.xlsx", &file);
    assert_eq!(v.decision, Decision::Block, "{v:#?}");
    assert_eq!(v.findings.len(), 13, "{:#?}", located(&v));
    assert_finding(&v, "pd-0001", "名单.xlsx › 名单!C2", "block");
    assert_finding(&v, "pd-0001", "名单.xlsx › 名单!C14", "block");
    let f = v
        .findings
        .iter()
        .find(|f| f.location.as_deref() == Some("名单.xlsx › 名单!C14"))
        .unwrap();
    assert_eq!(f.text, ids[12]);
}

#[test]
pub fn xlsx_three_ids_in_different_cells_are_a_list() {
    let ids = resident_ids(3);
    let rows = vec![
        vec!["".to_string(), ids[0].clone()],
        vec![ids[1].clone()],
        vec!["".into(), "".into(), "".into(), ids[2].clone()],
    ];
    let v = scan("表.xlsx", &xlsx(&[Sheet::new("Sheet1", rows)], &[]));
    assert_eq!(v.decision, Decision::Block, "{v:#?}");
    for cell in ["B1", "A2", "D3"] {
        assert_finding(&v, "pd-0001", &format!("表.xlsx › Sheet1!{cell}"), "block");
    }
}

#[test]
pub fn xlsx_hidden_sheets_comments_and_sheet_names_are_read() {
    let mut hidden = Sheet::new("备份", vec![vec!["王某".into(), ID.into()]]);
    hidden.state = "hidden";
    let mut very = Sheet::new(
        "底稿",
        vec![vec!["".into(), "".into(), resident_id("11010119800101123")]],
    );
    very.state = "veryHidden";
    let comment = format!("原始身份证号{ID}已核");
    let mut visible = Sheet::new("汇总", vec![vec!["合计".into(), "300".into()]; 5]);
    visible.comments.push(("D5", "张三", &comment));
    let marked = Sheet::new("机密★1年", vec![vec!["x".into()]]);
    let v = scan("名单.xlsx", &xlsx(&[visible, hidden, very, marked], &[]));
    // Two distinct IDs (the comment repeats the hidden sheet's): reviews.
    assert_finding(&v, "pd-0001", "名单.xlsx › 隐藏工作表 备份!B1", "review");
    assert_finding(
        &v,
        "pd-0001",
        "名单.xlsx › 深度隐藏工作表 底稿!C1",
        "review",
    );
    assert_finding(&v, "pd-0001", "名单.xlsx › 汇总!D5 批注（张三）", "review");
    assert_finding(&v, "cm-0001", "名单.xlsx › 工作表名称", "block");
    assert_eq!(v.decision, Decision::Block);
}

#[test]
pub fn xlsx_numbers_are_read_as_written_and_mobiles_count() {
    // 25 mobiles stored as numbers (one in exponent form, as some tools
    // write them): a list of 20+ mobiles is a block.
    let mut rows: Vec<Vec<String>> = (0..24)
        .map(|i| vec![format!("户主{i}"), format!("1381234{:04}", 1000 + i)])
        .collect();
    let extra_sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="3"><c r="B3"><v>1.3912345678E10</v></c></row></sheetData></worksheet>"#;
    rows.push(vec![]);
    let file = xlsx(&[Sheet::new("名单", rows)], &[]);
    // Swap in a second sheet by hand: same builder, extra part + workbook
    // entry would need more plumbing, so check the number form directly.
    let v = scan("名单.xlsx", &file);
    assert_eq!(v.decision, Decision::Block, "{:#?}", located(&v));
    assert_finding(&v, "pd-0003", "名单.xlsx › 名单!B24", "block");
    let with_exponent = zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", br#"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", extra_sheet.as_bytes()),
    ]);
    let got = extract_parts("a.xlsx", &with_exponent, &Limits::default());
    let sheet = got
        .parts
        .iter()
        .find(|p| p.location == "a.xlsx › S")
        .unwrap();
    assert_eq!(sheet.text, "13912345678", "{:#?}", got);
    assert_eq!(sheet.location_at(0), "a.xlsx › S!B3");
}

// ---------------------------------------------------------------- .pdf

#[test]
pub fn pdf_pages_are_located() {
    let file = pdf(&[
        "机密★1年\n关于某项工作的通知",
        "一、工作要求",
        &format!("附：联系人身份证号{ID}"),
    ]);
    let v = scan("内部通知.pdf", &file);
    assert_eq!(v.decision, Decision::Block, "{v:#?}");
    assert_finding(&v, "cm-0001", "内部通知.pdf › 第1页", "block");
    assert_finding(&v, "pd-0001", "内部通知.pdf › 第3页", "review");
    assert!(v.error.is_none(), "{:?}", v.error);
}

/// The pages of `fixtures/attachments/notice.pdf`.
pub fn notice_pages() -> Vec<String> {
    vec![
        "机密★1年\n关于做好困难群众救助工作的通知".to_string(),
        format!("附件：救助对象名单\n王某某 身份证号{ID}"),
    ]
}

#[test]
pub fn committed_pdf_fixture_reads_back() {
    // fixtures/attachments/notice.pdf is made by `office::pdf` (see
    // fixtures/attachments/README.md) and kept as a file so that other PDF
    // tools (pdftotext, a viewer) can open the very same bytes.
    // BAOMI_REGENERATE_FIXTURES=1 rewrites it.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/attachments/notice.pdf"
    );
    let pages = notice_pages();
    let made = pdf(&pages.iter().map(String::as_str).collect::<Vec<_>>());
    if std::env::var_os("BAOMI_REGENERATE_FIXTURES").is_some() {
        std::fs::write(path, &made).unwrap();
    }
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        bytes, made,
        "the committed fixture is what the builder makes"
    );
    let v = scan("notice.pdf", &bytes);
    assert_finding(&v, "cm-0001", "notice.pdf › 第1页", "block");
    assert_finding(&v, "pd-0001", "notice.pdf › 第2页", "review");
}

// ---------------------------------------------------------------- .zip and text files

#[test]
pub fn nested_zip_locations_name_the_path_sheet_and_cell() {
    let ids = resident_ids(13);
    let inner = zip(&[(
        "2025/名单.xlsx",
        &xlsx(&[Sheet::new("名单", roster(&ids))], &[]),
    )]);
    let outer = zip(&[
        ("说明.txt", "本材料已按规定脱敏。".as_bytes()),
        ("附件/名单.zip", &inner),
    ]);
    let v = scan("材料.zip", &outer);
    assert_eq!(v.decision, Decision::Block);
    assert_finding(
        &v,
        "pd-0001",
        "材料.zip/附件/名单.zip/2025/名单.xlsx › 名单!C14",
        "block",
    );
    let direct = scan("名单.zip", &inner);
    assert_finding(
        &direct,
        "pd-0001",
        "名单.zip/2025/名单.xlsx › 名单!C14",
        "block",
    );
}

#[test]
pub fn zip_of_text_html_csv_and_markdown() {
    let csv = format!("序号,姓名,身份证号\n1,王某,{ID}\n");
    let file = zip(&[
        ("通知.txt", "机密★1年\n关于某项工作的通知".as_bytes()),
        ("页面.html", "<p>内部资料</p><p>正文</p>".as_bytes()),
        ("名单.csv", csv.as_bytes()),
        ("说明.md", "# 说明\n\n公开信息".as_bytes()),
        ("__MACOSX/._通知.txt", b"\0\x05\x16\x07binary"),
        (".DS_Store", b"\0\0\0\x01Bud1"),
    ]);
    let v = scan("材料.zip", &file);
    assert_finding(&v, "cm-0001", "材料.zip/通知.txt", "block");
    assert_finding(&v, "in-0001", "材料.zip/页面.html", "review");
    assert_finding(&v, "pd-0001", "材料.zip/名单.csv!C2", "review");
    assert!(
        v.error.is_none(),
        "litter is skipped, not reported: {:?}",
        v.error
    );
}

#[test]
pub fn gbk_entry_names_are_decoded() {
    // 名单.txt in GBK is 8 bytes, like the placeholder; no UTF-8 flag.
    let file = zip(&[("abcd.txt", format!("身份证号{ID}").as_bytes())]);
    let file = patch_bytes(file, b"abcd.txt", b"\xc3\xfb\xb5\xa5.txt");
    let v = scan("材料.zip", &file);
    assert_finding(&v, "pd-0001", "材料.zip/名单.txt", "review");
}

#[test]
pub fn a_list_spread_over_files_is_still_a_list() {
    let ids = resident_ids(3);
    let a = format!("身份证号{}", ids[0]);
    let b = format!("身份证号{}", ids[1]);
    let c = format!("身份证号{}", ids[2]);
    let file = zip(&[
        ("a.txt", a.as_bytes()),
        ("b.txt", b.as_bytes()),
        ("c.txt", c.as_bytes()),
    ]);
    let v = scan("材料.zip", &file);
    assert_eq!(v.decision, Decision::Block, "{:#?}", located(&v));
    assert!(v.findings.iter().all(|f| f.severity.as_str() == "block"));
    assert!(v.findings[0]
        .explanation
        .stages
        .iter()
        .any(|s| s.contains("本附件中")));
}

#[test]
pub fn csv_and_text_attachments_read_directly() {
    let v = scan("名单.csv", format!("姓名,身份证号\n王某,{ID}\n").as_bytes());
    assert_finding(&v, "pd-0001", "名单.csv!B2", "review");
    let v = scan("说明.txt", "\u{feff}内部资料\n正文".as_bytes());
    assert_finding(&v, "in-0001", "说明.txt", "review");
}

#[test]
pub fn the_item_takes_the_worst_of_its_text_and_attachments() {
    let text = engine().scan(&Document::text("关于开展保密宣传月活动的通知"));
    let clean = scan("说明.txt", "公开信息".as_bytes());
    let marked = scan(
        "通知.docx",
        &docx(&format!("{}{}", p("机密★1年"), p("通知")), &[]),
    );
    assert_eq!(
        item_decision(Some(&text), std::slice::from_ref(&clean)),
        Decision::Pass
    );
    assert_eq!(
        item_decision(Some(&text), &[clean, marked]),
        Decision::Block
    );
    let unreadable = scan("扫描件.jpg", b"\xff\xd8\xff\xe0JFIF");
    assert_eq!(item_decision(Some(&text), &[unreadable]), Decision::Review);
}

// ---------------------------------------------------------------- hostile files
