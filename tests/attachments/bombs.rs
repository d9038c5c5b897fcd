//! Hostile files in the new containers: compound files that lie about a
//! stream's size or loop in their FAT, a BIFF sheet that claims the whole
//! grid, zip bombs inside ODF, pptx and OFD packages, RTF nested without
//! end. Each is `review` with a clear error (or read for what it really
//! holds), quickly, without a panic.

use super::formats::ole_with;
use super::hostile::quickly;
use super::*;

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// The offset of the directory entry named `name` in a compound file.
fn dir_entry(file: &[u8], name: &str) -> usize {
    let needle = utf16(name);
    file.windows(needle.len())
        .position(|w| w == needle.as_slice())
        .unwrap_or_else(|| panic!("no entry {name}"))
}

#[test]
pub fn a_compound_file_stream_that_claims_terabytes_is_refused() {
    let mut file = ole_with(&[("WordDocument", &[0u8; 8192]), ("1Table", &[0u8; 4096])]);
    let at = dir_entry(&file, "WordDocument");
    file[at + 120..at + 128].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let v = quickly(|| scan("通知.doc", &file));
    assert_eq!(v.decision, Decision::Review, "{v:#?}");
    let error = v.error.unwrap();
    assert!(
        error.contains("damaged OLE") || error.contains("decompression bomb"),
        "{error}"
    );
}

#[test]
pub fn a_loop_in_the_fat_is_refused() {
    let mut file = ole_with(&[("WordDocument", &[0u8; 8192]), ("1Table", &[0u8; 8192])]);
    let at = dir_entry(&file, "WordDocument");
    let start = u32::from_le_bytes(file[at + 116..at + 120].try_into().unwrap()) as usize;
    // DIFAT[0] in the header names the first FAT sector (512-byte sectors).
    let fat = u32::from_le_bytes(file[0x4C..0x50].try_into().unwrap()) as usize;
    let entry = (fat + 1) * 512 + start * 4;
    file[entry..entry + 4].copy_from_slice(&(start as u32).to_le_bytes());
    // Either cfb sees the loop, or the read stops at the declared length
    // (it never reads more): damaged either way, and quickly.
    let v = quickly(|| scan("通知.doc", &file));
    assert_review_error(&v, "通知.doc: truncated or damaged");
}

/// A BIFF8 record.
fn record(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut r = kind.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend(col.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    d.extend(v.to_le_bytes());
    record(0x0203, &d)
}

/// A workbook of one sheet holding `cells`, whose DIMENSIONS record claims
/// the whole grid (what makes a dense reader allocate 16 million cells).
fn workbook(cells: &[Vec<u8>]) -> Vec<u8> {
    workbook_with(&[], cells)
}

/// The same, with `extra` records in the globals after the BOF.
fn workbook_with(extra: &[u8], cells: &[Vec<u8>]) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = 0x0600u16.to_le_bytes().to_vec();
        d.extend(dt.to_le_bytes());
        d.extend([0u8; 12]);
        record(0x0809, &d)
    };
    let mut globals = bof(0x0005);
    globals.extend(extra);
    let sheet_name = |offset: u32| {
        let mut d = offset.to_le_bytes().to_vec();
        d.extend([0, 0, 2, 0]);
        d.extend(b"Sh");
        record(0x0085, &d)
    };
    let eof = record(0x000A, &[]);
    let len = globals.len() + sheet_name(0).len() + eof.len();
    globals.extend(sheet_name(len as u32));
    globals.extend(&eof);
    globals.extend(bof(0x0010));
    let mut dims = 0u32.to_le_bytes().to_vec();
    dims.extend(u32::MAX.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(u16::MAX.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    globals.extend(record(0x0200, &dims));
    for c in cells {
        globals.extend(c);
    }
    globals.extend(&eof);
    ole_with(&[("Workbook", &globals)])
}

#[test]
pub fn a_sheet_claiming_the_whole_grid_costs_only_its_cells() {
    let file = workbook(&[number(0, 0, 1.0), number(65_535, 255, 13_812_345_678.0)]);
    let got = quickly(|| extract_parts("大表.xls", &file, &Limits::default()));
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    let sheet = got
        .parts
        .iter()
        .find(|p| p.location == "大表.xls › Sh")
        .unwrap_or_else(|| panic!("no sheet part: {:?}", got.parts));
    assert_eq!(sheet.text, "1\n13812345678");
    assert_eq!(
        sheet.location_at(sheet.text.len() - 1),
        "大表.xls › Sh!IV65536"
    );
}

#[test]
pub fn a_workbook_with_a_password_is_review() {
    let filepass = record(0x002F, &[1, 0, 1, 0, 1, 0]);
    let v = scan("名单.xls", &workbook_with(&filepass, &[number(0, 0, 1.0)]));
    assert_review_error(&v, "encrypted: an Excel workbook protected with a password");
}

#[test]
pub fn too_many_cells_in_a_binary_sheet_are_refused() {
    let cells: Vec<Vec<u8>> = (0..3000u16).map(|r| number(r, 0, 7.0)).collect();
    let limits = Limits {
        max_cells: 1000,
        ..Limits::default()
    };
    let v = quickly(|| scan_limited("大表.xls", &workbook(&cells), &limits));
    assert_review_error(&v, "more than 1000 spreadsheet cells");
}

/// 64 MB of spaces inside `xml`, deflated to a few tens of KB.
fn bomb_xml(open: &str, close: &str) -> Vec<u8> {
    let mut xml = open.as_bytes().to_vec();
    xml.extend(std::iter::repeat_n(b' ', 64 << 20));
    xml.extend(close.as_bytes());
    xml
}

#[test]
pub fn zip_bombs_inside_odf_pptx_and_ofd_are_refused() {
    let content = bomb_xml(
        r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><office:body><office:text>"#,
        "</office:text></office:body></office:document-content>",
    );
    let odt = zip(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", &content),
    ]);
    let presentation = r#"<p:presentation xmlns:p="p" xmlns:r="r"><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>"#;
    let rels = r#"<Relationships><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/></Relationships>"#;
    let slide = bomb_xml("<p:sld xmlns:p=\"p\">", "</p:sld>");
    let pptx = zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("ppt/presentation.xml", presentation.as_bytes()),
        ("ppt/_rels/presentation.xml.rels", rels.as_bytes()),
        ("ppt/slides/slide1.xml", &slide),
    ]);
    let page = bomb_xml(
        "<ofd:Page xmlns:ofd=\"o\"><ofd:Content>",
        "</ofd:Content></ofd:Page>",
    );
    let ofd_file = zip(&[
        ("OFD.xml", br#"<ofd:OFD xmlns:ofd="o"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#),
        ("Doc_0/Document.xml", br#"<ofd:Document xmlns:ofd="o"><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>"#),
        ("Doc_0/Pages/Page_0/Content.xml", &page),
    ]);
    for (name, file, at) in [
        ("炸弹.odt", &odt, "炸弹.odt: "),
        ("炸弹.pptx", &pptx, "炸弹.pptx › 第1张幻灯片: "),
        ("炸弹.ofd", &ofd_file, "炸弹.ofd › 第1页: "),
    ] {
        assert!(file.len() < 200_000, "{name}: {}", file.len());
        let v = quickly(|| scan(name, file));
        assert_review_error(&v, "zip bomb: entry expands");
        assert!(
            v.error.as_deref().unwrap().starts_with(at),
            "{name}: {:?}",
            v.error
        );
    }
}

#[test]
pub fn rtf_nested_without_end_is_refused() {
    let mut rtf = b"{\\rtf1 ".to_vec();
    rtf.extend(std::iter::repeat_n(b'{', 200_000));
    let v = quickly(|| scan("深.rtf", &rtf));
    assert_review_error(&v, "groups nested more than 1,000 deep");
}

#[test]
pub fn a_word_piece_table_pointing_outside_the_file_is_damage() {
    // A FIB with a CLX whose one piece points past the end of the stream.
    let mut word = vec![0u8; 1024];
    word[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    word[2..4].copy_from_slice(&193u16.to_le_bytes());
    word[0x0A..0x0C].copy_from_slice(&0x0200u16.to_le_bytes()); // 1Table
    word[32..34].copy_from_slice(&14u16.to_le_bytes()); // csw
    let lw = 34 + 28 + 2;
    word[lw - 2..lw].copy_from_slice(&22u16.to_le_bytes()); // cslw
    word[lw + 12..lw + 16].copy_from_slice(&100u32.to_le_bytes()); // ccpText
    let fclcb = lw + 88 + 2;
    word[fclcb - 2..fclcb].copy_from_slice(&93u16.to_le_bytes());
    let mut clx = vec![0x02u8];
    clx.extend(16u32.to_le_bytes());
    clx.extend(0u32.to_le_bytes());
    clx.extend(100u32.to_le_bytes());
    clx.extend([0, 0]);
    clx.extend(0x0010_0000u32.to_le_bytes()); // fc: 1 MiB, UTF-16
    clx.extend([0, 0]);
    word[fclcb + 33 * 8..fclcb + 33 * 8 + 4].copy_from_slice(&0u32.to_le_bytes());
    word[fclcb + 33 * 8 + 4..fclcb + 33 * 8 + 8].copy_from_slice(&(clx.len() as u32).to_le_bytes());
    let file = ole_with(&[("WordDocument", &word), ("1Table", &clx)]);
    let v = quickly(|| scan("坏.doc", &file));
    assert_review_error(&v, "a text piece lies outside the stream");
}
