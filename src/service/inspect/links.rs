//! Links of a page: what the crawler follows from it, and its title.
//!
//! Contract of [`page_links`]: every `href` of `<a>` and `<area>`, every
//! `src` of `<frame>` and `<iframe>`, the target of a
//! `<meta http-equiv="refresh" content="…;url=…">`, and the column pages a
//! TRS-style pagination script names (`createPageHTML(5, 0, "index",
//! "html")` → `index_1.html` … `index_4.html`, how many older government
//! CMSs write their 下一页 links), resolved against the page's URL or its
//! `<base href>`, normalized, in document order, without duplicates. Links in
//! comments count too: a commented-out link is still published, and the page
//! behind it is often one that was meant to be taken down. `javascript:`,
//! `mailto:` and other non-HTTP links are dropped. The scanner is lenient:
//! broken markup yields fewer links, never a failure.

use super::urls::resolve;
use url::Url;

/// One tag as the scanner sees it: its lower-cased name and attributes.
struct Tag<'a> {
    name: String,
    attrs: Vec<(String, &'a str)>,
}

impl Tag<'_> {
    fn attr(&self, name: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| decode_entities(v))
    }
}

/// The links of `html` served at `page`; see the module docs.
pub fn page_links(page: &Url, html: &str) -> Vec<Url> {
    let mut base = page.clone();
    let mut raw: Vec<String> = Vec::new();
    for tag in tags(html) {
        match tag.name.as_str() {
            "base" => {
                if let Some(href) = tag.attr("href") {
                    if let Ok(b) = page.join(href.trim()) {
                        base = b;
                    }
                }
            }
            "a" | "area" => raw.extend(tag.attr("href")),
            "frame" | "iframe" => raw.extend(tag.attr("src")),
            "meta" => {
                let refresh = tag
                    .attr("http-equiv")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"));
                if let (true, Some(content)) = (refresh, tag.attr("content")) {
                    raw.extend(refresh_target(&content));
                }
            }
            _ => {}
        }
    }
    raw.extend(trs_pages(html));
    let mut out: Vec<Url> = Vec::new();
    for link in raw {
        let link = link.trim();
        if link.is_empty() || link.starts_with('#') {
            continue;
        }
        if let Ok(url) = resolve(Some(&base), link) {
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

/// The text of the page's first `<title>`, entities decoded, whitespace
/// collapsed.
pub fn page_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = decode_entities(html.get(start..end)?);
    let title: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then(|| title.chars().take(500).collect())
}

/// `5; url=/new.html` → `/new.html`.
fn refresh_target(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("url")?;
    let rest = content[at + 3..].trim_start().strip_prefix('=')?;
    Some(rest.trim().trim_matches(['"', '\'']).to_string())
}

/// `createPageHTML(total, current, "index", "html")` → `index_1.html` …
/// (page 0 is `index.html` itself). At most 1000 pages.
fn trs_pages(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(p) = rest.find("createPageHTML(") {
        let args = &rest[p + "createPageHTML(".len()..];
        let close = args.find(')').unwrap_or(args.len());
        let parts: Vec<&str> = args[..close]
            .split(',')
            .map(|a| a.trim().trim_matches(['"', '\'']))
            .collect();
        if let [total, _, stem, ext, ..] = parts.as_slice() {
            if let Ok(total) = total.parse::<u32>() {
                let ok = |s: &str| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                };
                if ok(stem) && ok(ext) {
                    out.push(format!("{stem}.{ext}"));
                    for n in 1..total.min(1000) {
                        out.push(format!("{stem}_{n}.{ext}"));
                    }
                }
            }
        }
        rest = &args[close.min(args.len())..];
    }
    out
}

/// Every start tag of `html` (names lower-cased; attribute values raw).
fn tags(html: &str) -> Vec<Tag<'_>> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = html[i..].find('<') {
        i += p + 1;
        let name_len = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' || b[i] == b'<' {
                break;
            }
            let key_start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'<')
            {
                i += 1;
            }
            let key = html[key_start..i].to_ascii_lowercase();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = "";
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let start = i + 1;
                    let end = b[start..]
                        .iter()
                        .position(|&c| c == q)
                        .map_or(b.len(), |e| start + e);
                    value = &html[start..end];
                    i = (end + 1).min(b.len());
                } else {
                    let start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &html[start..i];
                }
            }
            if key.is_empty() {
                i += 1;
                continue;
            }
            attrs.push((key, value));
        }
        out.push(Tag { name, attrs });
    }
    out
}

/// The entities that appear in URLs and titles: `&amp;` and friends,
/// `&#NN;` and `&#xHH;`. Anything else stays as it is.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    char::from_u32(u32::from_str_radix(&name[2..], 16).ok()?)?
                }
                _ if name.starts_with('#') => char::from_u32(name[1..].parse().ok()?)?,
                _ => return None,
            };
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_of_every_followed_kind_resolved_and_deduplicated() {
        let page = Url::parse("http://x.cn/news/index.html").unwrap();
        let html = r##"<html><head><title> 新闻 &amp; 通知 </title>
            <meta http-equiv="Refresh" content="30; URL=/home.html"></head>
            <body><a href="a1.html#top">一</a><A HREF='a1.html'>重复</A>
            <a href=list?b=2&amp;a=1>列表</a><area href="/map.html">
            <iframe src="//x.cn/frame.html"></iframe><frame src=../f.html>
            <!-- <a href="old-secret.html">旧</a> -->
            <a href="javascript:void(0)">js</a><a href="mailto:a@x.cn">信</a><a href="#">顶</a>
            <script>createPageHTML(3, 0, "index", "html");</script></body></html>"##;
        let got: Vec<String> = page_links(&page, html)
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            got,
            [
                "http://x.cn/home.html",
                "http://x.cn/news/a1.html",
                "http://x.cn/news/list?a=1&b=2",
                "http://x.cn/map.html",
                "http://x.cn/frame.html",
                "http://x.cn/f.html",
                "http://x.cn/news/old-secret.html",
                "http://x.cn/news/index.html",
                "http://x.cn/news/index_1.html",
                "http://x.cn/news/index_2.html",
            ]
        );
        assert_eq!(page_title(html).as_deref(), Some("新闻 & 通知"));
    }

    #[test]
    fn base_href_moves_relative_links_and_broken_markup_is_no_failure() {
        let page = Url::parse("http://x.cn/a/b.html").unwrap();
        let got = page_links(&page, r#"<base href="/c/"><a href="d.html">d</a><a href="#);
        assert_eq!(got, [Url::parse("http://x.cn/c/d.html").unwrap()]);
        assert!(page_links(&page, "<<<a href=\"").is_empty());
        assert_eq!(page_title("<p>no title</p>"), None);
    }
}
