//! robots.txt: what an origin allows baomi to fetch, and the sitemaps it
//! names.
//!
//! Contract (RFC 9309): a robots.txt answered with 2xx is obeyed (the
//! `baomi` group, else `*`; longest match wins, `Allow` on a tie); a 4xx
//! means no rules (everything allowed); a 5xx or no answer means "assume a
//! complete disallow" for that origin. `Sitemap:` lines are read in every
//! case a body came, also when the rules are ignored (`--ignore-robots`).
//! Matching is Google's reference matcher (the `robotstxt` crate).

use super::model::ROBOTS_AGENT;
use robotstxt::{DefaultMatcher, RobotsParseHandler};

/// What an origin's robots.txt said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Robots {
    /// A body to obey.
    Rules(String),
    /// No robots.txt (4xx): everything allowed.
    Missing,
    /// 5xx or no answer: nothing allowed.
    Unreachable,
}

impl Robots {
    /// From a robots.txt response: its status and body (`None`: no answer).
    pub fn from_response(status: Option<u16>, body: Option<&[u8]>) -> Robots {
        match (status, body) {
            (Some(200..=299), Some(body)) => {
                Robots::Rules(String::from_utf8_lossy(body).into_owned())
            }
            (Some(400..=499), _) => Robots::Missing,
            _ => Robots::Unreachable,
        }
    }

    /// Whether `url` may be fetched.
    pub fn allows(&self, url: &str) -> bool {
        match self {
            Robots::Rules(body) => {
                DefaultMatcher::default().one_agent_allowed_by_robots(body, ROBOTS_AGENT, url)
            }
            Robots::Missing => true,
            Robots::Unreachable => false,
        }
    }

    /// The `Sitemap:` URLs, as written.
    pub fn sitemaps(&self) -> Vec<String> {
        let Robots::Rules(body) = self else {
            return Vec::new();
        };
        struct Sitemaps(Vec<String>);
        impl RobotsParseHandler for Sitemaps {
            fn handle_robots_start(&mut self) {}
            fn handle_robots_end(&mut self) {}
            fn handle_user_agent(&mut self, _: u32, _: &str) {}
            fn handle_allow(&mut self, _: u32, _: &str) {}
            fn handle_disallow(&mut self, _: u32, _: &str) {}
            fn handle_sitemap(&mut self, _: u32, value: &str) {
                self.0.push(value.trim().to_string());
            }
            fn handle_unknown_action(&mut self, _: u32, _: &str, _: &str) {}
        }
        let mut found = Sitemaps(Vec::new());
        robotstxt::parse_robotstxt(body, &mut found);
        found.0
    }

    /// How it is stored: the body, `""` for missing, `None` for unreachable.
    pub fn to_stored(&self) -> Option<String> {
        match self {
            Robots::Rules(b) => Some(b.clone()),
            Robots::Missing => Some(String::new()),
            Robots::Unreachable => None,
        }
    }

    pub fn from_stored(stored: Option<String>) -> Robots {
        match stored {
            Some(b) if b.is_empty() => Robots::Missing,
            Some(b) => Robots::Rules(b),
            None => Robots::Unreachable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_statuses_and_sitemaps() {
        let body = "User-agent: *\nDisallow: /private/\nAllow: /private/public.html\n\
                    Sitemap: http://x.cn/sitemap.xml\n\nUser-agent: other\nDisallow: /\n";
        let r = Robots::from_response(Some(200), Some(body.as_bytes()));
        for (url, want) in [
            ("http://x.cn/news/a.html", true),
            ("http://x.cn/private/secret.html", false),
            ("http://x.cn/private/public.html", true),
        ] {
            assert_eq!(r.allows(url), want, "{url}");
        }
        assert_eq!(r.sitemaps(), ["http://x.cn/sitemap.xml"]);
        let ours = Robots::Rules("User-agent: baomi\nDisallow: /\n".into());
        assert!(!ours.allows("http://x.cn/a"));
        assert!(Robots::from_response(Some(404), None).allows("http://x.cn/a"));
        assert!(!Robots::from_response(Some(503), None).allows("http://x.cn/a"));
        assert!(!Robots::from_response(None, None).allows("http://x.cn/a"));
        for r in [r, Robots::Missing, Robots::Unreachable] {
            assert_eq!(Robots::from_stored(r.to_stored()), r);
        }
    }
}
