//! What a hostile review found unscanned inside attachments: names, entries
//! next to a Word document, parts found only through relationships,
//! embedded content, PDF properties and annotations. Each of these passed
//! before.

use super::*;

#[test]
fn an_attachment_name_and_an_entry_name_are_scanned() {
    let v = scan("机密★1年 关于某工程的请示.txt", "普通正文".as_bytes());
    assert_ne!(v.decision, Decision::Pass, "{:#?}", located(&v));
    assert!(
        located(&v).iter().any(
            |(rule, at, _)| rule == "cm-0001" && at == "机密★1年 关于某工程的请示.txt › 文件名"
        ),
        "{:#?}",
        located(&v)
    );
    let archive = zip(&[("材料/机密★1年 关于某工程的请示.txt", "普通正文".as_bytes())]);
    let v = scan("材料.zip", &archive);
    assert_ne!(v.decision, Decision::Pass, "{:#?}", located(&v));
    assert!(
        located(&v)
            .iter()
            .any(|(_, at, _)| at == "材料.zip/材料/机密★1年 关于某工程的请示.txt › 文件名"),
        "{:#?}",
        located(&v)
    );
    // A plain name stays quiet.
    let v = scan("2025年工作总结.txt", "普通正文".as_bytes());
    assert_eq!(v.decision, Decision::Pass, "{:#?}", located(&v));
}

#[test]
fn an_entry_dropped_next_to_a_word_document_is_read_and_reported() {
    let mut file = docx(&p("关于春季植树活动的通知"), &[]);
    file = rezip_with(
        &file,
        &[("secret.txt", "机密★1年\n某项工作方案".as_bytes())],
    );
    let v = scan("通知.docx", &file);
    assert_eq!(v.decision, Decision::Block, "{:#?}", located(&v));
    assert_finding(&v, "cm-0001", "通知.docx › secret.txt", "block");
    let error = v.error.as_deref().unwrap_or("");
    assert!(
        error.contains("secret.txt") && error.contains("does not list"),
        "{error}"
    );
}

/// A .docx whose relationships name its header `h1.xml`, embed an HTML
/// chunk and a whole .docx: all read, each located.
#[test]
fn parts_found_through_relationships_and_embedded_documents_are_read() {
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="h1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="chunk.htm"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/package" Target="embeddings/Microsoft_Word_Document.docx"/></Relationships>"#;
    let inner = docx(&p("秘密★6个月"), &[]);
    let base = docx(
        &p("正文第一段"),
        &[
            ("word/_rels/document.xml.rels", rels),
            ("word/h1.xml", &p("内部资料")),
        ],
    );
    let file = rezip_with(
        &base,
        &[
            (
                "word/chunk.htm",
                "<html><body><p>此件不公开</p></body></html>".as_bytes(),
            ),
            ("word/embeddings/Microsoft_Word_Document.docx", &inner),
        ],
    );
    let v = scan("通知.docx", &file);
    let got = located(&v);
    assert!(
        got.iter()
            .any(|(r, at, _)| r == "in-0001" && at == "通知.docx › 页眉"),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|(r, at, _)| r == "in-0005" && at == "通知.docx › word/chunk.htm"),
        "{got:#?}"
    );
    assert!(
        got.iter().any(|(r, at, _)| r == "cm-0001"
            && at == "通知.docx › word/embeddings/Microsoft_Word_Document.docx › 正文"),
        "{got:#?}"
    );
    // Listed by the relationships: not "unexpected".
    assert!(v.error.is_none(), "{:?}", v.error);
    assert_eq!(v.decision, Decision::Block);
}

#[test]
fn a_part_of_an_unknown_kind_is_read_and_reported_not_skipped() {
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://example.invalid/relationships/notes" Target="notes.xml"/></Relationships>"#;
    let file = docx(
        &p("正文"),
        &[
            ("word/_rels/document.xml.rels", rels),
            ("word/notes.xml", "<notes><n>不得外传</n></notes>"),
        ],
    );
    let v = scan("通知.docx", &file);
    assert_review_error(&v, "word/notes.xml");
    assert!(
        located(&v)
            .iter()
            .any(|(_, at, _)| at == "通知.docx › word/notes.xml"),
        "{:#?}",
        located(&v)
    );
    // Styles, themes and pictures are no problem.
    let file = docx(
        &p("正文"),
        &[
            ("word/styles.xml", "<w:styles/>"),
            ("word/theme/theme1.xml", "<a:theme/>"),
        ],
    );
    let file = rezip_with(&file, &[("word/media/image1.png", b"\x89PNG....")]);
    assert_eq!(scan("通知.docx", &file).decision, Decision::Pass);
}

#[test]
fn pdf_properties_and_annotations_are_read() {
    let file = pdf_with(
        &["关于春季植树活动的通知"],
        &[("Title", "机密★1年 关于某工程的请示"), ("Author", "办公室")],
        &[(0, "张三", "内部资料，请勿外传")],
    );
    let v = scan("通知.pdf", &file);
    let got = located(&v);
    assert!(
        got.iter()
            .any(|(r, at, _)| r == "cm-0001" && at == "通知.pdf › 文档属性：标题"),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|(_, at, _)| at == "通知.pdf › 第1页 › 批注（张三）"),
        "{got:#?}"
    );
    // The same PDF without them passes.
    assert_eq!(
        scan("通知.pdf", &pdf(&["关于春季植树活动的通知"])).decision,
        Decision::Pass
    );
}
