//! Scanned PDF pages: the images of a page without a text layer, by OCR.
//!
//! Contract: a page is *scanned* when its text layer has fewer than
//! [`MIN_TEXT_CHARS`] visible characters (a page number, a stray mark) and
//! its resources hold image XObjects, which is how scanners write pages. Each
//! image of the page (own and inherited resources) is read:
//! - `DCTDecode`: the stream is a JPEG file, decoded by [`super::picture`];
//! - `FlateDecode` or no filter: raw samples (`Width`, `Height`,
//!   `BitsPerComponent` 1 or 8, `DeviceGray`/`DeviceRGB`/`DeviceCMYK`, PNG
//!   predictors), inflated up to the size the dictionary implies and no more;
//! - anything else (`JBIG2Decode`, `CCITTFaxDecode`, `JPXDecode`, indexed or
//!   ICC colour on raw samples…) is [`AttachError::ImageFormat`] naming it.
//!
//! The size in the dictionary is checked against `max_image_pixels` before
//! anything is decoded. The OCR text of a page is one part located
//! `通知.pdf › 第1页（扫描）`; a scanned page on which OCR finds no text is a
//! problem ([`AttachError::NoOcrText`]): a page was scanned to be read.
//! Images inside form XObjects, and images on pages that have a text layer,
//! are not read.

use super::budget::Budget;
use super::error::{guard_panic, AttachError};
use super::picture;
use image::GrayImage;
use pdf_extract::{Document, Object, ObjectId, Stream};
use std::io::Read;

/// Fewer visible characters than this on a page: no text layer.
pub(super) const MIN_TEXT_CHARS: usize = 10;

/// Whether extracted page text counts as no text layer.
pub(super) fn is_textless(text: &str) -> bool {
    text.chars().filter(|c| !c.is_whitespace()).count() < MIN_TEXT_CHARS
}

/// The image XObjects of a page (none: the page is not a scan).
fn page_images(doc: &Document, page: ObjectId) -> Vec<&Stream> {
    let Ok((own, inherited)) = doc.get_page_resources(page) else {
        return Vec::new();
    };
    let mut dicts: Vec<&pdf_extract::Dictionary> = own.into_iter().collect();
    dicts.extend(
        inherited
            .iter()
            .filter_map(|id| doc.get_dictionary(*id).ok()),
    );
    let mut images = Vec::new();
    for resources in dicts {
        let Ok(xobjects) = resources.get(b"XObject") else {
            continue;
        };
        let Ok((_, xobjects)) = doc.dereference(xobjects) else {
            continue;
        };
        let Ok(xobjects) = xobjects.as_dict() else {
            continue;
        };
        for (_, value) in xobjects.iter() {
            let Ok((_, object)) = doc.dereference(value) else {
                continue;
            };
            let Ok(stream) = object.as_stream() else {
                continue;
            };
            if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image") {
                images.push(stream);
            }
        }
    }
    images
}

/// Whether the page has image XObjects.
pub(super) fn has_images(doc: &Document, page: ObjectId) -> bool {
    guard_panic("PDF", || Ok(!page_images(doc, page).is_empty())).unwrap_or(false)
}

/// OCR of every image of a scanned page; the texts joined by line breaks.
pub(super) fn ocr_page(
    doc: &Document,
    page: ObjectId,
    budget: &Budget,
) -> Result<String, AttachError> {
    let images = guard_panic("PDF", || Ok(page_images(doc, page)))?;
    let page_width_pt = page_width(doc, page);
    let mut text = String::new();
    for stream in images {
        budget.check_time()?;
        let picture = guard_panic("PDF image", || decode_image(doc, stream, budget))?;
        let dpi = page_width_pt
            .filter(|w| *w > 1.0)
            .map(|w| (picture.width() as f32 * 72.0 / w).round() as u32)
            .filter(|d| (50..=1200).contains(d));
        let ocr = super::ocr::recognize(&picture, dpi, budget)?;
        if !ocr.trim().is_empty() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(ocr.trim_end());
        }
    }
    if text.trim().is_empty() {
        return Err(AttachError::NoOcrText);
    }
    Ok(text)
}

/// The page's width in points, from its (possibly inherited) MediaBox.
fn page_width(doc: &Document, page: ObjectId) -> Option<f32> {
    let mut id = page;
    for _ in 0..32 {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(mediabox) = dict.get(b"MediaBox") {
            let (_, mediabox) = doc.dereference(mediabox).ok()?;
            let values: Vec<f32> = mediabox
                .as_array()
                .ok()?
                .iter()
                .filter_map(|o| {
                    o.as_float()
                        .ok()
                        .or_else(|| o.as_i64().ok().map(|v| v as f32))
                })
                .collect();
            return (values.len() == 4).then(|| (values[2] - values[0]).abs());
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
    }
    None
}

fn name_of(doc: &Document, object: &Object) -> Option<String> {
    let (_, object) = doc.dereference(object).ok()?;
    match object {
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        Object::Array(a) => a.first().and_then(|o| name_of(doc, o)),
        _ => None,
    }
}

fn int_of(doc: &Document, dict: &pdf_extract::Dictionary, key: &[u8]) -> Option<i64> {
    let (_, object) = doc.dereference(dict.get(key).ok()?).ok()?;
    object.as_i64().ok()
}

/// Decodes one image XObject to grey (see the module docs).
fn decode_image(
    doc: &Document,
    stream: &Stream,
    budget: &Budget,
) -> Result<GrayImage, AttachError> {
    let dict = &stream.dict;
    let width = int_of(doc, dict, b"Width").unwrap_or(0);
    let height = int_of(doc, dict, b"Height").unwrap_or(0);
    if width <= 0 || height <= 0 {
        return Err(AttachError::malformed("PDF image", "no Width/Height"));
    }
    let (width, height) = (width as u64, height as u64);
    picture::check_size(width, height, budget.limits.max_image_pixels)?;
    let filters: Vec<String> = match dict.get(b"Filter") {
        Ok(f) => match doc.dereference(f) {
            Ok((_, Object::Array(a))) => a.iter().filter_map(|o| name_of(doc, o)).collect(),
            Ok((_, o)) => name_of(doc, o).into_iter().collect(),
            Err(_) => Vec::new(),
        },
        Err(_) => Vec::new(),
    };
    match filters
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["DCTDecode"] => picture::decode(&stream.content, budget),
        [] | ["FlateDecode"] => {
            let bpc = int_of(doc, dict, b"BitsPerComponent").unwrap_or(8);
            let space = dict
                .get(b"ColorSpace")
                .ok()
                .and_then(|o| name_of(doc, o))
                .unwrap_or_else(|| "DeviceGray".into());
            let components: u64 = match space.as_str() {
                "DeviceGray" | "CalGray" => 1,
                "DeviceRGB" | "CalRGB" => 3,
                "DeviceCMYK" => 4,
                other => {
                    return Err(AttachError::ImageFormat {
                        what: format!("PDF image with colour space {other}"),
                    })
                }
            };
            if !matches!(bpc, 1 | 8) {
                return Err(AttachError::ImageFormat {
                    what: format!("PDF image with {bpc} bits per component"),
                });
            }
            let row_bytes = (width * components * bpc as u64).div_ceil(8);
            let predictor = dict
                .get(b"DecodeParms")
                .ok()
                .and_then(|p| doc.dereference(p).ok())
                .and_then(|(_, p)| p.as_dict().ok())
                .and_then(|p| int_of(doc, p, b"Predictor"))
                .unwrap_or(1);
            let png_rows = predictor >= 10;
            let expected = (row_bytes + u64::from(png_rows)) * height;
            let raw = if filters.is_empty() {
                stream.content.clone()
            } else {
                inflate(&stream.content, expected, budget)?
            };
            if (raw.len() as u64) < expected {
                return Err(AttachError::malformed(
                    "PDF image",
                    format!(
                        "{} bytes of samples where {expected} were declared",
                        raw.len()
                    ),
                ));
            }
            let rows = if png_rows {
                unpredict(
                    &raw,
                    row_bytes as usize,
                    (components * bpc as u64).div_ceil(8) as usize,
                    height as usize,
                )?
            } else {
                raw
            };
            Ok(to_grey(
                &rows,
                width as u32,
                height as u32,
                components as usize,
                bpc as u8,
                row_bytes as usize,
            ))
        }
        other => Err(AttachError::ImageFormat {
            what: format!("PDF image with filter {}", other.join(", ")),
        }),
    }
}

/// Inflates at most `limit` bytes (what the image dictionary implies),
/// counted against the budget.
fn inflate(data: &[u8], limit: u64, budget: &Budget) -> Result<Vec<u8>, AttachError> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| AttachError::malformed("PDF image", e))?;
    budget.add_expanded(out.len() as u64)?;
    Ok(out)
}

/// Undoes PNG predictors (one filter byte per row).
fn unpredict(
    raw: &[u8],
    row_bytes: usize,
    bpp: usize,
    height: usize,
) -> Result<Vec<u8>, AttachError> {
    let mut out = vec![0u8; row_bytes * height];
    for y in 0..height {
        let src = &raw[y * (row_bytes + 1)..(y + 1) * (row_bytes + 1)];
        let (filter, src) = (src[0], &src[1..]);
        let (done, rest) = out.split_at_mut(y * row_bytes);
        let prev = if y > 0 {
            &done[(y - 1) * row_bytes..]
        } else {
            &[][..]
        };
        let row = &mut rest[..row_bytes];
        for x in 0..row_bytes {
            let a = if x >= bpp { row[x - bpp] } else { 0 };
            let b = prev.get(x).copied().unwrap_or(0);
            let c = if x >= bpp {
                prev.get(x - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            row[x] = match filter {
                0 => src[x],
                1 => src[x].wrapping_add(a),
                2 => src[x].wrapping_add(b),
                3 => src[x].wrapping_add(((a as u16 + b as u16) / 2) as u8),
                4 => {
                    let p = a as i16 + b as i16 - c as i16;
                    let (pa, pb, pc) = (
                        (p - a as i16).abs(),
                        (p - b as i16).abs(),
                        (p - c as i16).abs(),
                    );
                    let pred = if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    };
                    src[x].wrapping_add(pred)
                }
                f => {
                    return Err(AttachError::malformed(
                        "PDF image",
                        format!("PNG predictor filter {f}"),
                    ))
                }
            };
        }
    }
    Ok(out)
}

/// Raw samples to 8-bit grey.
fn to_grey(
    rows: &[u8],
    width: u32,
    height: u32,
    components: usize,
    bpc: u8,
    row_bytes: usize,
) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        let row = &rows[y as usize * row_bytes..];
        let x = x as usize;
        let v = if bpc == 1 {
            // DeviceGray 1-bit: 1 is white.
            if row[x / 8] >> (7 - x % 8) & 1 == 1 {
                255
            } else {
                0
            }
        } else {
            let px = &row[x * components..x * components + components];
            match components {
                1 => px[0],
                3 => ((px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000) as u8,
                _ => 255u8.saturating_sub(px[3]).saturating_sub(
                    ((px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000) as u8,
                ),
            }
        };
        image::Luma([v])
    })
}
