//! The pictures inside a zip-based document (`word/media/`, `xl/media/`,
//! `ppt/media/`, ODF `Pictures/`, the images of an OFD package), each read by
//! OCR as a part of its own: `通知.docx › 图片 2`.
//!
//! Contract: entries under the folder are taken in name order, numbers
//! compared as numbers (`image2` before `image10`), numbered from 1 among the
//! pictures read. An entry is a picture when its content is PNG, JPEG, TIFF,
//! BMP or GIF; other media (EMF/WMF vector drawings, audio, video) are not
//! read, and neither are pictures smaller than [`MIN_SIDE`] pixels on a side
//! (bullets, icons: no text fits). Every entry is read through the zip guard;
//! a picture that cannot be decoded or recognized is a problem at its
//! location.

use super::budget::Budget;
use super::error::AttachError;
use super::part::Extraction;
use super::picture;
use super::zipfile::{read_entry, Zip};

/// Pictures smaller than this on either side are not read.
pub(super) const MIN_SIDE: u32 = 24;

/// `image10.png` after `image2.png`: digit runs compare as numbers.
fn natural_key(name: &str) -> Vec<(u64, String)> {
    let mut key = Vec::new();
    let mut digits = String::new();
    let mut rest = String::new();
    for c in name.chars() {
        if c.is_ascii_digit() {
            if !rest.is_empty() {
                key.push((0, std::mem::take(&mut rest)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                key.push((digits.parse().unwrap_or(u64::MAX), String::new()));
                digits.clear();
            }
            rest.push(c);
        }
    }
    if !digits.is_empty() {
        key.push((digits.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !rest.is_empty() {
        key.push((0, rest));
    }
    key
}

/// Reads the pictures among the entries `select` picks (see the module docs).
pub(super) fn read_zip_pictures(
    location: &str,
    zip: &mut Zip,
    select: impl Fn(&str) -> bool,
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    let mut names: Vec<(String, usize)> = (0..zip.len())
        .filter_map(|i| {
            let file = zip.by_index_raw(i).ok()?;
            let name = file.name().ok()?.to_string();
            (!file.is_dir() && select(&name)).then_some((name, i))
        })
        .collect();
    names.sort_by_key(|(n, _)| natural_key(n));
    let mut number = 0;
    for (_, index) in names {
        if budget.stopped() {
            return Ok(());
        }
        let bytes = match read_entry(zip, index, budget, None) {
            Ok(bytes) => bytes,
            Err(error) => {
                budget.record(out, format!("{location} › 图片 {}", number + 1), error);
                continue;
            }
        };
        if !picture::is_picture(&bytes) || is_small(&bytes) {
            continue;
        }
        number += 1;
        let here = format!("{location} › 图片 {number}");
        if let Err(error) = picture::read_picture(&here, &bytes, budget, out) {
            budget.record(out, here, error);
        }
    }
    Ok(())
}

/// Whether the picture's header says it is smaller than [`MIN_SIDE`].
fn is_small(bytes: &[u8]) -> bool {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .is_some_and(|(w, h)| w < MIN_SIDE || h < MIN_SIDE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_with_numbers_as_numbers() {
        let mut names = vec!["media/image10.png", "media/image2.png", "media/image1.jpeg"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(
            names,
            ["media/image1.jpeg", "media/image2.png", "media/image10.png"]
        );
    }
}
