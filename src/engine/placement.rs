//! Placement: is a label or marking *applied* to the text, or only *named*
//! in a sentence about it?
//!
//! Contract: [`Placer::position_of`] looks at the line of the extracted text (block tags
//! already turned into line breaks) that holds the hit, and says whether the
//! hit is quoted, alone on its line (other labels, 份号, 紧急程度, digits and
//! punctuation allowed beside it), in brackets of its own, at the very start
//! of the document, and whether its line is near the top of the document or
//! of an attachment (`附件` line). It never looks at more than the hit's
//! line and the lines above it, and each line is read once per document.

use super::normalize::{is_han, normalize, normalize_term, Normalized};
use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
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
    /// A 密级 field label stands right before it, with nothing of its own
    /// between (`密级：秘密`, a form's cells `密级 | 秘密`).
    pub in_level_field: bool,
    /// Alone on its line, right under a line that is the 密级 label alone:
    /// a form laid out label line, value line (`密级` / `秘密`), as forms
    /// pasted from a table or extracted from a PDF are.
    pub under_level_label: bool,
    /// Its line names more than one level (`密级：□绝密 □机密 □秘密`): a
    /// blank form or a list of levels, not a level applied.
    pub several_levels: bool,
    /// It opens its line (a paragraph) and a colon, a space or a closing
    /// bracket sets it apart from what follows: `内部掌握：以下情况……`. A
    /// label heads the paragraph it opens; a definition (`工作秘密：是指……`)
    /// does not count.
    pub opens_line: bool,
    /// It opens its line and something set apart from it follows (a
    /// marking before a title: `机密★1年 关于某工程的请示`), not a word of a
    /// sentence (`机密★1年的文件……`).
    pub opens_title: bool,
    /// The line reads as prose: it holds sentence punctuation or is longer
    /// than a title ([`TITLE_CHARS`]). A title or a header line
    /// (`WPT01B 机密★1年 图书馆`) is not a sentence.
    pub in_prose: bool,
    /// The next line defines it (`工作秘密` / `工作秘密是指……`): the heading of
    /// an explainer, not a label.
    pub heads_definition: bool,
}

/// Lines up to this many chars without sentence punctuation read as titles.
const TITLE_CHARS: usize = 40;

/// Punctuation that only prose has (titles use none of it).
const SENTENCE_MARKS: &[char] = &['，', ',', '。', '；', ';', '！', '!', '？', '?', '、'];

impl LinePosition {
    pub fn applied(&self) -> bool {
        !self.quoted
            && !self.heads_definition
            && (self.standalone || self.bracketed || self.at_document_start || self.opens_line)
    }
}

/// Words after a label that make its line a definition, not a label.
const DEFINITION_WORDS: &[&str] = &["是指", "指的是", "系指", "即", "就是", "是", "指", "一般"];

/// The marking fields whose presence on a line makes a bare level a field
/// value (`密级：机密`), not a count.
const FIELD_LABELS: &[&str] = &["密级", "保密期限", "份号"];

/// The companion words, compiled once per engine: a leftmost-longest
/// automaton, so that a line is tokenized into companions and "own" chars in
/// one pass.
pub struct Companions {
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
}

impl Companions {
    pub fn new(words: &[String]) -> Companions {
        let automaton = CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build::<_, _, u32>(words.iter().filter(|w| !w.is_empty()))
            .ok();
        Companions { automaton }
    }

    /// The companion words of `text` (leftmost-longest, in order) and the
    /// byte positions of the ideographs and letters that none covers: what
    /// the line says of its own.
    fn tokenize(&self, text: &str) -> (Vec<(usize, usize)>, Vec<usize>) {
        let mut covered = Vec::new();
        if let Some(a) = &self.automaton {
            covered.extend(a.leftmost_find_iter(text).map(|m| (m.start(), m.end())));
        }
        let mut own = Vec::new();
        let mut next_cover = covered.iter().peekable();
        for (i, c) in text.char_indices() {
            while next_cover.peek().is_some_and(|&&(_, end)| end <= i) {
                next_cover.next();
            }
            let inside = next_cover.peek().is_some_and(|&&(start, _)| start <= i);
            if !inside && (is_han(c) || c.is_alphabetic()) {
                own.push(i);
            }
        }
        (covered, own)
    }
}

/// What one line says, computed once however many hits it holds (a line of
/// 16,000 labels once took 19 s, re-normalized per hit).
struct LineFacts {
    /// The line normalized, and the map back to it.
    norm: Normalized,
    /// The companion words on the line, in order.
    covers: Vec<(usize, usize)>,
    /// Sorted byte positions in `norm.text` of own chars, quote marks,
    /// book-title marks, brackets and digits.
    own: Vec<usize>,
    open_quotes: Vec<usize>,
    close_quotes: Vec<usize>,
    open_titles: Vec<usize>,
    close_titles: Vec<usize>,
    straight_quotes: Vec<usize>,
    open_brackets: Vec<usize>,
    close_brackets: Vec<usize>,
    digits: Vec<usize>,
    /// (start, end) of each marking field word.
    fields: Vec<(usize, usize)>,
    /// The first byte that is not a space.
    first_visible: usize,
}

impl LineFacts {
    fn new(line: &str, companions: &Companions) -> LineFacts {
        let norm = normalize(line);
        let text = norm.text.as_str();
        let positions = |want: char| -> Vec<usize> {
            text.char_indices()
                .filter(|&(_, c)| c == want)
                .map(|(i, _)| i)
                .collect()
        };
        // `密级` inside `绝密级`/`机密级`/`秘密级` is the end of a level, not
        // the field label (a story's `材料（绝密级）一份……绝密级文件`).
        let mut fields: Vec<(usize, usize)> = FIELD_LABELS
            .iter()
            .flat_map(|w| text.match_indices(w).map(|(i, m)| (i, i + m.len())))
            .filter(|&(i, _)| !text[..i].ends_with(['绝', '机', '秘']))
            .collect();
        fields.sort_unstable();
        let (covers, own) = companions.tokenize(text);
        LineFacts {
            covers,
            own,
            open_quotes: positions('“'),
            close_quotes: positions('”'),
            open_titles: positions('《'),
            close_titles: positions('》'),
            straight_quotes: positions('"'),
            open_brackets: positions('('),
            close_brackets: positions(')'),
            digits: text
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect(),
            fields,
            first_visible: text.find(|c: char| c != ' ').unwrap_or(text.len()),
            norm,
        }
    }
}

/// How many of the sorted `positions` lie in `range`.
fn count_in(positions: &[usize], range: Range<usize>) -> usize {
    positions.partition_point(|&p| p < range.end) - positions.partition_point(|&p| p < range.start)
}

/// Places hits of one document. Built once per document; each line's facts
/// are computed on its first hit, so placing every hit is linear in the
/// document, whatever the number of hits per line.
pub struct Placer<'a> {
    extracted: &'a str,
    companions: &'a Companions,
    /// Lines above this byte (an HTML page's head) do not count against
    /// "near the top".
    top_start: usize,
    /// Byte positions of the line breaks of `extracted`.
    newlines: Vec<usize>,
    facts: HashMap<usize, LineFacts>,
    /// Per line: (empty once normalized, starts with 附件).
    heads: HashMap<usize, (bool, bool)>,
    first_content: usize,
}

impl<'a> Placer<'a> {
    pub fn new(extracted: &'a str, companions: &'a Companions, top_start: usize) -> Placer<'a> {
        Placer {
            extracted,
            companions,
            top_start,
            newlines: extracted.match_indices('\n').map(|(i, _)| i).collect(),
            facts: HashMap::new(),
            heads: HashMap::new(),
            // For a page, the document starts at the top of its article.
            first_content: extracted
                .get(top_start..)
                .and_then(|rest| rest.find(|c: char| !c.is_whitespace()))
                .map_or(extracted.len(), |i| top_start + i),
        }
    }

    /// Line `n` (0-based) as a byte range, without its line break.
    fn line(&self, n: usize) -> Range<usize> {
        let start = if n == 0 { 0 } else { self.newlines[n - 1] + 1 };
        let end = self
            .newlines
            .get(n)
            .copied()
            .unwrap_or(self.extracted.len());
        start..end
    }

    /// How many lines were read in full so far (each at most once).
    pub fn lines_read(&self) -> usize {
        self.facts.len()
    }

    /// (empty, starts with 附件) of line `n`, as a person reads it.
    fn head(&mut self, n: usize) -> (bool, bool) {
        if let Some(&h) = self.heads.get(&n) {
            return h;
        }
        let range = self.line(n);
        let text = &self.extracted[range];
        let line = normalize_term(text.strip_suffix('\r').unwrap_or(text));
        let h = (line.is_empty(), line.starts_with("附件"));
        self.heads.insert(n, h);
        h
    }

    /// Places the hit at `hit` (a byte range of the extracted text).
    pub fn position_of(&mut self, hit: Range<usize>) -> LinePosition {
        let n = self.newlines.partition_point(|&nl| nl < hit.start);
        let line = self.line(n);
        let hit_end = hit.end.min(line.end).max(hit.start);
        let extracted = self.extracted;
        let companions = self.companions;
        let facts = self
            .facts
            .entry(n)
            .or_insert_with(|| LineFacts::new(&extracted[line.clone()], companions));
        let text = facts.norm.text.as_str();
        let ns = facts
            .norm
            .map
            .derived_at_or_after(hit.start - line.start, text);
        let ne = facts
            .norm
            .map
            .derived_at_or_after(hit_end - line.start, text)
            .max(ns);
        let before = 0..ns;
        let after = ne..text.len();

        let opened = |open: &[usize], close: &[usize]| {
            count_in(open, before.clone()) > count_in(close, before.clone())
        };
        // Quotes and book-title marks both name a thing: `《秘密》`, `《办法（讨论稿）》`.
        let quoted = (opened(&facts.open_quotes, &facts.close_quotes)
            && count_in(&facts.close_quotes, after.clone()) > 0)
            || (opened(&facts.open_titles, &facts.close_titles)
                && count_in(&facts.close_titles, after.clone()) > 0)
            || (count_in(&facts.straight_quotes, before.clone()) % 2 == 1
                && count_in(&facts.straight_quotes, after.clone()) > 0);
        // A companion word that the hit cuts in two covers nothing outside
        // the hit: `工作秘密` does not make the `工作` before `秘密` a companion.
        let cut_at = |at: usize| {
            let i = facts.covers.partition_point(|&(_, e)| e <= at);
            facts.covers.get(i).filter(|&&(s, _)| s < at).copied()
        };
        let has_own = |t: &str| t.chars().any(|c| is_han(c) || c.is_alphabetic());
        let cut_before = cut_at(ns).is_some_and(|(s, _)| has_own(&text[s..ns]));
        let cut_after = cut_at(ne).is_some_and(|(_, e)| has_own(&text[ne..e]));
        let no_own = |r: Range<usize>| {
            count_in(&facts.own, r.clone()) == 0
                && !(cut_before && r.end == ns && r.start < ns)
                && !(cut_after && r.start == ne && r.end > ne)
        };
        // `（讨论稿）`, `【内部资料】`, `（仅限内部使用）`: brackets holding the hit
        // and nothing but companions.
        let last_open = facts.open_brackets[..facts.open_brackets.partition_point(|&p| p < ns)]
            .last()
            .copied();
        let first_close = facts
            .close_brackets
            .get(facts.close_brackets.partition_point(|&p| p < ne))
            .copied();
        let bracketed = last_open.is_some_and(|p| no_own(p + 1..ns))
            && first_close.is_some_and(|q| no_own(ne..q));
        let standalone = no_own(before.clone()) && no_own(after.clone());
        let before_empty = facts.first_visible >= ns;
        let rest = &text[ne..];
        // A label that opens the document counts only when something separates
        // it from what follows: `内部资料 关于……`, not `内部资料的传递……`.
        let next_char = extracted[hit_end..].chars().next();
        let separated = next_char.is_none_or(|c| !(is_han(c) || c.is_alphanumeric()));
        let at_document_start = before_empty && self.first_content >= line.start && separated;
        let opens_line = before_empty && {
            let set_apart =
                next_char.is_some_and(|c| matches!(c, ':' | '：' | ' ' | '\t' | '\u{3000}' | '—'));
            let rest = rest.trim_start_matches([':', '：', '—', ' ']);
            set_apart && !rest.is_empty() && !DEFINITION_WORDS.iter().any(|w| rest.starts_with(w))
        };
        let opens_title =
            before_empty && separated && !rest.trim_start_matches([' ', ':', '：']).is_empty();
        let digits_beside =
            count_in(&facts.digits, before.clone()) + count_in(&facts.digits, after.clone()) > 0;
        let field_label_beside = facts.fields.iter().any(|&(s, e)| e <= ns || s >= ne);
        let levels = ["绝密", "机密", "秘密"]
            .iter()
            .map(|l| text.matches(l).count())
            .sum::<usize>()
            - ["国家秘密", "工作秘密", "商业秘密"]
                .iter()
                .map(|l| text.matches(l).count())
                .sum::<usize>();
        let several_levels = levels > 1;
        let in_level_field = facts
            .fields
            .iter()
            .any(|&(s, e)| e <= ns && &text[s..e] == "密级" && count_in(&facts.own, e..ns) == 0);
        let under_level_label = standalone
            && (0..n)
                .rev()
                .take(3)
                .map(|k| normalize_term(&extracted[self.line(k)]))
                .find(|l| !l.is_empty())
                .is_some_and(|l| l.trim_end_matches([':', '：']) == "密级");
        let line_text = &extracted[line.clone()];
        let in_prose =
            line_text.contains(SENTENCE_MARKS) || line_text.trim().chars().count() > TITLE_CHARS;

        // Walk up from the hit's line, no further than needed: the top is
        // near when an attachment line or the start comes within TOP_LINES
        // lines.
        let floor = if self.top_start <= line.start {
            self.top_start
        } else {
            0
        };
        let mut lines_above = 0;
        let mut k = n;
        while k > 0 && lines_above <= TOP_LINES {
            k -= 1;
            if self.line(k).end < floor {
                break;
            }
            let (empty, fujian) = self.head(k);
            if fujian {
                break;
            }
            if !empty {
                lines_above += 1;
            }
        }
        let heads_definition = (standalone || at_document_start) && {
            let term = normalize_term(&extracted[hit.start..hit_end]);
            let next = (n + 1..self.newlines.len() + 1)
                .take(4)
                .map(|k| normalize_term(&extracted[self.line(k)]))
                .find(|l| !l.is_empty());
            next.is_some_and(|l| {
                !term.is_empty()
                    && l.strip_prefix(term.as_str())
                        .is_some_and(|rest| DEFINITION_WORDS.iter().any(|w| rest.starts_with(w)))
            })
        };
        LinePosition {
            heads_definition,
            quoted,
            digits_beside,
            field_label_beside,
            in_level_field,
            under_level_label,
            several_levels,
            standalone,
            bracketed,
            at_document_start,
            near_top: lines_above <= TOP_LINES,
            lines_above,
            opens_line,
            opens_title,
            in_prose,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, term: &str) -> LinePosition {
        let start = text.find(term).unwrap();
        let companions = Companions::new(&line_companions([
            "注意保存".to_string(),
            "此件不公开".to_string(),
        ]));
        Placer::new(text, &companions, 0).position_of(start..start + term.len())
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
    fn a_level_under_its_label_line_is_that_fields_value() {
        let form = "项目名称\n某某项目\n申报单位\n某某局\n联系人\n某某\n密级\n秘密\n申报日期";
        assert!(at(form, "秘密").under_level_label);
        assert!(at("密级：\n\n机密\n正文", "机密").under_level_label);
        // Not under the label: another line between, or the level in a sentence.
        assert!(!at("密级\n申报单位\n秘密", "秘密").under_level_label);
        assert!(!at("密级\n本单位无秘密事项", "秘密").under_level_label);
        assert!(!at("定密依据\n秘密", "秘密").under_level_label);
    }

    #[test]
    fn a_level_word_is_not_a_field_label() {
        let story = "内装总结材料（绝密级）一份，绝密级文件就这样丢失了";
        assert!(!at(story, "绝密级").field_label_beside);
        assert!(at("密级：机密  保密期限：5年", "机密").field_label_beside);
    }

    /// 16,000 labels on one line once took 19 s: the line was normalized
    /// again for every hit. Now it is read once.
    #[test]
    fn a_line_is_read_once_however_many_hits_it_holds() {
        let line = "内部资料。".repeat(16_000);
        let companions = Companions::new(&line_companions(["内部资料".to_string()]));
        let mut placer = Placer::new(&line, &companions, 0);
        let width = "内部资料".len();
        let step = "内部资料。".len();
        for k in 0..16_000 {
            let at = k * step;
            let placed = placer.position_of(at..at + width);
            assert!(placed.standalone, "a line of labels only: {k}");
        }
        assert_eq!(placer.lines_read(), 1);
        let text = "第一行\n内部资料 注意保存\n第三行 内部资料";
        let mut placer = Placer::new(text, &companions, 0);
        for (i, _) in text.match_indices("内部资料") {
            placer.position_of(i..i + width);
        }
        assert_eq!(placer.lines_read(), 2, "one per line that holds a hit");
    }

    #[test]
    fn near_top_counts_lines_since_an_attachment() {
        let body = "标题\n正文一\n正文二\n正文三\n正文四\n";
        assert!(!at(&format!("{body}机密★1年"), "机密★1年").near_top);
        assert!(at(&format!("{body}附件1\n机密★1年"), "机密★1年").near_top);
        assert!(at("机密★1年", "机密★1年").near_top);
    }
}
