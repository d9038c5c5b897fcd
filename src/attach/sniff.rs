//! The one file-type sniffer: what a file is, told from its content first
//! (zip, PDF, OLE compound files, executables, images), then from its name.
//! `baomi scan`, the publish hook and the attachment readers all use it, so
//! a file is never read one way by the CLI and another by the service.

use super::bytes::find;

/// What a file is, told from its content first, then its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Pdf,
    Text,
    Csv,
    Html,
    /// An OLE compound file: a legacy .doc/.xls/.ppt, WPS .wps/.et, or an
    /// encrypted Office file.
    Ole,
    /// A picture (.png .jpg .tif .bmp .gif), read by OCR.
    Picture,
    /// Rich Text Format.
    Rtf,
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
        (b"Rar!", "application/vnd.rar"),
        (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
        (b"\x1f\x8b", "application/gzip"),
    ];
    const PICTURES: &[&[u8]] = &[
        b"\x89PNG",
        b"\xff\xd8\xff",
        b"GIF8",
        b"II*\0",
        b"MM\0*",
        b"BM",
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
    if bytes.starts_with(b"{\\rtf") {
        return Kind::Rtf;
    }
    // `BM` and `MZ` are short: trust them only without a text extension.
    let text_name = matches!(extension(name).as_str(), "txt" | "md" | "csv");
    if let Some((_, mime)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        if !text_name {
            return Kind::Unsupported(mime);
        }
    }
    if PICTURES.iter().any(|m| bytes.starts_with(m)) && !text_name {
        return Kind::Picture;
    }
    match extension(name).as_str() {
        "txt" | "md" | "text" | "xml" | "json" => Kind::Text,
        "csv" => Kind::Csv,
        "html" | "htm" => Kind::Html,
        // Not a zip, an OLE file or a picture by content: damaged, or
        // another type renamed; the reader says which.
        "docx" | "xlsx" | "pptx" | "zip" | "odt" | "ods" | "odp" | "ofd" => Kind::Zip,
        "pdf" => Kind::Pdf,
        "doc" | "xls" | "ppt" | "wps" | "et" | "dps" => Kind::Ole,
        "rtf" => Kind::Rtf,
        "png" | "jpg" | "jpeg" | "tif" | "tiff" | "bmp" | "gif" => Kind::Picture,
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
            ("旧.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Kind::Ole),
            ("新.wps", b"PK\x03\x04", Kind::Zip),
            ("扫描.jpg", b"\xff\xd8\xff\xe0", Kind::Picture),
            ("照片", b"\x89PNG\r\n", Kind::Picture),
            ("通知.doc", b"{\\rtf1\\ansi", Kind::Rtf),
            ("坏.doc", b"garbage\0", Kind::Ole),
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
