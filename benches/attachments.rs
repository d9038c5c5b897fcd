//! Attachments: extraction alone vs scanning the extracted text, on a ~5 MB
//! .xlsx (a 低保-style roster) and a 50-page .docx, both built in memory,
//! deterministically (a fixed LCG), with the bundled lexicons; the same
//! roster (fewer rows, ~5 MB) as .xls and the same notice as .doc, made from
//! them by LibreOffice (`soffice`, cached under target/bench-inputs/; without
//! soffice these two are skipped with a message), with calamine's .xls
//! reader as the baseline; OCR of an A4 page at 150 and 300 dpi.
//!
//! Run: `cargo bench --bench attachments -- --warm-up-time 1 --measurement-time 5`
//! (numbers in benches/README.md, section "Attachments").

#[path = "../tests/support/office.rs"]
mod office;
#[path = "../tests/support/scan.rs"]
mod scan;

use baomi::attach::{extract_parts, Limits, Part};
use baomi::{Document, Engine, ScanOptions};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// A small deterministic generator (numerical recipes LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
];
const TOWNS: &[&str] = &[
    "城关镇",
    "河口乡",
    "新集镇",
    "东城街道",
    "西关街道",
    "石桥乡",
];
const NOTES: &[&str] = &["一类", "二类", "三类", "新增", "复核", "续保", "", ""];

/// A roster of about 5 MB as .xlsx (110,000 rows): masked IDs and mobiles
/// (the compliant form), names, towns, amounts; one row in 2,000 carries a
/// full valid ID.
fn roster_xlsx(rows_wanted: u64) -> Vec<u8> {
    office::xlsx(&[office::Sheet::new("名单", roster_rows(rows_wanted))], &[])
}

/// The roster's rows.
fn roster_rows(rows_wanted: u64) -> Vec<Vec<String>> {
    let mut rng = Lcg(1);
    let ids = office::resident_ids(64);
    let mut rows = vec![[
        "序号",
        "姓名",
        "身份证号",
        "联系电话",
        "乡镇（街道）",
        "村（社区）",
        "保障人数",
        "月保障金额",
        "备注",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for i in 0..rows_wanted {
        let id = if i % 2000 == 1999 {
            ids[(i / 2000) as usize % ids.len()].clone()
        } else {
            format!(
                "4101{:02}**********{:04}",
                rng.next() % 30,
                rng.next() % 10_000
            )
        };
        rows.push(vec![
            (i + 1).to_string(),
            format!("{}{}{}", rng.pick(SURNAMES), "*", rng.pick(GIVEN)),
            id,
            format!(
                "1{}{}****{:04}",
                3 + rng.next() % 6,
                rng.next() % 10,
                rng.next() % 10_000
            ),
            rng.pick(TOWNS).to_string(),
            format!("{}村", rng.pick(GIVEN)),
            (1 + rng.next() % 5).to_string(),
            format!("{}", 300 + rng.next() % 900),
            rng.pick(NOTES).to_string(),
        ]);
    }
    rows
}

/// The roster as a flat ODF spreadsheet (what LibreOffice converts to .xls:
/// it does not load the minimal .xlsx the tests write).
fn roster_fods(rows_wanted: u64) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body><office:spreadsheet><table:table table:name="名单">"#,
    );
    for row in roster_rows(rows_wanted) {
        xml.push_str("<table:table-row>");
        for cell in row {
            xml.push_str(&format!(
                r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                office::xml_escape(&cell)
            ));
        }
        xml.push_str("</table:table-row>");
    }
    xml.push_str("</table:table></office:spreadsheet></office:body></office:document>");
    xml.into_bytes()
}

const SENTENCES: &[&str] = &[
    "为进一步做好困难群众基本生活保障工作，现就有关事项通知如下。",
    "各乡镇（街道）要切实履行属地责任，加强组织领导，明确责任分工。",
    "严格落实申请、审核、审批程序，做到应保尽保、按标施保、动态管理。",
    "对享受保障的家庭，按照规定进行公示，公示内容应当去除个人敏感信息。",
    "加强资金监管，确保保障资金及时足额发放到户，严禁截留挪用。",
    "各地要畅通投诉举报渠道，及时回应群众关切，接受社会监督。",
    "全体干部要增强保密意识，对涉及个人隐私的材料妥善保管。",
    "本通知自印发之日起施行，执行中遇到的问题请及时报告。",
];

/// A 50-page notice as .docx: about 24 paragraphs of ~90 chars per page,
/// a page break between pages, a header and a footer.
fn notice_docx() -> Vec<u8> {
    let mut rng = Lcg(2);
    let mut body = office::p("关于做好2025年困难群众基本生活保障工作的通知");
    for page in 0..50 {
        for _ in 0..24 {
            let para: String = (0..3).map(|_| rng.pick(SENTENCES)).collect();
            body.push_str(&office::p(&para));
        }
        if page < 49 {
            body.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
        }
    }
    office::docx(
        &body,
        &[
            ("word/header1.xml", &office::p("某县民政局文件")),
            ("word/footer1.xml", &office::p("第 1 页")),
        ],
    )
}

fn scan_parts(engine: &Engine, parts: &[Part]) -> usize {
    parts
        .iter()
        .map(|p| {
            engine
                .scan_with(
                    &Document {
                        content: &p.text,
                        format: p.format,
                    },
                    &ScanOptions::default(),
                )
                .findings
                .len()
        })
        .sum()
}

/// Rows of the .xls roster: about 5 MB as BIFF8.
const ROSTER_XLS_ROWS: u64 = 26_000;

/// `source` converted by LibreOffice to `ext` (filter `filter`), cached
/// under target/bench-inputs/; `None` without soffice.
fn legacy(name: &str, source: &[u8], ext: &str, filter: &str) -> Option<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-inputs");
    std::fs::create_dir_all(&dir).ok()?;
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let out = dir.join(format!("{stem}.{ext}"));
    if let Ok(bytes) = std::fs::read(&out) {
        return Some(bytes);
    }
    let src = dir.join(name);
    std::fs::write(&src, source).ok()?;
    let status = std::process::Command::new("soffice")
        .args([
            "--headless",
            "--convert-to",
            &format!("{ext}:{filter}"),
            "--outdir",
        ])
        .arg(&dir)
        .arg(&src)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {
            let bytes = std::fs::read(&out);
            if bytes.is_err() {
                eprintln!("{name} → .{ext}: soffice did not convert it; skipped");
            }
            bytes.ok()
        }
        _ => {
            eprintln!("{name} → .{ext}: soffice (LibreOffice) is not available; skipped");
            None
        }
    }
}

/// Every cell of every sheet through calamine: the baseline.
fn calamine_cells(bytes: &[u8]) -> usize {
    use calamine::Reader;
    let mut book: calamine::Xls<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("calamine opens it");
    let mut n = 0;
    for (_, range) in book.worksheets() {
        n += range.used_cells().count();
    }
    n
}

/// An A4 page of 32 lines of text, as a scanner at `dpi` makes it (PNG).
fn scanned_page(dpi: u32) -> Vec<u8> {
    let mut rng = Lcg(3);
    let texts: Vec<String> = (0..32)
        .map(|_| rng.pick(SENTENCES).chars().take(26).collect())
        .collect();
    let lines: Vec<scan::Line> = texts.iter().map(|t| scan::line(t)).collect();
    scan::png(&scan::render_page(&lines, dpi))
}

fn ocr(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("ocr_a4_page");
    group.sample_size(10);
    for dpi in [150, 300] {
        let page = scanned_page(dpi);
        let got = extract_parts("page.png", &page, &limits);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        let chars: usize = got.parts.iter().map(|p| p.text.chars().count()).sum();
        eprintln!(
            "A4 page at {dpi} dpi: {} bytes of PNG, {chars} chars read",
            page.len()
        );
        group.bench_function(format!("{dpi}dpi"), |b| {
            b.iter(|| {
                extract_parts("page.png", black_box(&page), &limits)
                    .parts
                    .len()
            })
        });
    }
    group.finish();
}

fn attachments(c: &mut Criterion) {
    let engine = Engine::embedded().expect("bundled lexicons build");
    baomi::engine::boundary::shared_jieba();
    let limits = Limits::default();
    let mut inputs = vec![
        ("roster.xlsx", roster_xlsx(110_000)),
        ("notice.docx", notice_docx()),
    ];
    if let Some(xls) = legacy(
        "roster-5mb.fods",
        &roster_fods(ROSTER_XLS_ROWS),
        "xls",
        "MS Excel 97",
    ) {
        inputs.push(("roster.xls", xls));
    }
    if let Some(doc) = legacy("notice-50p.docx", &notice_docx(), "doc", "MS Word 97") {
        inputs.push(("notice.doc", doc));
    }
    for (name, bytes) in inputs {
        let parts = extract_parts(name, &bytes, &limits);
        assert!(parts.problems.is_empty(), "{:?}", parts.problems);
        let text_bytes: usize = parts.parts.iter().map(|p| p.text.len()).sum();
        eprintln!(
            "{name}: {} bytes on disk, {} parts, {} bytes of text, {} findings",
            bytes.len(),
            parts.parts.len(),
            text_bytes,
            scan_parts(&engine, &parts.parts)
        );
        let mut group = c.benchmark_group(format!("attachments/{name}"));
        group.sample_size(10);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("extract", |b| {
            b.iter(|| extract_parts(name, black_box(&bytes), &limits).parts.len())
        });
        if name.ends_with(".xls") {
            eprintln!("{name}: calamine reads {} cells", calamine_cells(&bytes));
            group.bench_function("extract_calamine_baseline", |b| {
                b.iter(|| calamine_cells(black_box(&bytes)))
            });
        }
        group.throughput(Throughput::Bytes(text_bytes as u64));
        group.bench_function("scan_extracted_text", |b| {
            b.iter(|| scan_parts(&engine, black_box(&parts.parts)))
        });
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("scan_attachment", |b| {
            b.iter(|| {
                baomi::attach::scan_attachment(
                    &engine,
                    name,
                    black_box(&bytes),
                    &ScanOptions::default(),
                )
                .findings
                .len()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, attachments, ocr);
criterion_main!(benches);
