//! The period report as a Word file (.docx) officers edit into their
//! 保密自查报告: a title, the publish-hook figures, the 网站巡检 figures,
//! problems by category (both sources), and a bar chart of them.
//!
//! Contract: [`render_docx`] is a pure function of the [`Report`] (the same
//! report gives the same bytes); the chart is a PNG drawn here (bars only,
//! no text in the picture: its legend and numbers are the table above it
//! and the caption, so a screen reader and a search find them).

use super::report::{Report, UTC_OFFSET_HOURS};
use super::report_inspect::{category_label, inspection_rows};
use docx_rs::{AlignmentType, Docx, Paragraph, Pic, Run, RunFonts, Table, TableCell, TableRow};

/// The colours of the chart's two series (publish hook, inspection), also
/// used for the caption's squares.
const REVIEW_COLOUR: [u8; 3] = [0x0b, 0x5c, 0xad];
const INSPECT_COLOUR: [u8; 3] = [0xb3, 0x26, 0x1e];
const CATEGORIES: [&str; 7] = [
    "marking",
    "register",
    "internal",
    "draft",
    "personal",
    "credential",
    "sensitive",
];

fn text(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s))
}

fn heading(s: &str, size: usize) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s).bold().size(size))
}

fn cell(s: &str) -> TableCell {
    TableCell::new().add_paragraph(text(s))
}

fn header_cell(s: &str) -> TableCell {
    TableCell::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text(s).bold()))
}

fn table(head: &[&str], rows: Vec<Vec<String>>) -> Table {
    let mut all = vec![TableRow::new(head.iter().map(|h| header_cell(h)).collect())];
    for r in rows {
        all.push(TableRow::new(r.iter().map(|c| cell(c)).collect()));
    }
    Table::new(all)
}

/// Bars per category: publish-hook reviews and inspected URLs side by side,
/// scaled to the largest count. Width × height pixels.
pub fn chart_png(review: &[usize], inspect: &[usize]) -> (Vec<u8>, u32, u32) {
    let (w, h) = (600u32, 260u32);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let max = review
        .iter()
        .chain(inspect)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let base = h - 20;
    let slot = (w - 40) / review.len().max(1) as u32;
    let bar = (slot / 3).max(2);
    let mut fill = |x0: u32, height: u32, colour: [u8; 3]| {
        for x in x0..(x0 + bar).min(w) {
            for y in base.saturating_sub(height)..base {
                img.put_pixel(x, y, image::Rgb(colour));
            }
        }
    };
    let scale = |n: usize| ((n as u64 * u64::from(base - 20)) / max as u64) as u32;
    for (i, (r, s)) in review.iter().zip(inspect).enumerate() {
        let x = 30 + i as u32 * slot + slot / 6;
        fill(x, scale(*r), REVIEW_COLOUR);
        fill(x + bar, scale(*s), INSPECT_COLOUR);
    }
    // The axis.
    for x in 20..w - 10 {
        img.put_pixel(x, base, image::Rgb([0, 0, 0]));
    }
    for y in 10..=base {
        img.put_pixel(20, y, image::Rgb([0, 0, 0]));
    }
    let mut png = Vec::new();
    let _ = img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
    (png, w, h)
}

/// See the module docs.
pub fn render_docx(r: &Report) -> Result<Vec<u8>, String> {
    let review_rows: Vec<Vec<String>> = [
        ("审查信息总数", r.reviewed),
        ("直接通过", r.passed),
        ("需人工审查", r.flagged),
        ("其中拦截", r.blocked),
        ("已办结", r.resolved),
        ("待处理", r.still_pending),
        ("改判公开（拦截后批准）", r.overrides),
    ]
    .iter()
    .map(|(k, v)| vec![k.to_string(), v.to_string()])
    .collect();
    let inspect_rows: Vec<Vec<String>> = inspection_rows(&r.inspection)
        .iter()
        .take(11)
        .map(|(k, _, v)| vec![k.to_string(), v.to_string()])
        .collect();
    let review_by: Vec<usize> = CATEGORIES
        .iter()
        .map(|c| r.by_category.get(*c).copied().unwrap_or(0))
        .collect();
    let inspect_by: Vec<usize> = CATEGORIES
        .iter()
        .map(|c| r.inspection.by_category.get(*c).copied().unwrap_or(0))
        .collect();
    let category_rows: Vec<Vec<String>> = CATEGORIES
        .iter()
        .zip(review_by.iter().zip(&inspect_by))
        .map(|(c, (a, b))| vec![category_label(c).to_string(), a.to_string(), b.to_string()])
        .collect();
    let (png, w, h) = chart_png(&review_by, &inspect_by);
    // 9525 EMU per pixel at 96 dpi.
    let pic = Pic::new_with_dimensions(png, w, h).size(w * 9525, h * 9525);
    let square = |colour: [u8; 3]| {
        Run::new().add_text("■").color(format!(
            "{:02X}{:02X}{:02X}",
            colour[0], colour[1], colour[2]
        ))
    };
    let caption = Paragraph::new()
        .add_run(Run::new().add_text("图1 按问题类别统计（左到右："))
        .add_run(
            Run::new().add_text(
                CATEGORIES
                    .iter()
                    .map(|c| category_label(c))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        )
        .add_run(Run::new().add_text("）。"))
        .add_run(square(REVIEW_COLOUR))
        .add_run(Run::new().add_text(" 发布前审查（条）　"))
        .add_run(square(INSPECT_COLOUR))
        .add_run(Run::new().add_text(" 网站巡检（个网址）"));
    let generated = format!(
        "统计期间：{} 至 {}（北京时间，UTC+{UTC_OFFSET_HOURS}）。本文件由 baomi 生成，可直接编辑后用于保密自查报告。",
        r.from, r.to
    );
    let doc = Docx::new()
        .default_fonts(RunFonts::new().east_asia("宋体").ascii("Times New Roman"))
        .add_paragraph(
            heading(
                &format!("门户网站保密自查统计（{} 至 {}）", r.from, r.to),
                36,
            )
            .align(AlignmentType::Center),
        )
        .add_paragraph(text(&generated))
        .add_paragraph(heading("一、信息发布保密审查", 28))
        .add_table(table(&["项目", "数量"], review_rows))
        .add_paragraph(heading("二、网站巡检", 28))
        .add_table(table(&["项目", "数量"], inspect_rows))
        .add_paragraph(heading("三、问题类别", 28))
        .add_table(table(
            &["类别", "发布前审查（条）", "网站巡检（个网址）"],
            category_rows,
        ))
        .add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic)))
        .add_paragraph(caption);
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| format!("writing the .docx failed: {e}"))?;
    Ok(out.into_inner())
}
