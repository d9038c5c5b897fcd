//! Placement: is a label or marking *applied* to the text, or only *named*
//! in a sentence about it?
//!
//! Contract: [`position_of`] looks at the line of the extracted text (block tags
//! already turned into line breaks) that holds the hit, and says whether the
//! hit is quoted, alone on its line (other labels, 份号, 紧急程度, digits and
//! punctuation allowed beside it), in brackets of its own, at the very start
//! of the document, and whether its line is near the top of the document or
//! of an attachment (`附件` line). It never looks at more than the hit's
//! line and the lines above it.

use super::normalize::{is_han, normalize_term};
use std::ops::Range;

/// How many non-empty lines may stand above a marking that still counts as
/// "at the top" (份号, 紧急程度, a unit name).
pub const TOP_LINES: usize = 3;

/// Words that may share a line with an applied label or marking.
const LINE_COMPANIONS: &[&str] = &[
    "密级",
    "份号",
    "保密期限",
    "特急",
    "加急",
    "平急",
    "特提",
    "急件",
    "紧急程度",
    "仅限",
    "仅供",
    "只限",
    // The parts of a period written out beside a bare level: `保密期限：5年`.
    "长期",
    "启用前",
    "个月",
    "年",
    "月",
    "日",
    // A closing note that carries a label: `附注：此件不公开`.
    "附注",
    "备注",
    "注",
];

/// The words that may share a line with an applied label: [`LINE_COMPANIONS`]
/// and the lexicon's own label terms, longest first (so that `注` never eats
/// the first char of `注意保存`).
pub fn line_companions(labels: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut all: Vec<String> = LINE_COMPANIONS
        .iter()
        .map(|w| w.to_string())
        .chain(labels)
        .collect();
    all.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    all.dedup();
    all
}

/// Where a hit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePosition {
    /// Inside quotes on its line: the text names it.
    pub quoted: bool,
    /// Alone on its line, apart from companions.
    pub standalone: bool,
    /// In brackets that hold nothing else: `（讨论稿）`, `【内部资料】`.
    pub bracketed: bool,
    /// The first thing in the document, set apart from what follows.
    pub at_document_start: bool,
    /// At most [`TOP_LINES`] non-empty lines above it since the start of the
    /// document (of the `<body>` for HTML) or the last `附件` line.
    pub near_top: bool,
    /// Non-empty lines above it, counted as for `near_top` (capped just
    /// above [`TOP_LINES`]).
    pub lines_above: usize,
    /// The rest of its line holds digits (a count in a table, a 份号).
    pub digits_beside: bool,
    /// The rest of its line names a marking field (密级, 保密期限, 份号).
    pub field_label_beside: bool,
    /// It opens its line (a paragraph) and a colon, a space or a closing
    /// bracket sets it apart from what follows: `内部掌握：以下情况……`. A
    /// label heads the paragraph it opens; a definition (`工作秘密：是指……`)
    /// does not count.
    pub opens_line: bool,
}

impl LinePosition {
    pub fn applied(&self) -> bool {
        !self.quoted
            && (self.standalone || self.bracketed || self.at_document_start || self.opens_line)
    }
}

/// Words after a label that make its line a definition, not a label.
const DEFINITION_WORDS: &[&str] = &["是指", "指的是", "系指", "即", "就是", "是", "指", "一般"];

/// Places the hit at `hit` (a byte range of `extracted`). `companions` are
/// the normalized words that may share its line ([`line_companions`]); lines above
/// `top_start` (an HTML page's head) do not count against "near the top".
pub fn position_of(
    extracted: &str,
    hit: Range<usize>,
    companions: &[String],
    top_start: usize,
) -> LinePosition {
    let line_start = extracted[..hit.start].rfind('\n').map_or(0, |p| p + 1);
    let line_end = extracted[hit.end..]
        .find('\n')
        .map_or(extracted.len(), |p| hit.end + p);
    let before = normalize_term(&extracted[line_start..hit.start]);
    let after = normalize_term(&extracted[hit.end..line_end]);

    let open_quotes = before.matches('“').count() as isize - before.matches('”').count() as isize;
    let open_titles = before.matches('《').count() as isize - before.matches('》').count() as isize;
    // Quotes and book-title marks both name a thing: `《秘密》`, `《办法（讨论稿）》`.
    let quoted = (open_quotes > 0 && after.contains('”'))
        || (open_titles > 0 && after.contains('》'))
        || (before.matches('"').count() % 2 == 1 && after.contains('"'));
    // `（讨论稿）`, `【内部资料】`, `（仅限内部使用）`: brackets holding the hit
    // and nothing but companions.
    let bracketed = before
        .rfind('(')
        .is_some_and(|p| only_companions(&before[p + 1..], companions))
        && after
            .find(')')
            .is_some_and(|p| only_companions(&after[..p], companions));
    let standalone = only_companions(&before, companions) && only_companions(&after, companions);
    let above = &extracted[..line_start];
    // A label that opens the document counts only when something separates
    // it from what follows: `内部资料 关于……`, not `内部资料的传递……`.
    let separated = extracted[hit.end..]
        .chars()
        .next()
        .is_none_or(|c| !(is_han(c) || c.is_alphanumeric()));
    let at_document_start = before.is_empty() && above.trim().is_empty() && separated;
    let opens_line = before.is_empty() && {
        let set_apart = extracted[hit.end..]
            .chars()
            .next()
            .is_some_and(|c| matches!(c, ':' | '：' | ' ' | '\t' | '\u{3000}' | '—'));
        let rest = after.trim_start_matches([':', '：', '—', ' ']);
        set_apart && !rest.is_empty() && !DEFINITION_WORDS.iter().any(|w| rest.starts_with(w))
    };

    // Walk up from the hit's line, no further than needed: the top is near
    // when an attachment line or the start comes within TOP_LINES lines.
    let counted = if top_start <= line_start {
        &extracted[top_start..line_start]
    } else {
        above
    };
    let mut lines_above = 0;
    for line in counted.lines().rev() {
        let line = normalize_term(line);
        if line.starts_with("附件") || lines_above > TOP_LINES {
            break;
        }
        if !line.is_empty() {
            lines_above += 1;
        }
    }
    let digits_beside = before
        .chars()
        .chain(after.chars())
        .any(|c| c.is_ascii_digit());
    let field_label_beside = ["密级", "保密期限", "份号"]
        .iter()
        .any(|w| before.contains(w) || after.contains(w));
    LinePosition {
        quoted,
        digits_beside,
        field_label_beside,
        standalone,
        bracketed,
        at_document_start,
        near_top: lines_above <= TOP_LINES,
        lines_above,
        opens_line,
    }
}

/// Whether `text` (normalized) holds nothing but companions, digits,
/// punctuation and stars: no ideograph or letter of its own.
fn only_companions(text: &str, companions: &[String]) -> bool {
    if text.is_empty() {
        return true;
    }
    let mut rest = text.to_string();
    for word in companions.iter().map(String::as_str) {
        if rest.contains(word) {
            rest = rest.replace(word, " ");
        }
    }
    !rest.chars().any(|c| is_han(c) || c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, term: &str) -> LinePosition {
        let start = text.find(term).unwrap();
        position_of(
            text,
            start..start + term.len(),
            &line_companions(["注意保存".to_string(), "此件不公开".to_string()]),
            0,
        )
    }

    #[test]
    fn tells_applied_from_named() {
        for (text, term, applied) in [
            ("机密★1年\n关于某事的通知", "机密★1年", true),
            ("000123\n机密★1年  特急\n关于某事的通知", "机密★1年", true),
            ("标注为“秘密★1年”的文件应当妥善保管", "秘密★1年", false),
            ("内部资料 注意保存\n正文", "内部资料", true),
            ("关于某某办法的通知（讨论稿）", "讨论稿", true),
            ("会议形成了讨论稿，下一步修改", "讨论稿", false),
            ("内部资料的传递严格按照规定办理", "内部资料", false),
            ("内部资料 关于某事的情况", "内部资料", true),
            ("好书推荐\n《秘密》\n作者某某", "秘密", false),
            ("会议审议了《某办法（讨论稿）》，要求修改", "讨论稿", false),
            ("密级：机密  保密期限：5年\n关于某事", "机密", true),
            (
                "各单位：\n内部资料的传递严格按照规定办理",
                "内部资料",
                false,
            ),
            (
                "会议通报了情况。\n内部掌握：以下数据暂不公开",
                "内部掌握",
                true,
            ),
            (
                "名词解释\n工作秘密：是指机关在公务活动中产生的事项",
                "工作秘密",
                false,
            ),
            ("正文结束。\n附注：此件不公开", "此件不公开", true),
            ("内部资料注意保存\n正文", "内部资料", true),
        ] {
            assert_eq!(at(text, term).applied(), applied, "{term} in {text:?}");
        }
    }

    #[test]
    fn near_top_counts_lines_since_an_attachment() {
        let body = "标题\n正文一\n正文二\n正文三\n正文四\n";
        assert!(!at(&format!("{body}机密★1年"), "机密★1年").near_top);
        assert!(at(&format!("{body}附件1\n机密★1年"), "机密★1年").near_top);
        assert!(at("机密★1年", "机密★1年").near_top);
    }
}
