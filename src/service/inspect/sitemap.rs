//! Sitemaps (sitemaps.org 0.9): the `<loc>` of each `<url>` of a
//! `<urlset>`, or of each `<sitemap>` of a `<sitemapindex>`; gzip-compressed
//! ones are inflated first, bounded like every response.
//!
//! Contract: [`parse_sitemap`] never fails on a malformed file: it returns
//! what it could read and the reason it stopped, so pages listed before the
//! damage are still inspected and the damage is reported.

use std::io::Read;

/// What a sitemap lists.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sitemap {
    /// Page URLs (`<urlset>`).
    pub pages: Vec<String>,
    /// Further sitemaps (`<sitemapindex>`).
    pub sitemaps: Vec<String>,
    /// Why reading stopped early, if it did.
    pub error: Option<String>,
}

/// Reads a sitemap (plain or gzip) of at most `limit` bytes inflated.
pub fn parse_sitemap(bytes: &[u8], limit: u64) -> Sitemap {
    if bytes.starts_with(b"\x1f\x8b") {
        let mut inflated = Vec::new();
        let read = flate2::read::GzDecoder::new(bytes)
            .take(limit + 1)
            .read_to_end(&mut inflated);
        return match read {
            Err(e) => Sitemap {
                error: Some(format!("not valid gzip: {e}")),
                ..Sitemap::default()
            },
            Ok(_) if inflated.len() as u64 > limit => Sitemap {
                error: Some(format!("inflates to more than {limit} bytes")),
                ..Sitemap::default()
            },
            Ok(_) => parse_xml(&inflated),
        };
    }
    parse_xml(bytes)
}

fn parse_xml(bytes: &[u8]) -> Sitemap {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut out = Sitemap::default();
    let mut stack: Vec<Vec<u8>> = Vec::new();
    // The text of the open `<loc>`, gathered across text, CDATA and entity
    // references (quick-xml reports `&amp;` as an event of its own).
    let mut loc: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name: Vec<u8> = e.local_name().as_ref().to_ascii_lowercase().into_bytes();
                if name == b"loc" {
                    loc = Some(String::new());
                }
                stack.push(name);
            }
            Ok(Event::End(_)) => {
                let name = stack.pop();
                if name.as_deref() == Some(b"loc") {
                    let text = loc.take().unwrap_or_default().trim().to_string();
                    match stack.last().map(Vec::as_slice) {
                        Some(b"url") => out.pages.push(text),
                        Some(b"sitemap") => out.sitemaps.push(text),
                        _ => {}
                    }
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(l) = &mut loc {
                    l.push_str(&t.xml10_content());
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(l) = &mut loc {
                    l.push_str(&t.xml10_content());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(l) = &mut loc {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => l.push(c),
                        _ => match quick_xml::escape::resolve_predefined_entity(&r) {
                            Some(s) => l.push_str(s),
                            None => l.push_str(&format!("&{};", &*r)),
                        },
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                out.error = Some(format!(
                    "malformed XML at byte {}: {e}",
                    reader.buffer_position()
                ));
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlsets_indexes_gzip_and_damage() {
        let set = br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc> http://x.cn/a.html </loc></url><url><loc>http://x.cn/b?x=1&amp;y=2</loc></url></urlset>"#;
        let got = parse_sitemap(set, 1 << 20);
        assert_eq!(got.pages, ["http://x.cn/a.html", "http://x.cn/b?x=1&y=2"]);
        assert_eq!(got.error, None);
        let index =
            b"<sitemapindex><sitemap><loc>http://x.cn/s2.xml</loc></sitemap></sitemapindex>";
        assert_eq!(
            parse_sitemap(index, 1 << 20).sitemaps,
            ["http://x.cn/s2.xml"]
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, set).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(parse_sitemap(&gz, 1 << 20).pages.len(), 2);
        assert!(parse_sitemap(&gz, 10)
            .error
            .unwrap()
            .contains("more than 10"));
        let broken = b"<urlset><url><loc>http://x.cn/a.html</loc></url><url><loc>x</urlset>";
        let got = parse_sitemap(broken, 1 << 20);
        assert_eq!(got.pages[0], "http://x.cn/a.html");
        assert!(got.error.is_some(), "{got:?}");
    }
}
