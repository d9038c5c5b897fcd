//! Decide: turns candidates into hits with a severity and a reason, or drops
//! them.
//!
//! Contract, in order, for each candidate of one document:
//! 1. exemption: an exempt phrase of the entry that covers the hit drops it;
//! 2. boundary: entries with `boundary = "word"` must start and end on jieba
//!    word boundaries of their clause ([`super::boundary`]);
//! 3. validation: detector hits must be valid numbers (GB 11643 resident ID
//!    but not a GB 32100 credit code; Luhn bank card with a UnionPay prefix or
//!    a card word near; mobile);
//! 4. placement: `applied` labels and `marking`s must stand applied
//!    ([`super::placement`]), and markings get their severity from where they
//!    stand;
//! 5. context (within `window` chars, or the hit's sentence or line with
//!    `scope`; words may be classes such as `@amount`, see
//!    [`super::context`]): with `all`, every group must have a
//!    word present or the hit is dropped (the groups gate, they do not
//!    raise); an `exclude` word drops the hit (an opening quote `“` within
//!    `exclude_window` only when it names something, not when it opens
//!    speech after a colon: `批示：“此事暂不对外……”`), and so does an
//!    `exclude_document` word anywhere in the document, or an
//!    `exclude_sentence` word in its sentence; with `required`, a hit
//!    without a `raise` word is dropped (the word gates, it does not
//!    raise); otherwise a `raise` word raises one step and a `lower`
//!    word lowers one step (below info drops); with both, the raise wins
//!    (fail closed);
//! 6. bulk: from `count` distinct hits of an entry on, each has at least the
//!    bulk severity (one ID number is a review, a list is a block);
//! 7. overlaps: a hit inside a longer hit of the same category is dropped;
//!    the longer hit names its rule in `also`.
//!
//! Every step that keeps a hit says so in the hit's `stages`.

use super::boundary::{BoundaryChecker, Segmenter};
use super::bulk::{raise_to_bulk, BulkScope, Counted};
use super::candidates::Candidate;
use super::context::{naming_quote, scope_bounds, window, Scope, WordClass};
use super::document::Cancel;
use super::lexicon::{Boundary, Context, Detector, Entry, Matcher, Placement, ValueCheck};
use super::placement::{Companions, LinePosition, Placer};
use super::validate;
use super::verdict::{Category, Severity};
use std::collections::HashMap;
use std::ops::Range;

/// A candidate that survived, with what it weighs and why.
#[derive(Debug, Clone)]
pub struct Hit {
    pub entry: usize,
    /// Byte range in the normalized text.
    pub start: usize,
    pub end: usize,
    pub severity: Severity,
    pub stages: Vec<String>,
    pub context_word: Option<String>,
    /// Rules of hits inside this one that [`resolve_overlaps`] dropped.
    pub also: Vec<String>,
    /// A `lower` word applied (bulk thresholds lower one step for it too).
    pub lowered: bool,
    /// Lowered below info: counted by the bulk stage and dropped after it
    /// unless a threshold raised it.
    pub latent: bool,
}

/// A hit as the bulk stage counts it: its matched normalized text is its key.
struct CountedHit<'h, 't> {
    hit: &'h mut Hit,
    text: &'t str,
}

impl Counted for CountedHit<'_, '_> {
    fn entry_index(&self) -> Option<usize> {
        Some(self.hit.entry)
    }
    fn key(&self) -> &str {
        &self.text[self.hit.start..self.hit.end]
    }
    fn severity(&self) -> Severity {
        self.hit.severity
    }
    fn raise(&mut self, to: Severity, note: String) {
        self.hit.severity = to;
        self.hit.latent = false;
        self.hit.stages.push(note);
    }
    fn lowered(&self) -> bool {
        self.hit.lowered
    }
    fn latent(&self) -> bool {
        self.hit.latent
    }
}

/// Words that make a 16–19 digit Luhn number a bank card without a UnionPay
/// prefix.
const CARD_WORDS: &[&str] = &[
    "卡号",
    "银行卡",
    "账号",
    "帐号",
    "开户",
    "银行",
    "储蓄卡",
    "信用卡",
];

/// Words that make the first 18 digits of a longer number an ID number: the
/// certificates numbered by their holder's ID and a sequence.
const CERTIFICATE_WORDS: &[&str] = &["残疾证", "残疾人证", "证号", "证件号", "证书编号"];

/// Words that make an 18-char number that passes both checks a credit code.
const CREDIT_CODE_WORDS: &[&str] = &["信用代码", "社会信用", "机构代码", "纳税人识别号"];

/// What the decide stage needs of the document.
pub struct DocumentView<'a> {
    /// The normalized text the candidates point into.
    pub normalized: &'a str,
    /// The extracted text (line structure for placement).
    pub extracted: &'a str,
    /// Maps a normalized byte range to an extracted byte range.
    pub to_extracted: &'a dyn Fn(Range<usize>) -> Range<usize>,
    /// Maps an extracted byte offset to the first normalized byte made from
    /// it or after it.
    pub to_normalized: &'a dyn Fn(usize) -> usize,
    /// Where "the top" starts in the extracted text (the `<body>` of HTML).
    pub top_start: usize,
}

/// The normalized text an entry's context words are looked for in: the
/// window, or the sentence or line of the hit (see [`super::context`]).
fn context_text<'t>(
    doc: &DocumentView<'t>,
    context: &Context,
    start: usize,
    end: usize,
) -> &'t str {
    match context.scope {
        Scope::Window => window(doc.normalized, start, end, context.window),
        scope => {
            let ex = (doc.to_extracted)(start..end);
            let (from, to) = scope_bounds(doc.extracted, ex.start, ex.end, scope);
            let from = (doc.to_normalized)(from).min(start);
            let to = (doc.to_normalized)(to).max(end).min(doc.normalized.len());
            &doc.normalized[from..to]
        }
    }
}

/// Marks that mask a character of a name in published lists (`杨*东`).
const NAME_MASKS: &[char] = &['*', '＊', '×', '○', '〇', '□', '●'];

/// How dear a context group is to ask: 0 for plain words, 1 with a word
/// class that is a regex or a scan, 2 with `@name` (jieba's tagger).
fn group_cost(group: &[String]) -> u8 {
    group
        .iter()
        .map(|w| match w.as_str() {
            "@name" => 2,
            w if w.starts_with('@') => 1,
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// The word, or what its class found, when `text` (a slice of
/// `doc.normalized`) holds it.
fn find_word(
    word: &str,
    text: &str,
    doc: &DocumentView<'_>,
    jieba: Segmenter<'_>,
) -> Option<String> {
    match WordClass::parse(word) {
        // Normalization reads `杨*东` as `杨东` (a star between ideographs
        // is noise in damaged markings), but in the published text it is
        // a masked name, which is what a list may show: not a name.
        Ok(Some(class @ (WordClass::Name | WordClass::Official))) => {
            let base = (text.as_ptr() as usize)
                .checked_sub(doc.normalized.as_ptr() as usize)
                .filter(|&b| b + text.len() <= doc.normalized.len());
            let mut from = 0;
            for _ in 0..8 {
                let found = class.find(&text[from..], jieba)?;
                let at = from + text[from..].find(found.as_str())?;
                let masked = base.is_some_and(|b| {
                    let published = (doc.to_extracted)(b + at..b + at + found.len());
                    doc.extracted
                        .get(published)
                        .is_some_and(|s| s.contains(NAME_MASKS))
                });
                if !masked {
                    return Some(found);
                }
                from = at + found.len();
            }
            None
        }
        Ok(Some(class)) => class.find(text, jieba),
        _ => text.contains(word).then(|| word.to_string()),
    }
}

/// Runs steps 1–7 of the module docs; `None` when `cancel` was set.
pub fn decide(
    entries: &[Entry],
    companions: &Companions,
    doc: &DocumentView<'_>,
    candidates: &[Candidate],
    boundaries: &mut BoundaryChecker<'_>,
    cancel: &Cancel,
) -> Option<Vec<Hit>> {
    let text = doc.normalized;
    let mut hits = Vec::new();
    let mut placer: Option<Placer> = None;
    let mut excluded_documents: HashMap<usize, bool> = HashMap::new();
    for (i, cand) in candidates.iter().enumerate() {
        if i % 256 == 255 && cancel.is_cancelled() {
            return None;
        }
        let entry = &entries[cand.entry];
        let matched = &text[cand.start..cand.end];
        let mut stages = Vec::new();

        if covering_exemption(entry, text, cand.start, cand.end).is_some() {
            continue;
        }
        match entry.boundary {
            Boundary::Word => {
                if !boundaries.confirm_boundaries(cand.start, cand.end) {
                    continue;
                }
                stages.push("分词：结巴分词确认命中的是完整词语".to_string());
            }
            Boundary::None => {}
        }
        if let Matcher::Detector(detector) = entry.matcher {
            // Grouped forms (`138-1234-5678`, `6217 0000 …`) validate on
            // their digits alone.
            let digits: String = matched
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            match validate_number(detector, &digits, text, cand.start, cand.end) {
                Some(note) => stages.push(note),
                None => continue,
            }
        }
        if let (Some(check), Matcher::Pattern(pattern)) = (entry.check, &entry.matcher) {
            match checked_value(pattern.regex.get(), check, text, cand.start, cand.end) {
                Some(note) => stages.push(note),
                None => continue,
            }
        }
        let mut severity = entry.severity;
        match entry.placement {
            Placement::Any => {}
            Placement::Applied | Placement::Marking => {
                let span = (doc.to_extracted)(cand.start..cand.end);
                let placed = placer
                    .get_or_insert_with(|| Placer::new(doc.extracted, companions, doc.top_start))
                    .position_of(span);
                let decided = if entry.placement == Placement::Applied {
                    applied_label(&placed).map(|note| (entry.severity, note))
                } else {
                    applied_marking(&placed, matched, entry.severity)
                };
                match decided {
                    Some((sev, note)) => {
                        severity = sev;
                        stages.push(note);
                    }
                    None => continue,
                }
            }
        }
        let mut context_word = None;
        let mut lowered = false;
        let mut latent = false;
        let context = entry.context();
        let jieba = boundaries.jieba();
        // Once per entry, not per hit: 20,000 numbers in one text would
        // search the whole text 20,000 times.
        let excluded_by_document = *excluded_documents.entry(cand.entry).or_insert_with(|| {
            context
                .exclude_document
                .iter()
                .any(|w| find_word(w, text, doc, jieba).is_some())
        });
        if excluded_by_document {
            continue;
        }
        if !context.exclude_sentence.is_empty() {
            let sentence = Context {
                scope: Scope::Sentence,
                ..Context::default()
            };
            let around = context_text(doc, &sentence, cand.start, cand.end);
            if context
                .exclude_sentence
                .iter()
                .any(|w| find_word(w, around, doc, jieba).is_some())
            {
                continue;
            }
        }
        let needs_context = !context.all.is_empty()
            || !context.raise.is_empty()
            || !context.lower.is_empty()
            || !context.exclude.is_empty();
        let around = if needs_context {
            context_text(doc, context, cand.start, cand.end)
        } else {
            ""
        };
        let find = |w: &String| find_word(w, around, doc, jieba);
        if !context.all.is_empty() {
            // Every group must hold, so the order they are asked in does not
            // change the answer: plain words first, `@name` (a jieba tagging
            // of the whole scope) last, and a hit without the plain words
            // never pays for the tagger. Words are reported in the author's
            // order.
            let mut order: Vec<usize> = (0..context.all.len()).collect();
            order.sort_by_key(|&g| group_cost(&context.all[g]));
            let mut words = vec![String::new(); context.all.len()];
            let held = order
                .into_iter()
                .all(|g| match context.all[g].iter().find_map(find) {
                    Some(word) => {
                        words[g] = word;
                        true
                    }
                    None => false,
                });
            let found = held.then_some(words);
            match found {
                Some(words) => {
                    stages.push(format!(
                        "上下文：附近同时有“{}”，符合本规则的前提",
                        words.join("”“")
                    ));
                    context_word = words.into_iter().next();
                }
                None => continue,
            }
        }
        if !context.raise.is_empty() || !context.lower.is_empty() || !context.exclude.is_empty() {
            let excluded = match context.exclude_window {
                Some(chars) => {
                    let near = window(doc.normalized, cand.start, cand.end, chars);
                    context.exclude.iter().any(|w| {
                        if w == "“" {
                            naming_quote(doc.normalized, near)
                        } else {
                            find_word(w, near, doc, jieba).is_some()
                        }
                    })
                }
                None => context.exclude.iter().any(|w| find(w).is_some()),
            };
            if excluded {
                continue;
            }
            let lower = context.lower.iter().find_map(find);
            let raise = context.raise.iter().find_map(find);
            if context.required {
                // Required context gates the hit; it does not also raise it.
                match raise {
                    Some(word) => {
                        stages.push(format!("上下文：附近有“{word}”，符合本规则的前提"));
                        context_word = Some(word);
                    }
                    None => continue,
                }
            } else {
                match (raise, lower) {
                    (Some(up), Some(down)) => {
                        // Unsure which reading is right: fail closed.
                        severity = severity.raised();
                        stages.push(format!(
                            "上下文：附近有“{up}”，虽也有“{down}”，仍升为{}（两者并存时从严）",
                            severity.label_zh()
                        ));
                        context_word = Some(up);
                    }
                    (Some(word), None) => {
                        severity = severity.raised();
                        stages.push(format!(
                            "上下文：附近有“{word}”，升为{}",
                            severity.label_zh()
                        ));
                        context_word = Some(word);
                    }
                    (None, Some(word)) => {
                        lowered = true;
                        match severity.lowered() {
                            Some(s) => {
                                stages
                                    .push(format!("上下文：附近有“{word}”，降为{}", s.label_zh()));
                                severity = s;
                            }
                            // Counted for the bulk stage only (see `Hit`).
                            None if !entries[cand.entry].bulk.is_empty() => {
                                stages.push(format!("上下文：附近有“{word}”，单独一处不作为发现"));
                                latent = true;
                            }
                            None => continue,
                        }
                        context_word = Some(word);
                    }
                    (None, None) => {}
                }
            }
        }
        hits.push(Hit {
            entry: cand.entry,
            start: cand.start,
            end: cand.end,
            severity,
            stages,
            context_word,
            also: Vec::new(),
            lowered,
            latent,
        });
    }
    let mut counted: Vec<CountedHit> = hits
        .iter_mut()
        .map(|hit| CountedHit { hit, text })
        .collect();
    raise_to_bulk(entries, &mut counted, BulkScope::Document);
    hits.retain(|hit| !hit.latent);
    Some(resolve_overlaps(entries, hits))
}

fn covering_exemption<'e>(
    entry: &'e Entry,
    text: &str,
    start: usize,
    end: usize,
) -> Option<&'e str> {
    let matched = &text[start..end];
    entry.exempt.iter().map(String::as_str).find(|phrase| {
        phrase.match_indices(matched).any(|(offset, _)| {
            start >= offset
                && text
                    .get(start - offset..)
                    .is_some_and(|rest| rest.starts_with(phrase))
        })
    })
}

/// The note for a pattern's `value` group that passes `check`, `None` when
/// it fails (or the group did not take part).
fn checked_value(
    regex: &regex::Regex,
    check: ValueCheck,
    text: &str,
    start: usize,
    end: usize,
) -> Option<String> {
    let caps = regex.captures(&text[start..end])?;
    let value = caps.name("value")?;
    match check {
        ValueCheck::Secret => {
            // `name@example.gov.cn` is an address, not a secret.
            let after = &text[start + value.end()..];
            let address = after.starts_with('.') && value.as_str().contains('@');
            (validate::is_secret(value.as_str()) && !address).then(|| {
                "校验：是真实的口令或密钥（不是示例、占位符或人人皆知的默认值）".to_string()
            })
        }
    }
}

fn validate_number(
    detector: Detector,
    number: &str,
    text: &str,
    start: usize,
    end: usize,
) -> Option<String> {
    match detector {
        Detector::ResidentId => {
            if !validate::is_resident_id(number) {
                return None;
            }
            let prefix = text.as_bytes().get(end).is_some_and(u8::is_ascii_digit);
            if prefix {
                // The word is near, or heads the column of a list.
                let near = window(text, start, end, 16);
                let word = CERTIFICATE_WORDS.iter().find(|w| near.contains(*w));
                let column = || CERTIFICATE_WORDS[..2].iter().find(|w| text.contains(*w));
                return word.or_else(column).map(|w| {
                    format!("校验：“{w}”的前18位是有效的身份证号码（GB 11643），证号由身份证号加序号组成")
                });
            }
            // About 1 in 31 valid ID numbers also pass the GB 32100 check, so
            // a credit code is assumed only when the text says so.
            if validate::is_social_credit_code(number) {
                let near = window(text, start, end, 12);
                if CREDIT_CODE_WORDS.iter().any(|w| near.contains(w)) {
                    return None;
                }
            }
            Some("校验：地区码、出生日期和校验码均有效（GB 11643）".to_string())
        }
        Detector::BankCard => {
            if !validate::is_bank_card(number) || validate::is_resident_id(number) {
                return None;
            }
            if validate::has_unionpay_prefix(number) {
                return Some("校验：Luhn 校验通过，银联卡号前缀 62".to_string());
            }
            let near = window(text, start, end, 12);
            CARD_WORDS
                .iter()
                .find(|w| near.contains(*w))
                .map(|w| format!("校验：Luhn 校验通过，附近有“{w}”"))
        }
        Detector::Mobile => validate::is_mobile(number).then(|| "校验：11 位手机号码".to_string()),
    }
}

fn applied_label(placed: &LinePosition) -> Option<String> {
    if placed.quoted || !placed.applied() {
        return None;
    }
    let how = if placed.standalone {
        "单独成行"
    } else if placed.bracketed {
        "单独置于括号中"
    } else {
        "位于文首"
    };
    Some(format!("位置：作为标识使用（{how}），不是在句中提及"))
}

/// Severity of a classification marking by where it stands (see
/// [`Placement::Marking`]). A marking is *applied* when it stands as its own
/// line (or in a table's 密级 field, or in brackets of its own) or opens a
/// line before a title; it is *named* inside a sentence, in quotes or in
/// 《》 (`标注为“秘密★1年”`, `绝密级不超过30年`, `例：机密★5年`).
fn applied_marking(
    placed: &LinePosition,
    matched: &str,
    top: Severity,
) -> Option<(Severity, String)> {
    if placed.quoted {
        return None;
    }
    let full = matched.contains('★') || matched.chars().any(|c| c.is_ascii_digit());
    // `密级：机密  保密期限：3年`, or a form's cells `密级 | 秘密 | 保密期限 | 3年`:
    // a bare level in a marking field is as applied as a full marking.
    let field = !full && placed.field_label_beside;
    if !full && !field {
        // `秘密级` describes a level (`涉密载体\n秘密级\n17份`); only as the
        // very first line of a document or attachment is it a damaged mark.
        // A bare level with a number beside it is a row of a counts table
        // (`机密 2`).
        if (matched.ends_with('级') && placed.lines_above > 0) || placed.digits_beside {
            return None;
        }
    }
    let own_line = placed.standalone || placed.bracketed;
    if (placed.in_level_field || placed.under_level_label)
        && !placed.in_prose
        && !placed.several_levels
    {
        Some((
            top,
            "位置：填在表格或版头的密级栏中，是标注在文件上的".to_string(),
        ))
    } else if own_line && (full || field) {
        Some((
            top,
            "位置：完整的密级标志单独成行（或填在密级栏中），是标注在文件上的".to_string(),
        ))
    } else if full && placed.opens_title {
        Some((
            top,
            "位置：完整的密级标志在行首、标题之前，是标注在文件上的".to_string(),
        ))
    } else if full && !placed.in_prose {
        Some((
            top,
            "位置：完整的密级标志在标题或版头行中（不是句子），是标注在文件上的".to_string(),
        ))
    } else if own_line {
        // A bare level alone on its line: at the top it is the damaged
        // marking of the document; further down it may head a pasted one.
        if placed.near_top {
            Some((top, "位置：密级单独成行，位于文件或附件首部".to_string()))
        } else {
            Some((
                top.lowered()
                    .unwrap_or(Severity::Review)
                    .max(Severity::Review),
                "位置：密级单独成行但不在首部，可能是粘贴进来的文件的首部".to_string(),
            ))
        }
    } else {
        None
    }
}

/// Drops a hit that lies inside another hit of the same category that is at
/// least as severe (a shorter, milder reading of the same text adds nothing);
/// exact duplicates keep the more severe. The covering hit names the dropped
/// hit's rule in `also`, so every rule that matched is still told.
pub fn resolve_overlaps(entries: &[Entry], mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by(|a, b| {
        (
            a.start,
            std::cmp::Reverse(a.end),
            std::cmp::Reverse(a.severity),
            a.entry,
        )
            .cmp(&(
                b.start,
                std::cmp::Reverse(b.end),
                std::cmp::Reverse(b.severity),
                b.entry,
            ))
    });
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    // Per (category, severity), the furthest-reaching kept hit so far (its
    // end and its index in `kept`). Every kept hit starts at or before the
    // current one (sorted), so the current hit is covered exactly when a
    // kept hit of its category and at least its severity reaches its end.
    let mut reach: HashMap<(Category, Severity), (usize, usize)> = HashMap::new();
    for hit in hits {
        let category = entries[hit.entry].category;
        let cover = [Severity::Info, Severity::Review, Severity::Block]
            .into_iter()
            .filter(|s| *s >= hit.severity)
            .filter_map(|s| reach.get(&(category, s)))
            .find(|&&(end, _)| hit.end <= end);
        if let Some(&(_, at)) = cover {
            let id = &entries[hit.entry].id;
            let covering = &mut kept[at];
            if covering.entry != hit.entry && !covering.also.contains(id) {
                covering.also.push(id.clone());
            }
            continue;
        }
        let r = reach.entry((category, hit.severity)).or_insert((0, 0));
        if hit.end > r.0 {
            *r = (hit.end, kept.len());
        }
        kept.push(hit);
    }
    kept
}
