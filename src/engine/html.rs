//! Extraction: turns a document (plain text or HTML) into the text that is
//! published, with an [`OffsetMap`] back to the original input.
//!
//! For HTML (a lenient, single-pass scanner; it never fails and never panics
//! on broken markup):
//! - entities are decoded: named (a table of the common ones), decimal, hex;
//!   an unknown or malformed entity stays as literal text;
//! - inline tags vanish without a trace, so `<span>机</span><span>密</span>`
//!   reads `机密`; block tags and `<br>` become line breaks;
//! - whitespace in text reads as a space (HTML collapses it), so a source
//!   line wrap never makes a "line" of its own;
//! - `<script>` and `<style>` bodies are skipped;
//! - comments, `alt`/`title`/`placeholder`/`aria-label` attributes and
//!   `<meta content>` are published in the page source, so they are emitted
//!   too, each on a line of its own.
//!
//! Plain text passes through unchanged (and without a map: identity).
//!
//! Invariant: every extracted char maps to a byte range of the input on char
//! boundaries; ranges never go backwards.

use super::html_layout::{self, Layout};
use super::html_tables::{named_entity, BLOCK_TAGS, PUBLISHED_ATTRIBUTES, VOID_TAGS};
use super::offsets::OffsetMap;
use std::ops::Range;

/// The published text of a document and the way back to its source.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub text: String,
    /// `None` when the text is the input itself.
    pub map: Option<OffsetMap>,
    /// Where the top of the document starts in the text (0 for plain text or
    /// a fragment): for a page, the top of its article, after its head,
    /// navigation, breadcrumb and header ([`super::html_layout`]).
    pub body_start: usize,
}

impl Extracted {
    /// The byte range of the original input for `range` of the extracted text.
    pub fn source_range(&self, range: Range<usize>) -> Range<usize> {
        match &self.map {
            None => range,
            Some(map) if range.is_empty() => {
                let at = map.source_start(range.start, usize::MAX);
                at..at
            }
            Some(map) => map.source_range(range),
        }
    }
}

/// Plain text: the input is the published text.
pub fn extract_text(input: &str) -> Extracted {
    Extracted {
        text: input.to_string(),
        map: None,
        body_start: 0,
    }
}

/// HTML: see the module docs.
pub fn extract_html(input: &str) -> Extracted {
    let mut ex = HtmlExtractor {
        input,
        bytes: input.as_bytes(),
        out: String::with_capacity(input.len() / 2),
        map: OffsetMap::with_capacity(64),
        aside: String::new(),
        aside_map: OffsetMap::default(),
        body_start: 0,
        in_pre: false,
        hidden: None,
        layout: Layout::default(),
    };
    ex.run();
    let top = ex.layout.top(ex.body_start);
    if ex.hidden.take().is_some() {
        ex.swap_sink(); // a hidden element still open at the end
    }
    // What the reader does not see comes after what they see, each piece on
    // a line of its own (so it can never join a visible word).
    if !ex.aside.is_empty() {
        let at = ex.out.len();
        if !ex.out.is_empty() && !ex.out.ends_with('\n') {
            ex.map.push(at, input.len()..input.len());
            ex.out.push('\n');
        }
        ex.map.append(ex.aside_map, ex.out.len());
        ex.out.push_str(&ex.aside);
    }
    Extracted {
        text: ex.out,
        map: Some(ex.map),
        body_start: top,
    }
}

/// Guesses whether stdin or an untyped input is HTML: it starts with a tag, or
/// holds a common block tag early on.
pub fn looks_like_html(input: &str) -> bool {
    let head: String = input
        .trim_start_matches('\u{FEFF}')
        .trim_start()
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with('<')
        || [
            "<p>", "<p ", "<div", "<br", "<span", "<table", "<html", "<body",
        ]
        .iter()
        .any(|t| head.contains(t))
}

/// An element the reader does not see (`display:none`, `visibility:hidden`,
/// the `hidden` attribute), while it is open.
struct HiddenScope {
    tag: String,
    depth: usize,
}

struct HtmlExtractor<'a> {
    input: &'a str,
    bytes: &'a [u8],
    /// Where text goes now: the visible text, or (swapped in while inside a
    /// hidden element, a comment or an attribute) the aside.
    out: String,
    map: OffsetMap,
    /// What is published but not seen: comments, hidden elements, attribute
    /// values. Appended after the visible text.
    aside: String,
    aside_map: OffsetMap,
    body_start: usize,
    /// Inside `<pre>`, line breaks are line breaks.
    in_pre: bool,
    hidden: Option<HiddenScope>,
    layout: Layout,
}

impl HtmlExtractor<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'<' => i = self.tag(i),
                b'&' => i = self.entity(i, true),
                b'\n' if self.in_pre => {
                    self.emit('\n', i..i + 1);
                    i += 1;
                }
                b'\n' | b'\r' | b'\t' => {
                    self.emit(' ', i..i + 1);
                    i += 1;
                }
                _ => {
                    // Plain text up to the next markup or whitespace: copied
                    // verbatim in one go.
                    let end = self.bytes[i..]
                        .iter()
                        .position(|b| matches!(b, b'<' | b'&' | b'\n' | b'\r' | b'\t'))
                        .map_or(self.bytes.len(), |p| i + p);
                    self.map.push_verbatim(self.out.len(), i..end);
                    self.out.push_str(&self.input[i..end]);
                    i = end;
                }
            }
        }
    }

    #[inline]
    fn emit(&mut self, c: char, src: Range<usize>) {
        self.map.push(self.out.len(), src);
        self.out.push(c);
    }

    fn cell_break(&mut self, src: Range<usize>) {
        if !self.out.is_empty() && !self.out.ends_with(['\n', '\t']) {
            self.emit('\t', src);
        }
    }

    fn line_break(&mut self, src: Range<usize>) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.emit('\n', src);
        }
    }

    /// Swaps the visible text and the aside (see the struct).
    fn swap_sink(&mut self) {
        std::mem::swap(&mut self.out, &mut self.aside);
        std::mem::swap(&mut self.map, &mut self.aside_map);
    }

    /// Runs `f` with the aside as the sink (unless it already is), each
    /// piece on a line of its own.
    fn aside(&mut self, src: Range<usize>, f: impl FnOnce(&mut Self)) {
        let swap = self.hidden.is_none();
        if swap {
            self.swap_sink();
        }
        self.line_break(src.start..src.start);
        f(self);
        self.line_break(src.end..src.end);
        if swap {
            self.swap_sink();
        }
    }

    /// Handles `<` at `i`; returns where scanning goes on.
    fn tag(&mut self, i: usize) -> usize {
        let rest = &self.bytes[i..];
        if rest.starts_with(b"<!--") {
            let body_start = i + 4;
            let (body_end, after) = match find(self.bytes, body_start, b"-->") {
                Some(p) => (p, p + 3),
                None => (self.bytes.len(), self.bytes.len()),
            };
            // Word-pasted HTML puts comments inside words (`机<!-- x -->密`):
            // the reader sees `机密`, and the comment is published apart.
            self.aside(i..after, |ex| ex.emit_raw(body_start, body_end));
            return after;
        }
        let next = rest.get(1).copied().unwrap_or(b' ');
        if next == b'!' || next == b'?' {
            return find(self.bytes, i, b">").map_or(self.bytes.len(), |p| p + 1);
        }
        let closing = next == b'/';
        let name_start = i + 1 + usize::from(closing);
        let mut j = name_start;
        while j < self.bytes.len()
            && (self.bytes[j].is_ascii_alphanumeric() || self.bytes[j] == b'-')
        {
            j += 1;
        }
        if j == name_start || !self.bytes[name_start].is_ascii_alphabetic() {
            // Not a tag: a literal `<`.
            self.emit('<', i..i + 1);
            return i + 1;
        }
        let name = self.input[name_start..j].to_ascii_lowercase();
        let (attrs, tag_end) = self.attributes(j);
        if name == "td" || name == "th" {
            // A row reads as one line, its cells apart: a form's header
            // `密级 | 秘密 | 保密期限 | 3年` is one line with its fields, as in
            // the tab-separated text of the same form.
            if !closing {
                self.cell_break(i..tag_end);
            }
        } else if BLOCK_TAGS.contains(&name.as_str()) {
            self.line_break(i..tag_end);
        }
        if name == "pre" {
            self.in_pre = !closing;
        }
        if name == "body" && !closing && self.hidden.is_none() {
            self.body_start = self.out.len();
        }
        let void = VOID_TAGS.contains(&name.as_str());
        if self.hidden.is_none() && !void {
            if closing {
                self.layout.close(&name, self.out.len());
            } else {
                let names: String = attrs
                    .iter()
                    .filter(|(a, _)| a == "class" || a == "id")
                    .map(|(_, v)| &self.input[v.clone()])
                    .collect::<Vec<_>>()
                    .join(" ");
                self.layout
                    .open(&name, html_layout::role(&name, &names), self.out.len());
            }
        }
        // The end of a hidden element: back to the visible text.
        if let Some(scope) = &mut self.hidden {
            if scope.tag == name && !void {
                if closing {
                    scope.depth -= 1;
                } else {
                    scope.depth += 1;
                }
                if scope.depth == 0 {
                    self.hidden = None;
                    self.line_break(i..tag_end);
                    self.swap_sink();
                }
            }
        }
        if !closing {
            for (attr, value) in &attrs {
                let published = PUBLISHED_ATTRIBUTES.contains(&attr.as_str())
                    || attr.starts_with("data-")
                    || (attr == "content" && name == "meta");
                let raw = &self.input[value.clone()];
                if !published || raw.trim().is_empty() || raw.starts_with("data:") || raw == "#" {
                    continue;
                }
                let label = (attr == "content")
                    .then(|| meta_label(self.input, &attrs))
                    .flatten();
                let value = value.clone();
                self.aside(i..tag_end, |ex| {
                    // A page's own metadata field reads as it is meant:
                    // `<meta name="公开方式" content="不予公开">` is
                    // `公开方式：不予公开`.
                    if let Some(label) = label.clone() {
                        ex.emit_decoded(label.start, label.end);
                        let sep = label.end..(label.end + 1).min(ex.input.len());
                        ex.emit('：', sep);
                    }
                    ex.emit_decoded(value.start, value.end);
                });
            }
            if self.hidden.is_none() && !void && is_hidden(self.input, &attrs) {
                self.swap_sink();
                self.line_break(i..i);
                self.hidden = Some(HiddenScope {
                    tag: name.clone(),
                    depth: 1,
                });
            }
            if name == "script" || name == "style" {
                let close = format!("</{name}");
                return match find_ascii_ci(self.bytes, tag_end, close.as_bytes()) {
                    Some(p) => find(self.bytes, p, b">").map_or(self.bytes.len(), |q| q + 1),
                    None => self.bytes.len(),
                };
            }
        }
        tag_end
    }

    /// Parses attributes from `j` to the end of the tag. Returns the
    /// attributes (lower-cased name, value byte range) and the end of the tag.
    fn attributes(&self, mut j: usize) -> (Vec<(String, Range<usize>)>, usize) {
        let b = self.bytes;
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() {
                return (attrs, b.len());
            }
            if b[j] == b'>' {
                return (attrs, j + 1);
            }
            if b[j] == b'<' {
                // Broken markup: a new tag starts before this one closed.
                return (attrs, j);
            }
            let name_start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'<')
            {
                j += 1;
            }
            let name = self.input[name_start..j].to_ascii_lowercase();
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && b[j] == b'=' {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let value = if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let quote = b[j];
                    let start = j + 1;
                    let end = b[start..]
                        .iter()
                        .position(|&x| x == quote)
                        .map_or(b.len(), |p| start + p);
                    j = (end + 1).min(b.len());
                    start..end
                } else {
                    let start = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    start..j
                };
                attrs.push((name, value));
            } else if name.is_empty() {
                j += 1;
            } else {
                // A boolean attribute (`hidden`): present, no value.
                attrs.push((name, j..j));
            }
        }
    }

    fn emit_raw(&mut self, start: usize, end: usize) {
        if start == end {
            return;
        }
        self.map.push_verbatim(self.out.len(), start..end);
        self.out.push_str(&self.input[start..end]);
    }

    fn emit_decoded(&mut self, start: usize, end: usize) {
        let mut i = start;
        while i < end {
            if self.bytes[i] == b'&' {
                i = self.entity(i, false).min(end).max(i + 1);
            } else {
                let c = self.input[i..].chars().next().expect("char boundary");
                self.emit(c, i..i + c.len_utf8());
                i += c.len_utf8();
            }
        }
    }

    /// Decodes an entity at `i` (which holds `&`); returns where scanning goes
    /// on. A malformed entity is the literal `&`.
    fn entity(&mut self, i: usize, _in_text: bool) -> usize {
        let b = self.bytes;
        let mut j = i + 1;
        let decoded = if b.get(j) == Some(&b'#') {
            j += 1;
            let hex = matches!(b.get(j), Some(b'x') | Some(b'X'));
            if hex {
                j += 1;
            }
            let digits_start = j;
            while j < b.len()
                && j - digits_start < 8
                && (if hex {
                    b[j].is_ascii_hexdigit()
                } else {
                    b[j].is_ascii_digit()
                })
            {
                j += 1;
            }
            let digits = &self.input[digits_start..j];
            u32::from_str_radix(digits, if hex { 16 } else { 10 })
                .ok()
                .and_then(char::from_u32)
                .filter(|_| !digits.is_empty())
        } else {
            let name_start = j;
            while j < b.len() && j - name_start < 32 && b[j].is_ascii_alphanumeric() {
                j += 1;
            }
            named_entity(&self.input[name_start..j])
        };
        match decoded {
            Some(c) => {
                if b.get(j) == Some(&b';') {
                    j += 1;
                }
                let c = if c == '\n' || c == '\r' || c == '\t' {
                    ' '
                } else {
                    c
                };
                self.emit(c, i..j);
                j
            }
            None => {
                self.emit('&', i..i + 1);
                i + 1
            }
        }
    }
}

/// Whether an element's attributes hide it from the reader.
fn is_hidden(input: &str, attrs: &[(String, Range<usize>)]) -> bool {
    attrs.iter().any(|(name, value)| match name.as_str() {
        "hidden" => true,
        "style" => {
            let style: String = input[value.clone()]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            // `font-size:0` and `opacity:0` hide as well (`font-size:0.8em`
            // does not): filler put inside a word to split it.
            let zero = |prop: &str| {
                style.match_indices(prop).any(|(at, _)| {
                    let after = &style[at + prop.len()..];
                    !after.starts_with(|c: char| c.is_ascii_digit() || c == '.')
                })
            };
            style.contains("display:none")
                || style.contains("visibility:hidden")
                || zero("font-size:0")
                || zero("opacity:0")
        }
        _ => false,
    })
}

/// The value range of a `<meta>`'s `name` (or `property`, `http-equiv`) when
/// it names a field in Chinese (a portal's own metadata, like 公开方式).
fn meta_label(input: &str, attrs: &[(String, Range<usize>)]) -> Option<Range<usize>> {
    attrs
        .iter()
        .find(|(n, _)| matches!(n.as_str(), "name" | "property" | "http-equiv"))
        .map(|(_, v)| v.clone())
        .filter(|v| {
            input[v.clone()]
                .chars()
                .any(crate::engine::normalize::is_han)
        })
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ascii_ci(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        extract_html(html).text
    }

    #[test]
    fn inline_tags_never_split_a_word() {
        assert_eq!(text("<span>机</span><span>密</span>"), "机密");
        assert_eq!(text("<b>内部</b><i>资料</i>"), "内部资料");
    }

    #[test]
    fn decodes_entities_and_maps_them_back() {
        let html = "&#26426;&#x5BC6;&amp;&nbsp;&bogus;&";
        let ex = extract_html(html);
        assert_eq!(ex.text, "机密&\u{A0}&bogus;&");
        assert_eq!(&html[ex.source_range(0..3)], "&#26426;");
        assert_eq!(&html[ex.source_range(0..6)], "&#26426;&#x5BC6;");
    }

    #[test]
    fn blocks_break_lines_and_hidden_parts_are_read() {
        let html = "<p>甲</p><p>乙<br>丙</p><script>var 机密=1</script><style>p{}</style>\
                    <!-- 内部资料 --><img alt=\"不得外传\"><meta name=d content='此件不公开'>";
        let got = text(html);
        assert!(got.contains("甲\n乙\n丙"), "{got:?}");
        assert!(!got.contains("var"), "{got:?}");
        for hidden in ["内部资料", "不得外传", "此件不公开"] {
            assert!(got.contains(hidden), "{hidden} missing from {got:?}");
        }
    }

    #[test]
    fn what_the_reader_sees_is_one_text_and_the_rest_comes_after() {
        for (html, visible, aside) in [
            ("<p>机<!-- x -->密★1年</p>", "机密★1年", vec![" x "]),
            (
                "<p>机<span style=\"display: none\">好</span>密★1年</p>",
                "机密★1年",
                vec!["好"],
            ),
            ("<p>机<b hidden>好</b>密</p>", "机密", vec!["好"]),
            (
                "<div style='visibility:hidden'><div>内</div>部</div><p>正文</p>",
                "正文",
                vec!["内", "部"],
            ),
            (
                "<a href=\"ftp://user:pw@10.0.0.5/\">下载</a><input type=hidden value=\"口令abc\">",
                "下载",
                vec!["ftp://user:pw@10.0.0.5/", "口令abc"],
            ),
            (
                "<img src=\"data:image/png;base64,AAAA\" alt=\"图\">",
                "",
                vec!["图"],
            ),
            (
                "<meta name=\"公开方式\" content=\"不予公开\"><p>正文</p>",
                "正文",
                vec!["公开方式：不予公开"],
            ),
            (
                "<meta name=\"keywords\" content=\"通知\"><p>正文</p>",
                "正文",
                vec!["通知"],
            ),
            (
                "<div data-note=\"内部掌握\">正文</div>",
                "正文",
                vec!["内部掌握"],
            ),
            (
                "<p>前<span style=\"display:none\">未闭合",
                "前",
                vec!["未闭合"],
            ),
        ] {
            let ex = extract_html(html);
            let lines: Vec<&str> = ex.text.lines().filter(|l| !l.trim().is_empty()).collect();
            let (seen, rest) = lines.split_at(usize::from(!visible.is_empty()));
            assert_eq!(
                seen.first().copied().unwrap_or(""),
                visible,
                "{html}: {:?}",
                ex.text
            );
            assert_eq!(rest, aside.as_slice(), "{html}: {:?}", ex.text);
            // Every piece maps back into the source.
            for piece in rest.iter().chain(seen) {
                let at = ex.text.find(piece).unwrap();
                let r = ex.source_range(at..at + piece.len());
                assert!(
                    html.is_char_boundary(r.start) && html.is_char_boundary(r.end),
                    "{html}"
                );
            }
        }
    }

    #[test]
    fn broken_html_never_panics() {
        for html in [
            "<",
            "<<",
            "<p",
            "<p class=\"x",
            "&#",
            "&#x",
            "&#99999999999;",
            "<!--",
            "<script>",
            "<a href='x'>机<",
            "</",
            "<1>",
            "a < b && c > d",
            "<div attr=机密>",
            "&#xD800;",
        ] {
            let ex = extract_html(html);
            if !ex.text.is_empty() {
                let r = ex.source_range(0..ex.text.len());
                assert!(html.is_char_boundary(r.start) && html.is_char_boundary(r.end));
            }
        }
    }

    #[test]
    fn source_newlines_are_spaces_not_lines_except_in_pre() {
        assert_eq!(text("<p>标注为\n机密</p>"), "标注为 机密\n");
        assert_eq!(text("<pre>机密★1年\n正文</pre>"), "机密★1年\n正文\n");
    }

    #[test]
    fn the_top_is_the_article_after_the_navigation() {
        let ex = extract_html(
            "<body><div class=\"header\"><p>某市人民政府</p><ul class=\"menu\"><li>首页</li>\
             <li>政务公开</li></ul></div><div class=\"location\">当前位置：首页</div>\
             <p><span>机密</span></p><h2>关于某事项的通知</h2><div id=\"zoom\"><p>正文</p></div>",
        );
        assert!(
            ex.text[ex.body_start..].starts_with("机密"),
            "{:?}",
            &ex.text[ex.body_start..]
        );
    }

    #[test]
    fn body_start_marks_the_end_of_the_head() {
        let ex = extract_html(
            "<html><head><title>标题</title><meta name=a content=b></head><body><p>正文</p>",
        );
        assert!(
            ex.text[ex.body_start..].starts_with("正文"),
            "{:?}",
            &ex.text[ex.body_start..]
        );
    }
}
