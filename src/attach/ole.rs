//! OLE compound files (legacy Office, WPS): which document is inside.
//!
//! Contract: the file is opened with the `cfb` crate, which checks the
//! header, the FAT and DIFAT chains (loops and out-of-range sectors are
//! errors) and the directory tree before anything is read. Every stream is
//! read through `olefile::read_stream`: at most its declared length, counted
//! against the attachment's `max_total_bytes` and time budget (see
//! `super::olefile`), so a stream
//! that claims terabytes is refused when the bytes read pass the limit (and a
//! chain that ends early is a damaged file). Which reader runs is told by the
//! streams, not the name (WPS writes .wps/.et in the Word and Excel binary
//! formats):
//! - `EncryptedPackage` (an .docx/.xlsx saved with a password):
//!   [`AttachError::Encrypted`];
//! - `WordDocument`: [`super::doc`] (.doc, .wps);
//! - `Workbook` / `Book`: [`super::xls`] (.xls, .et);
//! - `PowerPoint Document` (.ppt, .dps): not read, [`AttachError::Unsupported`];
//! - anything else: unsupported.
//!
//! Then the summary-information properties (`super::olefile`). Embedded
//! objects (`ObjectPool` children in Word files, `MBD…` storages in Excel
//! files: a worksheet pasted into a notice) are not opened: they are a
//! problem, [`AttachError::EmbeddedObjects`], located `› 嵌入对象`.

use super::budget::Budget;
use super::error::{guard_panic, AttachError};
use super::olefile::read_properties;
use super::part::Extraction;
use super::{doc, xls};
use std::io::Cursor;

pub(super) fn read_ole(
    location: &str,
    bytes: &[u8],
    budget: &Budget,
    out: &mut Extraction,
) -> Result<(), AttachError> {
    // The stream name, as the directory stores it: also found when the
    // directory itself is damaged.
    let marker: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    if super::bytes::find(bytes, &marker) {
        return Err(AttachError::Encrypted {
            what: "an Office document protected with a password".into(),
        });
    }
    let mut ole = guard_panic("OLE compound file", || {
        cfb::CompoundFile::open(Cursor::new(bytes))
            .map_err(|e| AttachError::malformed("OLE compound file (.doc/.xls/.wps/.et)", e))
    })?;
    if ole.is_stream("EncryptedPackage") || ole.is_stream("EncryptionInfo") {
        return Err(AttachError::Encrypted {
            what: "an Office document protected with a password".into(),
        });
    }
    let result = if ole.is_stream("WordDocument") {
        guard_panic("Word", || doc::read_doc(location, &mut ole, budget, out))
    } else if ole.is_stream("Workbook") || ole.is_stream("Book") {
        guard_panic("Excel", || xls::read_xls(location, &mut ole, budget, out))
    } else if ole.is_stream("PowerPoint Document") {
        return Err(AttachError::Unsupported {
            mime: "application/vnd.ms-powerpoint (.ppt/.dps, PowerPoint 97–2003; save it as .pptx to have it read)".into(),
        });
    } else {
        return Err(AttachError::Unsupported {
            mime: "application/x-ole-storage (no Word, Excel or PowerPoint document inside)".into(),
        });
    };
    result?;
    if budget.stopped() {
        return Ok(());
    }
    read_properties(location, &mut ole, budget, out)?;
    // Embedded objects: Word keeps them under ObjectPool, Excel in MBD…
    // storages at the root. They are files of their own, not read here.
    let embedded = ole
        .read_storage("ObjectPool")
        .map(|entries| entries.count())
        .unwrap_or(0)
        + ole
            .read_root_storage()
            .filter(|e| e.is_storage() && e.name().starts_with("MBD"))
            .count();
    if embedded > 0 {
        budget.record(
            out,
            format!("{location} › 嵌入对象"),
            AttachError::EmbeddedObjects { count: embedded },
        );
    }
    Ok(())
}
