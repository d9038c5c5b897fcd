//! Decoding a page: which encoding its bytes are in, told as a browser
//! tells it.
//!
//! Contract of [`decode_page`], strongest first: a byte-order mark; the
//! `charset` of the HTTP `Content-Type`; a `<meta charset>` or
//! `<meta http-equiv="Content-Type" content="…; charset=…">` in the first
//! 4096 bytes; else UTF-8 when the bytes are valid UTF-8, else GB18030 (what
//! a browser in a Chinese locale falls back to, so what visitors of an old
//! undeclared column read). GBK and GB2312 labels decode as GB18030, their
//! superset (the WHATWG encoding standard, via encoding_rs). Bytes that are
//! not valid in the chosen encoding are kept as U+FFFD and reported in
//! [`Decoded::malformed`]: the page is then `review`, never `pass`, since
//! what was replaced may be what leaks.

use encoding_rs::Encoding;

/// A page's text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding's WHATWG name (`UTF-8`, `GBK`, `gb18030`).
    pub encoding: &'static str,
    /// Where the encoding came from: `BOM`, `HTTP`, `meta`, `default`.
    pub source: &'static str,
    /// Some bytes were not valid in that encoding (replaced by U+FFFD).
    pub malformed: bool,
}

/// See the module docs.
pub fn decode_page(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return decode(&bytes[bom..], encoding, "BOM");
    }
    if let Some(encoding) = content_type.and_then(charset_param).and_then(label) {
        return decode(bytes, encoding, "HTTP");
    }
    if let Some(encoding) = meta_charset(&bytes[..bytes.len().min(4096)]) {
        return decode(bytes, encoding, "meta");
    }
    if std::str::from_utf8(bytes).is_ok() {
        return decode(bytes, encoding_rs::UTF_8, "default");
    }
    decode(bytes, encoding_rs::GB18030, "default")
}

fn decode(bytes: &[u8], encoding: &'static Encoding, source: &'static str) -> Decoded {
    // A page declared UTF-16 is read as UTF-8 by browsers unless it has a
    // BOM (WHATWG); `output_encoding` says so for us.
    let encoding = if source == "BOM" {
        encoding
    } else {
        encoding.output_encoding()
    };
    let (text, malformed) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        source,
        malformed,
    }
}

fn label(name: &str) -> Option<&'static Encoding> {
    Encoding::for_label(name.trim().trim_matches(['"', '\'']).as_bytes())
}

/// The `charset` parameter of a `Content-Type` value.
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// The encoding a `<meta>` tag in `head` declares, read from ASCII bytes
/// only (every encoding baomi meets keeps ASCII as ASCII).
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(p) = find(&lower[from..], b"<meta") {
        let start = from + p;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = String::from_utf8_lossy(&lower[start..end]);
        // `<meta charset="gbk">` and `<meta http-equiv="Content-Type"
        // content="text/html; charset=gb2312">` both end in `charset=NAME`.
        if let Some(at) = tag.find("charset") {
            let rest = tag[at + "charset".len()..].trim_start();
            if let Some(value) = rest.strip_prefix('=') {
                let value = value.trim_start().trim_start_matches(['"', '\'']);
                let name: String = value
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                    .collect();
                if let Some(encoding) = label(&name) {
                    return Some(encoding);
                }
            }
        }
        from = end.max(start + 5);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 机密 in GBK.
    const GBK_JIMI: &[u8] = b"\xbb\xfa\xc3\xdc";

    #[test]
    fn the_encoding_comes_from_bom_header_meta_then_default() {
        let meta = [
            b"<html><head><meta charset=\"gb2312\"></head><body>".as_slice(),
            GBK_JIMI,
        ]
        .concat();
        let equiv = [
            b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=GBK'>".as_slice(),
            GBK_JIMI,
        ]
        .concat();
        let bom = [b"\xef\xbb\xbf".as_slice(), "机密".as_bytes()].concat();
        for (bytes, header, text, source) in [
            (meta.clone(), None, "机密", "meta"),
            (equiv, None, "机密", "meta"),
            (
                GBK_JIMI.to_vec(),
                Some("text/html; charset=\"GB2312\""),
                "机密",
                "HTTP",
            ),
            (bom, Some("text/html; charset=gbk"), "机密", "BOM"),
            ("机密".as_bytes().to_vec(), None, "机密", "default"),
            (GBK_JIMI.to_vec(), None, "机密", "default"),
        ] {
            let d = decode_page(&bytes, header);
            assert!(d.text.ends_with(text), "{header:?}: {d:?}");
            assert_eq!(d.source, source, "{header:?}");
            assert!(!d.malformed, "{header:?}");
        }
    }

    #[test]
    fn bytes_invalid_in_the_declared_encoding_are_reported() {
        // GBK bytes served as UTF-8.
        let d = decode_page(GBK_JIMI, Some("text/html; charset=utf-8"));
        assert!(d.malformed);
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(charset_param("text/html;charset=UTF-8"), Some("UTF-8"));
        assert_eq!(charset_param("text/html"), None);
    }
}
