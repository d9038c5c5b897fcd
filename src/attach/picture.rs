//! Pictures: image files (.png .jpg .jpeg .tif .tiff .bmp .gif) and the
//! pictures inside documents, decoded for OCR.
//!
//! Contract: a picture is decoded by the `image` crate only after its header
//! has been read and its size checked: more than [`Limits::max_image_pixels`]
//! is [`AttachError::ImageTooLarge`] without decoding a pixel (a PNG that
//! claims 100,000 × 100,000 pixels costs a few bytes of header), and the
//! decoder runs with `image::Limits` set to the same bound, so a header that
//! lies cannot make it allocate more. The decoded picture is turned into 8-bit
//! grey (what tesseract reads anyway) and handed to [`super::ocr`].
//!
//! A picture in which OCR finds no text (a photo, a logo) gives no part and
//! no problem: there is nothing to scan. A *scanned PDF page* without text is
//! different, see `pdfscan`.
//!
//! [`Limits::max_image_pixels`]: super::budget::Limits::max_image_pixels

use super::budget::Budget;
use super::error::AttachError;
use super::ocr;
use super::part::{Extraction, Part};
use crate::engine::Format;
use image::{GrayImage, ImageFormat, ImageReader};
use std::io::Cursor;

/// The image formats read, by file extension.
pub(super) const EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif"];

/// Whether `bytes` start like a picture this module decodes.
pub(super) fn is_picture(bytes: &[u8]) -> bool {
    image::guess_format(bytes).is_ok_and(|f| {
        matches!(
            f,
            ImageFormat::Png
                | ImageFormat::Jpeg
                | ImageFormat::Tiff
                | ImageFormat::Bmp
                | ImageFormat::Gif
        )
    })
}

/// Decodes a picture to grey, refusing it before decoding when it is larger
/// than the limit.
pub(super) fn decode(bytes: &[u8], budget: &Budget) -> Result<GrayImage, AttachError> {
    let max_pixels = budget.limits.max_image_pixels;
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| AttachError::malformed("picture", e))?;
    let Some(format) = reader.format() else {
        return Err(AttachError::ImageFormat {
            what: "not a known picture format".into(),
        });
    };
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| image_error(format, e))?;
    check_size(u64::from(width), u64::from(height), max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // Room for the picture in RGBA16, the widest the decoders produce.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).max(1 << 20));
    reader.limits(limits);
    let picture = reader.decode().map_err(|e| image_error(format, e))?;
    Ok(picture.into_luma8())
}

/// Refuses pictures over the pixel limit (also used for PDF images, whose
/// size is in their dictionary).
pub(super) fn check_size(width: u64, height: u64, max_pixels: u64) -> Result<(), AttachError> {
    if width.saturating_mul(height) > max_pixels {
        return Err(AttachError::ImageTooLarge {
            width,
            height,
            max_pixels,
        });
    }
    Ok(())
}

fn image_error(format: ImageFormat, e: image::ImageError) -> AttachError {
    match e {
        image::ImageError::Limits(_) => AttachError::ImageFormat {
            what: format!("{format:?} whose decoding needs more memory than its size allows"),
        },
        image::ImageError::Unsupported(u) => AttachError::ImageFormat {
            what: format!("{format:?}: {u}"),
        },
        other => AttachError::malformed("picture", format!("{format:?}: {other}")),
    }
}

/// Reads one picture at `location` by OCR into a part (none when OCR finds
/// no text). `dpi` is the resolution when it is known.
pub(super) fn read_picture(
    location: &str,
    bytes: &[u8],
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    budget.check_time()?;
    let picture = decode(bytes, budget)?;
    if let Some(part) = ocr_part(location, &picture, None, budget)? {
        out.parts.push(part);
    }
    Ok(())
}

/// OCR of a decoded picture into a part at `location`, flagged as OCR text.
pub(super) fn ocr_part(
    location: &str,
    picture: &GrayImage,
    dpi: Option<u32>,
    budget: &Budget,
) -> Result<Option<Part>, AttachError> {
    let text = ocr::recognize(picture, dpi, budget)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    budget.add_text(text.len())?;
    let mut part = Part::new(location.to_string(), Format::Text, text);
    part.ocr = true;
    Ok(Some(part))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::budget::Limits;

    /// A PNG signature and IHDR claiming `width` × `height`, and no data.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        v.extend(width.to_be_bytes());
        v.extend(height.to_be_bytes());
        v.extend([8, 0, 0, 0, 0]);
        let mut crc = flate2::Crc::new();
        crc.update(&v[12..]);
        v.extend(crc.sum().to_be_bytes());
        // A few bytes of image data and the end, as a bomb would carry
        // (its data compresses 1000:1).
        let data = [0x78, 0x9c, 0x03, 0, 0, 0, 0, 1];
        v.extend((data.len() as u32).to_be_bytes());
        let at = v.len();
        v.extend(b"IDAT");
        v.extend(data);
        let mut crc = flate2::Crc::new();
        crc.update(&v[at..]);
        v.extend(crc.sum().to_be_bytes());
        v.extend(b"\0\0\0\0IEND\xaeB`\x82");
        v
    }

    #[test]
    fn a_huge_claimed_size_is_refused_before_decoding() {
        let limits = Limits::default();
        let budget = Budget::new(&limits);
        assert_eq!(
            decode(&png_header(100_000, 100_000), &budget).err(),
            Some(AttachError::ImageTooLarge {
                width: 100_000,
                height: 100_000,
                max_pixels: 60_000_000
            })
        );
    }

    #[test]
    fn pictures_are_told_by_content() {
        assert!(is_picture(&png_header(1, 1)));
        assert!(is_picture(b"\xff\xd8\xff\xe0"));
        assert!(!is_picture(b"PK\x03\x04"));
    }
}
