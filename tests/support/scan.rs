//! Scanned pages, made at test time: a page rendered with a CJK font
//! (Noto Serif/Sans CJK SC from Debian's `fonts-noto-cjk`) at a given dpi,
//! with a light grey paper tone and deterministic speckle as a scanner
//! leaves; then that picture as PNG, JPEG, a PDF holding only the picture
//! (as scanners write PDFs: one image XObject per page, DCTDecode or
//! FlateDecode), a .docx with it pasted in, and an ODF text with it.
//! Shared by `tests/attachments/` and `benches/attachments.rs`.

#![allow(dead_code)]

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{GrayImage, Luma};
use std::io::Write;
use std::sync::OnceLock;

const SERIF: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
const SANS: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

fn font(path: &'static str) -> FontRef<'static> {
    static FONTS: OnceLock<Vec<(&'static str, &'static [u8])>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        [SERIF, SANS]
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(p).unwrap_or_else(|e| {
                    panic!("{p}: {e}; install the Debian package fonts-noto-cjk (./test.sh does)")
                });
                (p, &*Box::leak(bytes.into_boxed_slice()))
            })
            .collect()
    });
    let bytes = fonts.iter().find(|(p, _)| *p == path).unwrap().1;
    // Index 2 of the collections is the SC (simplified Chinese) face.
    FontRef::try_from_slice_and_index(bytes, 2).expect("a font")
}

/// One line of a page: its text, size in points, and whether it is set in
/// the sans face (黑体, as markings are) rather than the serif (仿宋/宋体).
pub struct Line<'a> {
    pub text: &'a str,
    pub points: f32,
    pub sans: bool,
}

pub fn line(text: &str) -> Line<'_> {
    Line {
        text,
        points: 16.0,
        sans: false,
    }
}

pub fn heading(text: &str) -> Line<'_> {
    Line {
        text,
        points: 16.0,
        sans: true,
    }
}

/// An A4 page at `dpi` with `lines` from the top-left margin (25 mm).
pub fn render_page(lines: &[Line<'_>], dpi: u32) -> GrayImage {
    let mm = dpi as f32 / 25.4;
    let (w, h) = ((210.0 * mm) as u32, (297.0 * mm) as u32);
    let mut page = GrayImage::from_pixel(w, h, Luma([238]));
    let mut y = 28.0 * mm;
    for l in lines {
        let px = l.points * dpi as f32 / 72.0;
        let font = font(if l.sans { SANS } else { SERIF });
        let scaled = font.as_scaled(PxScale::from(px));
        let mut x = 26.0 * mm;
        let baseline = y + scaled.ascent();
        for c in l.text.chars() {
            let id = scaled.glyph_id(c);
            let glyph = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(x, baseline));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, cover| {
                    let (px_x, px_y) = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                    if px_x >= 0 && px_y >= 0 && (px_x as u32) < w && (px_y as u32) < h {
                        let p = page.get_pixel_mut(px_x as u32, px_y as u32);
                        let ink = (cover.min(1.0) * 220.0) as u8;
                        p.0[0] = p.0[0].saturating_sub(ink);
                    }
                });
            }
            x += scaled.h_advance(id);
        }
        y += px * 1.6;
    }
    // Speckle: one pixel in 400, deterministic.
    let mut seed: u32 = 12345;
    for p in page.pixels_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        if (seed >> 16).is_multiple_of(400) {
            p.0[0] = 90;
        }
    }
    page
}

pub fn png(page: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    page.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn jpeg(page: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(page)
        .unwrap();
    out
}

/// How a scanned page's picture is stored in the PDF.
pub enum Stored {
    Jpeg,
    Flate,
    /// A filter baomi does not decode, with made-up data.
    Other(&'static str),
    /// A dictionary that claims this size, with tiny data.
    Claims(u64, u64),
}

/// A PDF whose pages are each one picture filling an A4 page, and no text.
pub fn scanned_pdf(pages: &[(&GrayImage, Stored)]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let n = pages.len();
    // 1 catalog, 2 pages, then per page: page, content, image.
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 3 + i * 3)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    for (i, (page, stored)) in pages.iter().enumerate() {
        let (page_id, content_id, image_id) = (3 + i * 3, 4 + i * 3, 5 + i * 3);
        let _ = page_id;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 {image_id} 0 R >> >> /Contents {content_id} 0 R >>"
            )
            .into_bytes(),
        );
        let content = b"q 595 0 0 842 0 0 cm /Im1 Do Q";
        let mut c = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        c.extend_from_slice(content);
        c.extend_from_slice(b"\nendstream");
        objects.push(c);
        let (w, h) = (page.width() as u64, page.height() as u64);
        let (dict, data) = match stored {
            Stored::Jpeg => (
                format!("/Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode"),
                jpeg(page, 85),
            ),
            Stored::Flate => {
                let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                z.write_all(page.as_raw()).unwrap();
                (
                    format!("/Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"),
                    z.finish().unwrap(),
                )
            }
            Stored::Other(filter) => (
                format!("/Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /{filter}"),
                vec![0u8; 64],
            ),
            Stored::Claims(cw, ch) => (
                format!("/Width {cw} /Height {ch} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"),
                {
                    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                    z.write_all(&[255u8; 1024]).unwrap();
                    z.finish().unwrap()
                },
            ),
        };
        let mut o = format!(
            "<< /Type /XObject /Subtype /Image {dict} /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        o.extend_from_slice(&data);
        o.extend_from_slice(b"\nendstream");
        objects.push(o);
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A .docx whose body is `paragraphs` with `picture` (PNG) pasted in after
/// them, as Word stores it (`word/media/image1.png`, a drawing in the body).
pub fn docx_with_picture(paragraphs: &[&str], picture: &[u8]) -> Vec<u8> {
    let body: String = paragraphs.iter().map(|t| super::office::p(t)).collect();
    let drawing = r#"<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:extent cx="5400000" cy="7600000"/><wp:docPr id="1" name="图片 1"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:embed="rId9"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#;
    let document = super::office::docx(&format!("{body}{drawing}"), &[]);
    // Add the picture and its relationship to the package.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(document)).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut v).unwrap();
        entries.push((f.name().unwrap().to_string(), v));
    }
    entries.push((
        "word/_rels/document.xml.rels".into(),
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/></Relationships>"#.to_vec(),
    ));
    entries.push(("word/media/image1.png".into(), picture.to_vec()));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    super::office::zip(&refs)
}

/// An .odt whose text is `paragraph`, with `picture` (PNG) under
/// `Pictures/` and the package's thumbnail (`Thumbnails/thumbnail.png`).
pub fn odt_with_picture(paragraph: &str, picture: &[u8], thumbnail: &[u8]) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:text><text:p>{}</text:p><text:p><draw:frame><draw:image xlink:href="Pictures/scan.png"/></draw:frame></text:p></office:text></office:body></office:document-content>"#,
        super::office::xml_escape(paragraph)
    );
    super::office::zip(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
        ("Pictures/scan.png", picture),
        ("Thumbnails/thumbnail.png", thumbnail),
    ])
}
