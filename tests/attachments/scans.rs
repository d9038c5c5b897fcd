//! Scans and pictures, read by OCR (tesseract, chi_sim + eng; installed by
//! ./test.sh): a page with a marking at the top and a column of ID numbers
//! (two ending in X), rendered at 150 and 300 dpi, as a PNG, a JPEG, a PDF
//! holding only the picture, a picture in a .docx, an .odt and an OFD; each
//! must be found, located, and say that OCR read it. Clean twins pass.

use super::*;
use baomi::attach::scan::OCR_STAGE;
use scanpage::{heading, line, render_page, Stored};

fn leak_lines() -> Vec<String> {
    vec![
        "机密★1年".into(),
        "关于发放2025年补贴的通知".into(),
        "各乡镇：现将补贴名单印发给你们。".into(),
        "序号  姓名  身份证号".into(),
        format!("1  王强  {ID}"),
        format!("2  李明  {}", resident_id("11010119800101123")),
        format!("3  张伟  {}", resident_id("11010119800202123")),
    ]
}

fn clean_lines() -> Vec<String> {
    vec![
        "某政办〔2025〕5号".into(),
        "关于发放2025年补贴的通知".into(),
        "各乡镇：现将补贴名单印发给你们。".into(),
        "序号  姓名  身份证号".into(),
        "1  王*强  110***********002X".into(),
        "2  李*明  110***********1232".into(),
        "3  张*伟  110***********123X".into(),
    ]
}

pub fn page(lines: &[String], dpi: u32) -> image::GrayImage {
    let lines: Vec<scanpage::Line> = lines
        .iter()
        .enumerate()
        .map(|(i, t)| if i < 2 { heading(t) } else { line(t) })
        .collect();
    render_page(&lines, dpi)
}

#[track_caller]
fn assert_ocr_finds_the_page(v: &AttachmentVerdict, location: &str) {
    assert_eq!(
        v.decision,
        Decision::Block,
        "{:#?} {:?}",
        located(v),
        v.error
    );
    assert_finding(v, "cm-0001", location, "block");
    let ids = v.findings.iter().filter(|f| f.rule == "pd-0001").count();
    assert_eq!(ids, 3, "all three IDs, X ones too: {:#?}", located(v));
    assert!(
        v.findings
            .iter()
            .all(|f| f.explanation.stages.iter().any(|s| s == OCR_STAGE)),
        "every finding says OCR read it"
    );
    assert!(v.error.is_none(), "{:?}", v.error);
}

#[test]
pub fn a_scanned_page_as_a_picture_is_read_at_150_and_300_dpi() {
    for dpi in [150, 300] {
        let leak = page(&leak_lines(), dpi);
        if let Ok(dir) = std::env::var("BAOMI_WRITE_SCANS") {
            std::fs::write(format!("{dir}/leak-{dpi}.png"), scanpage::png(&leak)).unwrap();
        }
        assert_ocr_finds_the_page(&scan("通知.png", &scanpage::png(&leak)), "通知.png");
        let clean = page(&clean_lines(), dpi);
        let v = scan("通知.png", &scanpage::png(&clean));
        assert_eq!(
            v.decision,
            Decision::Pass,
            "{dpi} dpi: {:#?} {:?}",
            located(&v),
            v.error
        );
    }
}

#[test]
pub fn a_photo_as_jpeg_is_read() {
    let leak = page(&leak_lines(), 200);
    assert_ocr_finds_the_page(&scan("名单.jpg", &scanpage::jpeg(&leak, 80)), "名单.jpg");
}

#[test]
pub fn a_pdf_of_scanned_pages_is_read_page_by_page() {
    let leak = page(&leak_lines(), 150);
    let clean = page(&clean_lines(), 150);
    for stored in [Stored::Jpeg, Stored::Flate] {
        let pdf = scanpage::scanned_pdf(&[(&clean, Stored::Jpeg), (&leak, stored)]);
        let v = scan("通知.pdf", &pdf);
        assert_ocr_finds_the_page(&v, "通知.pdf › 第2页（扫描）");
    }
    let pdf = scanpage::scanned_pdf(&[(&clean, Stored::Flate)]);
    let v = scan("通知.pdf", &pdf);
    assert_eq!(
        v.decision,
        Decision::Pass,
        "{:#?} {:?}",
        located(&v),
        v.error
    );
}

#[test]
pub fn a_scanned_page_pasted_into_a_docx_is_read() {
    let picture = scanpage::png(&page(&leak_lines(), 150));
    let file = scanpage::docx_with_picture(&["关于补贴发放的说明", "名单见下图。"], &picture);
    assert_ocr_finds_the_page(&scan("通知.docx", &file), "通知.docx › 图片 1");
    let clean = scanpage::png(&page(&clean_lines(), 150));
    let file = scanpage::docx_with_picture(&["关于补贴发放的说明", "名单见下图。"], &clean);
    let v = scan("通知.docx", &file);
    assert_eq!(
        v.decision,
        Decision::Pass,
        "{:#?} {:?}",
        located(&v),
        v.error
    );
}

#[test]
pub fn odf_pictures_are_read_and_the_thumbnail_is_not() {
    let leak = scanpage::png(&page(&leak_lines(), 150));
    let clean = scanpage::png(&page(&clean_lines(), 150));
    // The thumbnail is a picture of the first page: it shows the leak, but
    // it is not read again (and a clean file with one passes).
    let file = scanpage::odt_with_picture("名单见下图。", &leak, &leak);
    assert_ocr_finds_the_page(&scan("通知.odt", &file), "通知.odt › 图片 1");
    let file = scanpage::odt_with_picture("名单见下图。", &clean, &leak);
    let v = scan("通知.odt", &file);
    assert_eq!(
        v.decision,
        Decision::Pass,
        "{:#?} {:?}",
        located(&v),
        v.error
    );
}

#[test]
pub fn ofd_pictures_are_read() {
    let spec = ofd::Ofd {
        pages: vec![vec![ofd::text(25.0, 37.0, "名单见附图")]],
        pictures: vec![("image_1.png", scanpage::png(&page(&leak_lines(), 150)))],
        ..ofd::Ofd::default()
    };
    assert_ocr_finds_the_page(&scan("公文.ofd", &ofd::ofd(&spec)), "公文.ofd › 图片 1");
}

#[test]
pub fn a_scanned_page_on_which_ocr_finds_nothing_is_review() {
    let blank = render_page(&[], 150);
    let pdf = scanpage::scanned_pdf(&[(&blank, Stored::Jpeg)]);
    assert_review_error(
        &scan("扫描.pdf", &pdf),
        "扫描.pdf › 第1页（扫描）: scanned page: OCR found no text",
    );
    // A picture without text (a photo, a logo) adds nothing and passes.
    let v = scan("照片.png", &scanpage::png(&blank));
    assert_eq!(v.decision, Decision::Pass, "{v:#?}");
}

#[test]
pub fn tiff_and_bmp_scans_are_read() {
    let leak = page(&leak_lines(), 150);
    for (name, format) in [
        ("扫描.tif", image::ImageFormat::Tiff),
        ("扫描.bmp", image::ImageFormat::Bmp),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        leak.write_to(&mut bytes, format).unwrap();
        assert_ocr_finds_the_page(&scan(name, &bytes.into_inner()), name);
    }
}

#[test]
pub fn ocr_over_its_memory_limit_is_review() {
    let picture = scanpage::png(&page(&leak_lines(), 150));
    let limits = Limits {
        ocr_memory_bytes: 16 << 20,
        ..Limits::default()
    };
    let v = hostile::quickly(|| scan_limited("通知.png", &picture, &limits));
    assert_review_error(&v, "OCR failed on this picture");
}

#[test]
pub fn ocr_over_its_time_limit_is_review() {
    let picture = scanpage::png(&page(&leak_lines(), 150));
    let limits = Limits {
        ocr_timeout: Duration::from_millis(20),
        ..Limits::default()
    };
    let v = hostile::quickly(|| scan_limited("通知.png", &picture, &limits));
    assert_review_error(&v, "OCR of this picture took longer than 20 ms");
}

#[test]
pub fn pictures_claiming_huge_sizes_are_refused_without_decoding() {
    // A PNG whose header says 100,000 × 100,000 (its data is tiny).
    let mut bomb = scanpage::png(&image::GrayImage::new(1, 1));
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = {
        let mut c = flate2::Crc::new();
        c.update(&bomb[12..29]);
        c.sum()
    };
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    for (name, file) in [
        ("炸弹.png", bomb.clone()),
        ("炸弹.docx", scanpage::docx_with_picture(&["见图"], &bomb)),
    ] {
        let v = hostile::quickly(|| scan(name, &file));
        assert_review_error(&v, "picture of 100000 × 100000 pixels is over the limit");
    }
    // A PDF image XObject claiming the same.
    let tiny = image::GrayImage::new(8, 8);
    let pdf = scanpage::scanned_pdf(&[(&tiny, Stored::Claims(100_000, 100_000))]);
    let v = hostile::quickly(|| scan("炸弹.pdf", &pdf));
    assert_review_error(
        &v,
        "炸弹.pdf › 第1页（扫描）: picture of 100000 × 100000 pixels",
    );
    // Filters baomi does not decode are named.
    let pdf = scanpage::scanned_pdf(&[(&tiny, Stored::Other("JBIG2Decode"))]);
    assert_review_error(&scan("扫描.pdf", &pdf), "PDF image with filter JBIG2Decode");
}
