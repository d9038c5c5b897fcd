//! URLs: resolving links against their page, normalizing them so that one
//! resource has one key, and deciding which hosts may be requested.
//!
//! Contract of [`normalize`]: the result is an absolute `http`/`https` URL
//! without fragment, user name or password, with the host lower-cased (IDNA
//! by the WHATWG parser), the default port dropped, `.`/`..` resolved, and
//! the query's `&`-separated parameters sorted (so `?b=2&a=1` and `?a=1&b=2`
//! are one URL; each parameter keeps its bytes, so nothing the server reads
//! changes). Normalizing a normalized URL gives it back.

use url::Url;

/// Why a link is not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a URL")]
    Invalid,
    #[error("not http or https")]
    Scheme,
    #[error("carries a user name or password")]
    Credentials,
}

/// `link` resolved against `base` (or absolute), normalized.
pub fn resolve(base: Option<&Url>, link: &str) -> Result<Url, UrlError> {
    let link = link.trim();
    let parsed = match base {
        Some(b) => b.join(link),
        None => Url::parse(link),
    }
    .map_err(|_| UrlError::Invalid)?;
    normalize(parsed)
}

/// See the module docs.
pub fn normalize(mut url: Url) -> Result<Url, UrlError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    if url.host_str().is_none() {
        return Err(UrlError::Invalid);
    }
    url.set_fragment(None);
    let query = url.query().map(|q| {
        let mut params: Vec<&str> = q.split('&').filter(|p| !p.is_empty()).collect();
        params.sort_unstable();
        params.join("&")
    });
    match query {
        Some(q) if !q.is_empty() => url.set_query(Some(&q)),
        _ => url.set_query(None),
    }
    Ok(url)
}

/// `host` or `host:port` as written in the URL (lower case; the port only
/// when the URL names a non-default one).
pub fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// `scheme://host[:port]`: robots.txt and the request rate are per origin.
pub fn origin(url: &Url) -> String {
    format!("{}://{}", url.scheme(), authority(url))
}

/// Whether `url` may be requested: its host is one of `allowed` (an entry
/// with a port allows that port only; one without, the host on its default
/// ports). Compared case-insensitively; IPv6 brackets are ignored.
pub fn host_allowed(url: &Url, allowed: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    let port = url.port();
    allowed.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        let (h, p) = split_port(&entry);
        h.trim_matches(['[', ']']) == host
            && match p {
                Some(p) => url.port_or_known_default() == Some(p),
                None => port.is_none(),
            }
    })
}

/// `host:port` → (`host`, port); `[::1]:8080` too; a bare IPv6 address has
/// no port.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h, port);
        }
    }
    match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// The last path segment, percent-decoded (`%E5%90%8D%E5%8D%95.xlsx` →
/// `名单.xlsx`): what an attachment is called. Empty for a directory.
pub fn file_name(url: &Url) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    percent_encoding::percent_decode_str(last)
        .decode_utf8_lossy()
        .into_owned()
}

/// The URL as people read it: the path and query percent-decoded (what the
/// address bar shows, and what is scanned as the field `网址`).
pub fn readable(url: &Url) -> String {
    percent_encoding::percent_decode_str(url.as_str())
        .decode_utf8_lossy()
        .into_owned()
}

/// The lower-cased extension of the last path segment (`pdf`), if any.
pub fn extension(url: &Url) -> Option<String> {
    let name = file_name(url);
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        resolve(None, s)
            .map(String::from)
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn one_resource_one_url() {
        for (input, want) in [
            (
                "http://Example.GOV.cn:80/a/../b/c.html#top",
                "http://example.gov.cn/b/c.html",
            ),
            ("https://x.cn/list?b=2&a=1", "https://x.cn/list?a=1&b=2"),
            ("https://x.cn/list?a=1&b=2", "https://x.cn/list?a=1&b=2"),
            ("https://x.cn/list?&a=1&&", "https://x.cn/list?a=1"),
            ("https://x.cn/list?", "https://x.cn/list"),
            ("http://x.cn", "http://x.cn/"),
            ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
            ("ftp://x.cn/a", "error: not http or https"),
            ("http://u:p@x.cn/", "error: carries a user name or password"),
            ("mailto:a@x.cn", "error: not http or https"),
        ] {
            assert_eq!(norm(input), want, "input: {input}");
            if !want.starts_with("error") {
                assert_eq!(norm(want), want, "idempotent: {want}");
            }
        }
        let base = Url::parse("http://x.cn/news/index.html").unwrap();
        assert_eq!(
            resolve(Some(&base), "../old/a.html?z=1&y=2#p")
                .unwrap()
                .as_str(),
            "http://x.cn/old/a.html?y=2&z=1"
        );
        assert_eq!(
            resolve(Some(&base), "javascript:void(0)"),
            Err(UrlError::Scheme)
        );
    }

    #[test]
    fn hosts_are_allowed_with_their_port() {
        let allowed = vec!["127.0.0.1:8080".to_string(), "www.x.gov.cn".to_string()];
        for (url, want) in [
            ("http://127.0.0.1:8080/a", true),
            ("http://127.0.0.1:8081/a", false),
            ("http://127.0.0.1/a", false),
            ("http://WWW.x.gov.cn/a", true),
            ("https://www.x.gov.cn/a", true),
            ("http://www.x.gov.cn:8443/a", false),
            ("http://evil.cn/www.x.gov.cn", false),
        ] {
            assert_eq!(
                host_allowed(&Url::parse(url).unwrap(), &allowed),
                want,
                "{url}"
            );
        }
    }

    #[test]
    fn names_and_extensions_are_decoded() {
        let u = Url::parse("http://x.cn/files/%E5%90%8D%E5%8D%95.XLSX?v=1").unwrap();
        assert_eq!(file_name(&u), "名单.XLSX");
        assert_eq!(extension(&u).as_deref(), Some("xlsx"));
        assert_eq!(extension(&Url::parse("http://x.cn/news/").unwrap()), None);
        assert_eq!(
            authority(&Url::parse("http://X.cn:8080/").unwrap()),
            "x.cn:8080"
        );
        assert_eq!(
            origin(&Url::parse("https://x.cn/a").unwrap()),
            "https://x.cn"
        );
    }
}
