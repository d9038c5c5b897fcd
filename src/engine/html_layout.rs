//! Where an HTML page's article starts: after its navigation, breadcrumb
//! and header, found from the document structure, not from a line count.
//!
//! Contract: the extractor reports every element it opens and closes (with
//! the output length at that point); [`Layout::top`] then names the output
//! offset where "the top of the document" is for placement:
//! - *chrome* is an element that is page furniture: `nav`, `header`,
//!   `footer`, `aside`, or one whose `class`/`id` names a menu, a header, a
//!   banner, a breadcrumb, a search box, a logo, a sidebar or a footer;
//! - *content* is an `article` or `main`, an element whose `class`/`id`
//!   names the article body (`TRS_Editor`, `zoom`, `article-content`,
//!   `detail`, …), or the first `h1`–`h3` outside chrome;
//! - the top is the end of the last chrome element that closed before the
//!   content started (a marking placed between the breadcrumb and the title
//!   is at the top), else the start of the content, else the `<body>`.
//!
//! Broken markup cannot make it fail: an unmatched close tag is ignored, a
//! chrome element never closed leaves the top at the `<body>`.

/// Words in a `class` or `id` that mark page furniture.
const CHROME_WORDS: &[&str] = &[
    "nav",
    "menu",
    "header",
    "head",
    "topbar",
    "top-bar",
    "banner",
    "breadcrumb",
    "crumb",
    "location",
    "position",
    "weizhi",
    "dqwz",
    "logo",
    "search",
    "sidebar",
    "footer",
    "foot",
    "bottom",
    "copyright",
    "toolbar",
    "skip",
];

/// Words in a `class` or `id` that mark the article body.
const CONTENT_WORDS: &[&str] = &[
    "trs_editor",
    "zoom",
    "article",
    "content",
    "detail",
    "zhengwen",
    "zw",
    "main-txt",
    "maintext",
    "text",
    "con_",
    "infocon",
    "info-con",
    "view",
    "news_con",
    "bt_content",
];

/// What an element is for the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Chrome,
    Content,
    Heading,
    Other,
}

/// The role of an element from its tag name and `class`/`id` values.
pub fn role(name: &str, class_and_id: &str) -> Role {
    let words = class_and_id.to_ascii_lowercase();
    let has = |list: &[&str]| {
        words
            .split(|c: char| c.is_whitespace())
            .any(|w| list.iter().any(|k| w.contains(k)))
    };
    match name {
        "nav" | "header" | "footer" | "aside" => Role::Chrome,
        "article" | "main" => Role::Content,
        "h1" | "h2" | "h3" => Role::Heading,
        // A class naming both (`article-header`): the content wins, so the
        // title block of an article is not furniture.
        _ if has(CONTENT_WORDS) && !words.contains("nav") && !words.contains("menu") => {
            Role::Content
        }
        _ if has(CHROME_WORDS) => Role::Chrome,
        _ => Role::Other,
    }
}

/// Tracks open chrome elements and where the content starts.
#[derive(Debug, Default)]
pub struct Layout {
    /// Tag names of the open chrome elements, outermost first.
    chrome: Vec<String>,
    last_chrome_end: Option<usize>,
    content_start: Option<usize>,
    top: Option<usize>,
}

impl Layout {
    /// An element opens at output offset `at`.
    pub fn open(&mut self, name: &str, role: Role, at: usize) {
        if self.top.is_some() {
            return;
        }
        match role {
            Role::Chrome => self.chrome.push(name.to_string()),
            Role::Content | Role::Heading if self.chrome.is_empty() => {
                self.content_start = Some(at);
                self.top = Some(self.last_chrome_end.filter(|&e| e <= at).unwrap_or(at));
            }
            _ => {}
        }
    }

    /// An element closes at output offset `at`.
    pub fn close(&mut self, name: &str, at: usize) {
        if self.top.is_some() {
            return;
        }
        if let Some(i) = self.chrome.iter().rposition(|n| n == name) {
            self.chrome.truncate(i);
            if self.chrome.is_empty() {
                self.last_chrome_end = Some(at);
            }
        }
    }

    /// Where the top is (see the module docs); `body` is the `<body>`'s start.
    pub fn top(&self, body: usize) -> usize {
        match (self.top, self.last_chrome_end) {
            (Some(top), _) => top.max(body),
            // No content found: after the furniture if some closed.
            (None, Some(end)) if self.chrome.is_empty() => end.max(body),
            _ => body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_tags_and_class_names() {
        assert_eq!(role("div", "top-nav clearfix"), Role::Chrome);
        assert_eq!(role("div", "TRS_Editor"), Role::Content);
        assert_eq!(role("div", "article-header"), Role::Content);
        assert_eq!(role("ul", "menu"), Role::Chrome);
        assert_eq!(role("p", ""), Role::Other);
        assert_eq!(role("h2", "art-title"), Role::Heading);
    }

    #[test]
    fn the_top_is_after_the_last_furniture_before_the_content() {
        let mut l = Layout::default();
        l.open("div", Role::Chrome, 0);
        l.open("ul", Role::Chrome, 5);
        l.close("ul", 20);
        l.close("div", 30);
        l.open("p", Role::Other, 31);
        l.open("h2", Role::Heading, 40);
        l.open("div", Role::Chrome, 90);
        l.close("div", 99);
        assert_eq!(l.top(2), 30);
        // Nothing recognisable: the body.
        assert_eq!(Layout::default().top(7), 7);
        // A chrome element never closed: the body.
        let mut open = Layout::default();
        open.open("nav", Role::Chrome, 10);
        assert_eq!(open.top(3), 3);
    }
}
