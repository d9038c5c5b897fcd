//! Fetching one URL: one HTTP GET, no redirect followed (the crawler decides
//! where a redirect may lead), within a time limit and a size limit.
//!
//! Contract of [`Fetcher::get`]: it sends exactly one request, to the URL it
//! is given, directly (no proxy: a proxy would be another host), with
//! `If-None-Match`/`If-Modified-Since` when asked; it reads at most
//! `max_bytes` of the body (a `Content-Length` over the limit is refused
//! before reading, a body that grows past it is cut off) and answers within
//! `timeout` from connecting to the last byte. Every failure is a
//! [`Fetched`] variant with a reason, never a panic.

use std::time::Duration;

/// What one GET gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 2xx with the whole body.
    Body(Response),
    /// 304: unchanged since the `If-None-Match`/`If-Modified-Since` sent.
    NotModified,
    /// 3xx with (or without) a `Location`.
    Redirect {
        status: u16,
        location: Option<String>,
    },
    /// Any other status (4xx, 5xx, 1xx): the body is not read.
    Status {
        status: u16,
        content_type: Option<String>,
    },
    /// The body is larger than the limit.
    TooLarge {
        status: u16,
        content_type: Option<String>,
        limit: u64,
    },
    /// No answer: timeout, refused connection, broken transfer.
    Failed(String),
}

/// A 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The file name a `Content-Disposition` gives, if any.
    pub file_name: Option<String>,
    pub body: Vec<u8>,
}

/// Conditional request headers from an earlier fetch.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// One HTTP client for a run.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
    max_bytes: u64,
}

/// The `User-Agent` of every request (`baomi` is also the robots.txt token).
pub fn user_agent() -> String {
    format!(
        "baomi/{} (secrecy self-inspection of this site)",
        crate::engine::ENGINE_VERSION
    )
}

impl Fetcher {
    pub fn new(timeout: Duration, max_bytes: u64) -> Result<Fetcher, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(user_agent())
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(Fetcher {
            client,
            timeout,
            max_bytes,
        })
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// See the module docs.
    pub async fn get(&self, url: &url::Url, conditions: &Conditions) -> Fetched {
        let mut req = self.client.get(url.as_str());
        if let Some(etag) = &conditions.etag {
            req = req.header("if-none-match", etag);
        }
        if let Some(lm) = &conditions.last_modified {
            req = req.header("if-modified-since", lm);
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Fetched::Failed(self.reason(&e)),
        };
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type");
        match status {
            304 => return Fetched::NotModified,
            300..=399 => {
                return Fetched::Redirect {
                    status,
                    location: header("location"),
                }
            }
            200..=299 => {}
            _ => {
                return Fetched::Status {
                    status,
                    content_type,
                }
            }
        }
        let too_large = Fetched::TooLarge {
            status,
            content_type: content_type.clone(),
            limit: self.max_bytes,
        };
        if resp.content_length().is_some_and(|n| n > self.max_bytes) {
            return too_large;
        }
        let etag = header("etag");
        let last_modified = header("last-modified");
        let file_name = header("content-disposition").and_then(|d| disposition_name(&d));
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > self.max_bytes {
                        return too_large;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Fetched::Failed(self.reason(&e)),
            }
        }
        Fetched::Body(Response {
            status,
            content_type,
            etag,
            last_modified,
            file_name,
            body,
        })
    }

    /// A failure in words (no URL: the record has it).
    fn reason(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            format!(
                "no answer within {} ms (timed out)",
                self.timeout.as_millis()
            )
        } else if e.is_connect() {
            "could not connect".to_string()
        } else if e.is_body() || e.is_decode() {
            "the transfer broke off".to_string()
        } else {
            "the request failed".to_string()
        }
    }
}

/// `attachment; filename*=UTF-8''%E5%90%8D%E5%8D%95.xlsx` or
/// `filename="x.pdf"` → the name.
pub fn disposition_name(value: &str) -> Option<String> {
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let v = v.trim().trim_matches('"');
                let encoded = v.splitn(3, '\'').nth(2).unwrap_or(v);
                let name = percent_encoding::percent_decode_str(encoded)
                    .decode_utf8_lossy()
                    .into_owned();
                if !name.is_empty() {
                    return Some(name);
                }
            }
            "filename" => plain = Some(v.trim().trim_matches('"').to_string()),
            _ => {}
        }
    }
    plain.filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names() {
        for (value, want) in [
            (
                "attachment; filename*=UTF-8''%E5%90%8D%E5%8D%95.xlsx",
                Some("名单.xlsx"),
            ),
            ("attachment; filename=\"a b.pdf\"", Some("a b.pdf")),
            ("inline", None),
        ] {
            assert_eq!(disposition_name(value).as_deref(), want, "{value}");
        }
    }
}
