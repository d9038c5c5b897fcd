//! `baomi scan` on the formats of issue 10: legacy Office, WPS, ODF, RTF and
//! pictures in a folder walk.

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/attachments/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn folders_with_legacy_odf_and_picture_files_are_walked_and_read() {
    let dir = temp_dir("formats");
    for (name, file) in [
        ("通知.doc", "notice-leak.doc"),
        ("名单.et", "roster-leak.xls"),
        ("汇报.pptx", "slides-clean.pptx"),
        ("通知.odt", "notice-clean.odt"),
        ("说明.rtf", "notice-clean.rtf"),
    ] {
        std::fs::write(dir.join(name), fixture(file)).unwrap();
    }
    let out = baomi()
        .args(["scan", "--format", "jsonl"])
        .arg(&dir)
        .output()
        .unwrap();
    let rows = jsonl(&out);
    let by_name = |n: &str| {
        rows.iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("{n} not scanned: {rows:?}"))
            .clone()
    };
    assert_eq!(by_name("通知.doc")["decision"], "block");
    assert_eq!(by_name("名单.et")["decision"], "block");
    for clean in ["汇报.pptx", "通知.odt", "说明.rtf"] {
        assert_eq!(by_name(clean)["decision"], "pass", "{}", by_name(clean));
    }
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn pictures_without_tesseract_are_review_naming_the_packages() {
    let dir = temp_dir("no-ocr");
    let mut png = std::io::Cursor::new(Vec::new());
    image::GrayImage::from_pixel(64, 64, image::Luma([238]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let png = png.into_inner();
    std::fs::write(dir.join("照片.png"), png).unwrap();
    let out = baomi()
        .args(["scan", "--format", "jsonl"])
        .arg(dir.join("照片.png"))
        .env("BAOMI_TESSERACT", "/nonexistent/tesseract")
        .output()
        .unwrap();
    let rows = jsonl(&out);
    assert_eq!(rows[0]["decision"], "review", "{}", rows[0]);
    let error = rows[0]["error"].as_str().unwrap();
    assert!(
        error.contains("OCR is not available")
            && error.contains("tesseract-ocr tesseract-ocr-chi-sim"),
        "{error}"
    );
}
