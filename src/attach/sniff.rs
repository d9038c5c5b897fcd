//! The one file-type sniffer: what a file is, told from its content first
//! (zip, PDF, OLE compound files, executables, images), then from its name.
//! `baomi scan`, the publish hook and the attachment readers all use it, so
//! a file is never read one way by the CLI and another by the service.

use super::bytes::find;
use super::error::AttachError;

/// What a file is, told from its content first, then its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Pdf,
    Text,
    Csv,
    Html,
    /// An OLE compound file: a legacy .doc/.xls, or an encrypted Office file.
    Ole,
    Unsupported(&'static str),
}

pub fn extension(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.rfind('.') {
        Some(p) => base[p + 1..].to_ascii_lowercase(),
        None => String::new(),
    }
}

pub fn sniff(name: &str, bytes: &[u8]) -> Kind {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"MZ", "application/x-msdownload"),
        (b"\x7fELF", "application/x-executable"),
        (b"\x89PNG", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"II*\0", "image/tiff"),
        (b"MM\0*", "image/tiff"),
        (b"BM", "image/bmp"),
        (b"Rar!", "application/vnd.rar"),
        (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
        (b"\x1f\x8b", "application/gzip"),
        (b"{\\rtf", "application/rtf"),
    ];
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if bytes.starts_with(b"%PDF-") || bytes.get(..1024).is_some_and(|h| find(h, b"%PDF-")) {
        return Kind::Pdf;
    }
    if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Kind::Ole;
    }
    if let Some((_, mime)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        // `BM` and `MZ` are short: trust them only without a text extension.
        if !matches!(extension(name).as_str(), "txt" | "md" | "csv") {
            return Kind::Unsupported(mime);
        }
    }
    match extension(name).as_str() {
        "txt" | "md" | "text" | "xml" | "json" => Kind::Text,
        "csv" => Kind::Csv,
        "html" | "htm" => Kind::Html,
        "docx" | "xlsx" | "zip" => Kind::Zip, // not a zip by content: damaged
        "pdf" => Kind::Pdf,
        "doc" => Kind::Unsupported("application/msword"),
        "xls" => Kind::Unsupported("application/vnd.ms-excel"),
        "ppt" => Kind::Unsupported("application/vnd.ms-powerpoint"),
        "pptx" => Kind::Unsupported(
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        "wps" | "et" | "dps" => Kind::Unsupported("application/vnd.ms-works (WPS)"),
        "ofd" => Kind::Unsupported("application/ofd"),
        "rar" => Kind::Unsupported("application/vnd.rar"),
        "7z" => Kind::Unsupported("application/x-7z-compressed"),
        "exe" | "dll" => Kind::Unsupported("application/x-msdownload"),
        _ if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() => Kind::Text,
        _ => Kind::Unsupported("application/octet-stream"),
    }
}

/// How a file given directly (to `baomi scan`) is read: as one text
/// document (plain text or HTML, offsets in the file's own text) or as an
/// attachment (located parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAs {
    Document(crate::engine::Format),
    Attachment,
}

impl Kind {
    /// Text and HTML files are documents; everything else (archives, Office
    /// files, PDFs, CSV with its cells, known types baomi cannot read) is an
    /// attachment, whose unreadable parts become a `review`.
    pub fn read_as(self) -> ReadAs {
        match self {
            Kind::Text => ReadAs::Document(crate::engine::Format::Text),
            Kind::Html => ReadAs::Document(crate::engine::Format::Html),
            // Unknown bytes that are not UTF-8 (a GBK text, say): read as
            // text, so that the decoding error says how to convert them.
            Kind::Unsupported("application/octet-stream") => {
                ReadAs::Document(crate::engine::Format::Text)
            }
            _ => ReadAs::Attachment,
        }
    }
}

/// An OLE compound file holding an `EncryptedPackage` stream is an Office
/// file saved with a password; any other is a legacy binary .doc/.xls/.ppt.
pub(super) fn ole_error(bytes: &[u8]) -> AttachError {
    let marker: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    if find(bytes, &marker) {
        AttachError::Encrypted {
            what: "an Office document protected with a password".into(),
        }
    } else {
        AttachError::Unsupported {
            mime: "application/x-ole-storage (legacy .doc/.xls/.ppt)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_content_before_names() {
        for (name, bytes, want) in [
            ("a.txt", &b"PK\x03\x04...."[..], Kind::Zip),
            ("a.docx", b"%PDF-1.4", Kind::Pdf),
            (
                "setup.pdf.exe",
                b"MZ\x90\0",
                Kind::Unsupported("application/x-msdownload"),
            ),
            ("说明.txt", "机密".as_bytes(), Kind::Text),
            ("名单.csv", b"a,b", Kind::Csv),
            ("通知.HTM", b"<p>x</p>", Kind::Html),
            ("旧.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Kind::Ole),
            ("README", b"plain words", Kind::Text),
            (
                "blob",
                b"\0\x01\x02",
                Kind::Unsupported("application/octet-stream"),
            ),
        ] {
            assert_eq!(sniff(name, bytes), want, "{name}");
        }
    }
}
