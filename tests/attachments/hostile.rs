//! Hostile files: each gives a clear error and `review`, quickly, without a panic.

use super::readers::roster;
use super::*;

/// Every hostile file must be answered quickly: a bound on the clock that a
/// loop or an unbounded expansion would break.
#[track_caller]
pub fn quickly<T>(f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    out
}

#[test]
pub fn zip_bomb_by_ratio_is_refused_before_it_expands() {
    let zeros = vec![0u8; 16 << 20];
    let bomb = zip(&[("zeros.txt", &zeros)]);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let v = quickly(|| scan("bomb.zip", &bomb));
    assert_review_error(&v, "zip bomb: entry expands");
    assert_review_error(&v, "exceeds 100");
    assert!(v
        .error
        .as_deref()
        .unwrap()
        .starts_with("bomb.zip/zeros.txt: "));
}

#[test]
pub fn zip_bomb_with_a_lying_header_is_caught_while_expanding() {
    let zeros = vec![0u8; 16 << 20];
    let bomb = zip(&[("zeros.txt", &zeros)]);
    // Claim 1,000 bytes uncompressed in both headers (the size fields sit
    // at +22 in the local header and +24 in the central one).
    let mut lying = bomb.clone();
    for (sig, at) in [(&b"PK\x03\x04"[..], 22), (&b"PK\x01\x02"[..], 24)] {
        let i = lying.windows(4).position(|w| w == sig).unwrap();
        lying[i + at..i + at + 4].copy_from_slice(&1000u32.to_le_bytes());
    }
    // The zip crate stops at the declared size (the guard would stop it at
    // the ratio otherwise: see the unit tests of attach::archive).
    let v = quickly(|| scan("bomb.zip", &lying));
    assert_review_error(&v, "bomb.zip/zeros.txt: truncated or damaged zip entry: File is larger than its declared uncompressed size");
}

#[test]
pub fn huge_total_expansion_is_bounded() {
    // Entries that each look harmless, but add up past the limit.
    let noise: Vec<u8> = (0..400_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 | 0x20)
        .collect();
    let noise = String::from_utf8_lossy(&noise).into_owned();
    let entries: Vec<(String, &[u8])> = (0..4)
        .map(|i| (format!("{i}.txt"), noise.as_bytes()))
        .collect();
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let file = zip(&refs);
    let limits = Limits {
        max_total_bytes: 1 << 20,
        ..Limits::default()
    };
    let v = quickly(|| scan_limited("大.zip", &file, &limits));
    assert_review_error(&v, "more than 1048576 bytes once decompressed");
}

#[test]
pub fn deeply_nested_zips_stop_at_the_depth_limit() {
    let mut file = zip(&[("深处.txt", "机密★1年\n正文".as_bytes())]);
    for level in 0..10 {
        file = zip(&[(&format!("层{level}.zip"), &file)]);
    }
    let v = quickly(|| scan("套娃.zip", &file));
    assert_review_error(&v, "archives nested more than 4 deep");
}

#[test]
pub fn too_many_entries_are_refused() {
    let names: Vec<String> = (0..10_001).map(|i| format!("{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let file = zip_with(&entries, zip::CompressionMethod::Stored);
    let v = quickly(|| scan("多.zip", &file));
    assert_review_error(&v, "more than 10000 archive entries");
}

#[test]
pub fn truncated_and_malformed_files_are_reported() {
    let good = docx(&p("正文"), &[]);
    for (name, bytes, needle) in [
        ("半截.docx", &good[..good.len() / 2], "truncated or damaged"),
        (
            "假.docx",
            &b"this is not a zip"[..],
            "truncated or damaged zip archive",
        ),
        ("空.zip", &b""[..], "no central directory at the end"),
        (
            "坏.pdf",
            &b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R"[..],
            "PDF",
        ),
    ] {
        let v = quickly(|| scan(name, bytes));
        assert_review_error(&v, needle);
        assert!(
            v.error.as_deref().unwrap().starts_with(name),
            "{:?}",
            v.error
        );
    }
    // XML cut short inside a valid zip: what was read is still scanned (the
    // marking blocks), and the truncation is reported.
    let broken = docx_raw(
        "<w:document><w:body><w:p><w:r><w:t>机密★1年</w:t></w:r></w:p><w:p><w:r><w:t>关于",
        &[],
    );
    let v = quickly(|| scan("断.docx", &broken));
    assert_eq!(v.decision, Decision::Block, "{v:#?}");
    assert_finding(&v, "cm-0001", "断.docx › 正文", "block");
    assert!(
        v.error
            .as_deref()
            .unwrap()
            .contains("断.docx › 正文: truncated or damaged XML"),
        "{:?}",
        v.error
    );
}

#[test]
pub fn xml_entity_attacks_are_refused_or_read_literally() {
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"#;
    for (name, xml) in [("laughs.docx", laughs), ("xxe.docx", xxe)] {
        let v = quickly(|| scan(name, &docx_raw(xml, &[])));
        assert_review_error(&v, "declares a DTD");
        assert_eq!(
            v.error.as_deref().unwrap().split(':').next(),
            Some(&*format!("{name} › 正文"))
        );
    }
    // Without a DTD, an undefined entity is kept as it is, not expanded.
    let literal = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>a&lol9;b</w:t></w:r></w:p></w:body></w:document>"#;
    let got = extract_parts("x.docx", &docx_raw(literal, &[]), &Limits::default());
    let body = got
        .parts
        .iter()
        .find(|p| p.location == "x.docx › 正文")
        .unwrap();
    assert_eq!(body.text, "a&lol9;b\n");
}

#[test]
pub fn a_huge_spreadsheet_is_bounded() {
    let rows: Vec<Vec<String>> = (0..30_000)
        .map(|r| {
            (0..10)
                .map(|c| format!("{}", r * 10 + c + 1_000_000))
                .collect()
        })
        .collect();
    let file = xlsx(&[Sheet::new("大表", rows)], &[]);
    let limits = Limits {
        max_cells: 100_000,
        ..Limits::default()
    };
    let v = quickly(|| scan_limited("大表.xlsx", &file, &limits));
    assert_review_error(&v, "more than 100000 spreadsheet cells");
    assert!(v.error.as_deref().unwrap().starts_with("大表.xlsx › 大表"));
}

#[test]
pub fn shared_string_repetition_is_bounded_by_the_text_limit() {
    // One 200 KB shared string referenced by 1,000 cells: 200 MB of text
    // from a small file. The limit is lowered to 8 MiB so that the test
    // times the bound, not a debug build scanning 64 MiB of what it read.
    let long: String = (0..200_000u32)
        .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
        .collect();
    let rows: Vec<Vec<String>> = (0..1000).map(|_| vec![long.clone()]).collect();
    let file = xlsx(&[Sheet::new("S", rows)], &[]);
    let limits = Limits {
        max_text_bytes: 8 << 20,
        ..Limits::default()
    };
    let v = quickly(|| scan_limited("重复.xlsx", &file, &limits));
    assert_review_error(&v, "bytes of text extracted (limit max_text_bytes)");
}

#[test]
pub fn a_pdf_that_crashes_the_parser_is_a_review() {
    // A page without a MediaBox: pdf-extract expects one and panics.
    let mut file = pdf(&["机密★1年"]);
    let needle = b"/MediaBox [0 0 595 842] ";
    let at = file
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    file.splice(
        at..at + needle.len(),
        std::iter::repeat_n(b' ', needle.len()),
    );
    let v = quickly(|| scan("崩.pdf", &file));
    assert_review_error(&v, "崩.pdf › 第1页: the PDF reader crashed");
}

#[test]
pub fn a_pdf_compression_bomb_is_refused_before_the_pdf_crates_expand_it() {
    let bomb = pdf_with_deflated_content(&vec![b' '; 16 << 20]);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let limits = Limits {
        max_total_bytes: 8 << 20,
        ..Limits::default()
    };
    let v = quickly(|| scan_limited("炸弹.pdf", &bomb, &limits));
    assert_review_error(
        &v,
        "炸弹.pdf: decompression bomb: more than 8388608 bytes once decompressed",
    );
    // The same stream under the limit is read (it holds only spaces).
    let small = pdf_with_deflated_content(b"BT /F1 12 Tf 50 800 Td (hello) Tj ET");
    let got = extract_parts("小.pdf", &small, &Limits::default());
    assert!(
        !got.problems
            .iter()
            .any(|p| p.error.to_string().contains("bomb")),
        "{:?}",
        got.problems
    );
}

#[test]
pub fn a_pdf_without_text_is_a_review() {
    let mut file = pdf(&[""]);
    // Keep the page, drop its only (empty) content.
    file = patch_bytes(file, b"/Contents 8 0 R", b"               ");
    let v = quickly(|| scan("扫描件.pdf", &file));
    assert_review_error(&v, "no text to read");
}

#[test]
pub fn encrypted_zips_and_office_files_are_reported() {
    let zipped = mark_encrypted(zip(&[("名单.xlsx", b"secret")]));
    let v = quickly(|| scan("加密.zip", &zipped));
    assert_review_error(
        &v,
        "加密.zip/名单.xlsx: encrypted: a zip entry protected with a password",
    );
    // An Office file saved with a password is an OLE compound file holding
    // an EncryptedPackage stream.
    let mut ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
    ole.extend(std::iter::repeat_n(0u8, 504));
    ole.extend(
        "EncryptedPackage"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    ole.extend(std::iter::repeat_n(0u8, 512));
    let v = quickly(|| scan("加密.docx", &ole));
    assert_review_error(
        &v,
        "encrypted: an Office document protected with a password",
    );
    let mut legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
    legacy.extend(std::iter::repeat_n(0u8, 1024));
    // Legacy files are read now (tests/attachments/formats.rs); one that is
    // not a valid compound file is damaged.
    let v = quickly(|| scan("旧.doc", &legacy));
    assert_review_error(&v, "truncated or damaged OLE compound file");
}

#[test]
pub fn unsupported_types_are_named() {
    for (name, bytes, mime) in [
        (
            "setup.exe",
            &b"MZ\x90\0\x03\0\0\0"[..],
            "unsupported type \"application/x-msdownload\"",
        ),
        ("归档.rar", b"Rar!\x1a\x07\0", "application/vnd.rar"),
        (
            "归档.7z",
            b"7z\xbc\xaf\x27\x1c",
            "application/x-7z-compressed",
        ),
    ] {
        let v = scan(name, bytes);
        assert_review_error(&v, mime);
    }
    // Inside a zip, the entry is named and its siblings are still scanned.
    let file = zip(&[
        ("setup.exe", b"MZ\x90\0"),
        ("通知.txt", "机密★1年\n正文".as_bytes()),
    ]);
    let v = scan("材料.zip", &file);
    assert_eq!(
        v.decision,
        Decision::Block,
        "a broken sibling never hides a block"
    );
    assert!(v
        .error
        .as_deref()
        .unwrap()
        .starts_with("材料.zip/setup.exe: unsupported type"));
}

#[test]
pub fn the_time_budget_gives_a_review() {
    let file = xlsx(&[Sheet::new("名单", roster(&resident_ids(50)))], &[]);
    let limits = Limits {
        time_budget: Duration::ZERO,
        ..Limits::default()
    };
    let v = scan_limited("名单.xlsx", &file, &limits);
    assert_review_error(&v, "time budget of 0 ms used up");
}

#[test]
pub fn findings_serialize_with_their_location() {
    let v = scan("名单.csv", format!("姓名,身份证号\n王某,{ID}\n").as_bytes());
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["findings"][0]["location"], "名单.csv!B2");
    assert!(json.get("error").is_none());
    // A document scanned directly has no location key at all.
    let text = engine().scan(&Document::text(&format!("身份证号{ID}")));
    let json = serde_json::to_value(&text.findings[0]).unwrap();
    assert!(json.get("location").is_none(), "{json}");
}
