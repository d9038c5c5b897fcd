//! Context: where an entry looks for the words around a hit, and the word
//! classes it can ask for besides literal words.
//!
//! Contract:
//! - [`Context`] is an entry's context as its lexicon file gives it (the
//!   words are normalized when the entry is validated); an entry without
//!   one shares [`NO_CONTEXT`].
//! - [`Scope`] says which text around a hit is its context: `window` (the
//!   entry's `window` chars on either side, across lines), `sentence` (the
//!   sentence that holds the hit: up to `。！？；` or a line break) or `line`
//!   (the line that holds it). A sentence or a line is cut at
//!   [`MAX_SCOPE_CHARS`] chars on either side, so a page without punctuation
//!   costs no more than a long sentence.
//! - A context word that starts with `@` is a [`WordClass`]: `@amount` (a sum
//!   of money), `@figure` (a number with a unit of measure or count),
//!   `@percent`, `@mobile`, `@name` (a person's full name, not a masked
//!   `王某某`/`王*`), `@official` (a post and the person holding it:
//!   `副局长赵某某`, masked or not), `@masked` (a name written masked:
//!   `郑某某`, `王某`), `@house` (a home address down to the door:
//!   `5栋1单元602室`), `@date` and `@quote` (a quoted passage of several
//!   words: the content itself, `作文题为“……”`). A class is present when the
//!   context text holds one instance of it; what it found is shown in the
//!   hit's explanation like a literal word.
//! - Deterministic and pure: the same text always gives the same answer;
//!   `@name` asks jieba's part-of-speech tagger, which is deterministic.

use super::boundary::Segmenter;
use jieba_rs::Jieba;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Which text around a hit is its context (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    #[default]
    Window,
    Sentence,
    Line,
}

/// Context words around a hit (within `window` chars of it).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Raise severity one step (info → review → block).
    #[serde(default)]
    pub raise: Vec<String>,
    /// Lower severity one step; below info the hit is dropped.
    #[serde(default)]
    pub lower: Vec<String>,
    /// Drop the hit: the words show it is something else (`第10.1.2.3条`).
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default = "default_window")]
    pub window: usize,
    /// The window of `exclude` alone, when it must be narrower than the
    /// window the other lists need (a 举报电话 right before the number, a
    /// 举报人 header further up).
    pub exclude_window: Option<usize>,
    /// The hit counts only when a `raise` word is present.
    #[serde(default)]
    pub required: bool,
    /// Groups of words that must *all* be present: the hit counts only when
    /// every group has at least one of its words within `window` chars (a
    /// subject and a status together: 标底 + 开标前 + an amount). Like
    /// `required`, the groups gate the hit; they do not raise it.
    #[serde(default)]
    pub all: Vec<Vec<String>>,
    /// Which text around the hit the words are looked for in (see
    /// [`super::context`]); `window` by default.
    #[serde(default)]
    pub scope: Scope,
    /// Drop the hit when the *document* holds one of these words: it says
    /// what it is (`公开征求意见` publishes a draft on purpose).
    #[serde(default)]
    pub exclude_document: Vec<String>,
    /// Drop the hit when its *sentence* holds one of these words, whatever
    /// the `scope` of the other lists (a narrow `exclude` and a sentence-wide
    /// one in the same entry).
    #[serde(default)]
    pub exclude_sentence: Vec<String>,
}

fn default_window() -> usize {
    DEFAULT_WINDOW
}

const DEFAULT_WINDOW: usize = 20;

/// The context of an entry that names none.
pub(crate) static NO_CONTEXT: Context = Context {
    raise: Vec::new(),
    lower: Vec::new(),
    exclude: Vec::new(),
    window: DEFAULT_WINDOW,
    exclude_window: None,
    required: false,
    all: Vec::new(),
    scope: Scope::Window,
    exclude_document: Vec::new(),
    exclude_sentence: Vec::new(),
};

impl Context {
    /// Whether this is the context of an entry that names none.
    pub(crate) fn is_default(&self) -> bool {
        let Context {
            raise,
            lower,
            exclude,
            window,
            exclude_window,
            required,
            all,
            scope,
            exclude_document,
            exclude_sentence,
        } = self;
        raise.is_empty()
            && lower.is_empty()
            && exclude.is_empty()
            && *window == DEFAULT_WINDOW
            && exclude_window.is_none()
            && !required
            && all.is_empty()
            && *scope == Scope::Window
            && exclude_document.is_empty()
            && exclude_sentence.is_empty()
    }
}

/// A sentence or line scope reaches at most this many chars either side.
pub const MAX_SCOPE_CHARS: usize = 300;

/// Chars that end a sentence (besides a line break).
const SENTENCE_ENDS: &[char] = &['。', '！', '？', '!', '?', '；', ';'];

/// The byte range of `text` that is the sentence or line around
/// `start..end` (for [`Scope::Window`] the caller uses the window).
pub fn scope_bounds(text: &str, start: usize, end: usize, scope: Scope) -> (usize, usize) {
    let ends = |c: char| c == '\n' || (scope == Scope::Sentence && SENTENCE_ENDS.contains(&c));
    let mut from = start;
    for (taken, (i, c)) in text[..start].char_indices().rev().enumerate() {
        if ends(c) || taken >= MAX_SCOPE_CHARS {
            break;
        }
        from = i;
    }
    let mut to = end;
    for (taken, (i, c)) in text[end..].char_indices().enumerate() {
        if taken >= MAX_SCOPE_CHARS {
            break;
        }
        to = end + i + c.len_utf8();
        if ends(c) {
            break;
        }
    }
    (from, to)
}

/// A class of words an entry's context can ask for (`@amount`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordClass {
    Amount,
    Figure,
    Percent,
    Mobile,
    Name,
    Date,
    Quote,
    Official,
    Masked,
    House,
}

impl WordClass {
    /// The class a context word names, `None` for a literal word; an `@`
    /// word that names no class is an error of the lexicon.
    pub fn parse(word: &str) -> Result<Option<WordClass>, String> {
        let Some(name) = word.strip_prefix('@') else {
            return Ok(None);
        };
        Ok(Some(match name {
            "amount" => WordClass::Amount,
            "figure" => WordClass::Figure,
            "percent" => WordClass::Percent,
            "mobile" => WordClass::Mobile,
            "name" => WordClass::Name,
            "date" => WordClass::Date,
            "quote" => WordClass::Quote,
            "official" => WordClass::Official,
            "masked" => WordClass::Masked,
            "house" => WordClass::House,
            _ => return Err(word.to_string()),
        }))
    }

    /// The first instance of the class in `text` (normalized), if any.
    pub fn find(self, text: &str, jieba: Segmenter<'_>) -> Option<String> {
        let regex = |r: &'static OnceLock<Regex>, src: &str| -> Option<String> {
            r.get_or_init(|| Regex::new(src).expect("class regex"))
                .find(text)
                .map(|m| m.as_str().to_string())
        };
        static AMOUNT: OnceLock<Regex> = OnceLock::new();
        static FIGURE: OnceLock<Regex> = OnceLock::new();
        static PERCENT: OnceLock<Regex> = OnceLock::new();
        static DATE: OnceLock<Regex> = OnceLock::new();
        static QUOTE: OnceLock<Regex> = OnceLock::new();
        static HOUSE: OnceLock<Regex> = OnceLock::new();
        match self {
            WordClass::Amount => regex(
                &AMOUNT,
                r"[¥￥]\s?\d[\d,]*(\.\d+)?|\d[\d,]*(\.\d+)?\s?(万元|亿元|元|万)|[壹贰叁肆伍陆柒捌玖拾佰仟萬億一二三四五六七八九十百千万亿]{2,}(元|万元|亿元)",
            ),
            WordClass::Figure => regex(
                &FIGURE,
                r"\d+(\.\d+)?\s?(%|‰|个百分点|万人|万户|万元|亿元|万|亿|人|户|名|起|家|件|个|元|吨|辆|间|亩|平方米|公里|米|栋|处|套)",
            ),
            WordClass::Percent => regex(&PERCENT, r"\d+(\.\d+)?\s?(%|‰|个百分点)"),
            WordClass::Date => regex(
                &DATE,
                r"\d{4}年\d{1,2}月(\d{1,2}日)?|\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}",
            ),
            WordClass::Quote => regex(&QUOTE, r"“[^”]{6,}”"),
            WordClass::House => regex(
                &HOUSE,
                r"\d+(栋|幢|号楼)(\d+单元)?\d+(室|号|户)|\d+单元\d+(室|号)|(村|组|巷|弄|胡同)\d+号",
            ),
            WordClass::Official => find_official(text),
            WordClass::Masked => {
                static MASKED: OnceLock<Regex> = OnceLock::new();
                MASKED
                    .get_or_init(|| {
                        Regex::new(&format!("[{SURNAMES}]某{{1,2}}")).expect("masked regex")
                    })
                    .find(text)
                    .map(|m| m.as_str().to_string())
            }
            WordClass::Mobile => find_mobile(text),
            WordClass::Name => find_name(text, jieba.get()),
        }
    }
}

/// Posts that come right before their holder's name in reports about
/// officials (`副局长钱某某`, `二级主任科员郑某某`).
const POSTS: &str = "书记|局长|主任|科长|股长|处长|厅长|部长|镇长|乡长|县长|区长|市长|所长|站长|队长|院长|校长|经理|董事长|科员|干部|委员|成员|会计|出纳|主席|支书|村长|组长|馆长|社长|行长";

/// A post followed by a family name and a masked or given name, and then a
/// break or what comes after a holder's name in a sentence about them:
/// `科长骆清扬为…`, `主任王某于3月…`, `局长李明多次…`.
fn find_official(text: &str) -> Option<String> {
    static OFFICIAL: OnceLock<Regex> = OnceLock::new();
    OFFICIAL
        .get_or_init(|| {
            Regex::new(&format!("(?:{POSTS})\\s?[{SURNAMES}](?:某某|某|[一-龥]{{1,2}})(?:[，,、（(]|涉嫌|在|因|等|同志|违|利用|为|任|担任|接任|于|多次|被|已|$)"))
                .expect("official regex")
        })
        .find(text)
        .map(|m| m.as_str().to_string())
}

/// An 11-digit mobile number that is not part of a longer number.
fn find_mobile(text: &str) -> Option<String> {
    static MOBILE: OnceLock<Regex> = OnceLock::new();
    MOBILE
        .get_or_init(|| Regex::new(r"(?:^|\D)(1[3-9]\d{9})(?:\D|$)").expect("mobile regex"))
        .captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// Family names that open most Chinese full names (the common single ones
/// and the compound ones), for names jieba does not tag.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Words after which a full name comes in records about people
/// (`村民张建国`, `其子李宏伟`, `配偶苏雯`).
const PERSON_ROLES: &[&str] = &[
    "村民",
    "居民",
    "群众",
    "人选",
    "对象",
    "户主",
    "配偶",
    "父亲",
    "母亲",
    "其子",
    "其女",
    "儿子",
    "女儿",
    "丈夫",
    "妻子",
    "患者",
    "举报人",
    "申请人",
    "当事人",
    "考生",
    "同志",
    "姓名",
    "家属",
    "职工",
    "员工",
    "租户",
    "业主",
];

/// Place and body suffixes jieba sometimes tags as names (`柳溪镇`, `高新区`).
const NOT_NAME_ENDS: &str =
    "镇区县村市省乡街路河山湖局委办院所站队社组园城港湾州屯庄寨营坊沟桥店坪厂矿";

fn is_masked(word: &str) -> bool {
    word.contains(['某', '*', '×', 'x', '○', '〇', '□'])
}

/// A person's full name in `text`: one jieba tags as a name (`nr`), or a
/// family name with one or two given chars right after a role word.
fn find_name(text: &str, jieba: &Jieba) -> Option<String> {
    let tags = jieba.tag(text, true);
    for tag in &tags {
        // jieba glues the end of an agency to the name after it
        // (`县交通运输局滕小军` → `局滕小军`/nr): the name is the rest.
        let word = match tag.word.strip_prefix(|c| NOT_NAME_ENDS.contains(c)) {
            Some(rest)
                if tag.tag.starts_with("nr") && rest.starts_with(|c| SURNAMES.contains(c)) =>
            {
                rest
            }
            _ => tag.word,
        };
        let n = word.chars().count();
        // Four-char "names" are mostly jieba's guesses (`纪检监察`).
        if tag.tag.starts_with("nr")
            && (2..=3).contains(&n)
            && !is_masked(word)
            && !word.ends_with(|c| NOT_NAME_ENDS.contains(c))
            && word.starts_with(|c| SURNAMES.contains(c))
        {
            return Some(word.to_string());
        }
    }
    if let Some(name) = split_name(&tags) {
        return Some(name);
    }
    for role in PERSON_ROLES {
        for (at, _) in text.match_indices(role) {
            if let Some(name) = name_after_role(&text[at + role.len()..]) {
                return Some(name);
            }
        }
    }
    None
}

/// What comes right after a name jieba split into a family name and a
/// word (`骆/nr 清扬/v 为/p`, `张/q 立新/d 同志/n`): a form of address, a
/// verb of appointment, a list comma. Not a bare `，`: `高/a 标准/n ，` is
/// no name.
const SPLIT_NAME_FOLLOWERS: &[&str] =
    &["同志", "为", "任", "担任", "接任", "于", "等", "、", "多次"];

/// A name jieba did not tag as one: a family-name char standing alone as
/// a name or a measure word, then one or two Han chars as one word, then a
/// [`SPLIT_NAME_FOLLOWERS`] or [`NAME_FOLLOWERS`] word (or, when jieba
/// tagged the family char as a name, a break: `李/nr 红梅/nr ，`; or
/// anything when it tagged both halves so: `王/nr 秀英/nr 的`,
/// `罗/j 秀英/nr`); and before it the start, a break, the end of a post or
/// an agency (`科长`, `局`), or a role word (`举报人`, `村民`).
fn split_name(tags: &[jieba_rs::Tag<'_>]) -> Option<String> {
    for i in 0..tags.len().saturating_sub(1) {
        let (family, given) = (&tags[i], &tags[i + 1]);
        let tagged_name = family.tag.starts_with("nr");
        // `罗/j 秀英/nr`: jieba reads some family chars as abbreviations, but
        // then it tags the given name as a name.
        let given_named = given.tag.starts_with("nr");
        let abbreviated = family.tag == "j" && given_named;
        // The family char and the given word first: they rule out almost
        // every pair, before the neighbours are looked at.
        let shaped = family.word.chars().count() == 1
            && family.word.starts_with(|c| SURNAMES.contains(c))
            && (tagged_name || family.tag == "q" || abbreviated)
            && (1..=2).contains(&given.word.chars().count())
            && given.word.chars().all(super::normalize::is_han)
            && !is_masked(given.word)
            && !given.word.ends_with(|c| NOT_NAME_ENDS.contains(c));
        if !shaped {
            continue;
        }
        let after = tags.get(i + 2).map_or("", |t| t.word);
        let breaks = after
            .chars()
            .next()
            .is_none_or(|c| !super::normalize::is_han(c));
        // Both halves tagged as name parts (`王/nr 秀英/nr 的`): jieba itself
        // reads a name, so any word may follow it.
        let both_named = (tagged_name && given_named) || abbreviated;
        let followed = SPLIT_NAME_FOLLOWERS.contains(&after)
            || NAME_FOLLOWERS.contains(&after)
            || (tagged_name && breaks)
            || both_named;
        let preceded = i == 0 || {
            let prev = tags[i - 1].word;
            prev.chars()
                .last()
                .is_none_or(|c| !super::normalize::is_han(c))
                || prev.ends_with(|c| NOT_NAME_ENDS.contains(c))
                || POSTS.split('|').any(|post| prev.ends_with(post))
                || PERSON_ROLES.iter().any(|role| prev.ends_with(role))
        };
        if followed && preceded {
            return Some(format!("{}{}", family.word, given.word));
        }
    }
    None
}

/// What may follow a name written right after a role word, besides a
/// break: what the person did (`居民刘金花反映`), a form of address, or the
/// household (`村民王长福一家`). Two-char words only: a single Han char after
/// a name is as often the rest of a word (`村民张贴`).
const NAME_FOLLOWERS: &[&str] = &[
    "反映", "来信", "来访", "来电", "投诉", "举报", "诉称", "表示", "申请", "要求", "认为", "同志",
    "先生", "女士", "一家", "家中", "夫妇", "本人", "户籍",
];

/// A family name with one or two given chars at the start of `rest`,
/// followed by a break or one of [`NAME_FOLLOWERS`]; the longer name first.
fn name_after_role(rest: &str) -> Option<String> {
    let han: Vec<(usize, char)> = rest
        .char_indices()
        .take_while(|(_, c)| super::normalize::is_han(*c))
        .take(5)
        .collect();
    if !han.first().is_some_and(|(_, c)| SURNAMES.contains(*c)) {
        return None;
    }
    for len in [3usize, 2] {
        if han.len() < len {
            continue;
        }
        let end = han
            .get(len)
            .map_or_else(|| han[len - 1].0 + han[len - 1].1.len_utf8(), |(at, _)| *at);
        let given = &rest[..end];
        if is_masked(given) {
            return None;
        }
        let after = &rest[end..];
        let breaks = after
            .chars()
            .next()
            .is_none_or(|c| !super::normalize::is_han(c));
        if breaks || NAME_FOLLOWERS.iter().any(|f| after.starts_with(f)) {
            return Some(given.to_string());
        }
    }
    None
}

/// Whether `near` (a slice of `text`) holds an opening quote that names
/// something (`标注“内部资料”`), not one that opens reported speech after a
/// colon (`批示：“此事暂不对外通报……”`): a leader's 批示 or a speaker's words
/// quoted in a report are instructions, and what they restrict is restricted.
pub fn naming_quote(text: &str, near: &str) -> bool {
    let Some(base) = (near.as_ptr() as usize)
        .checked_sub(text.as_ptr() as usize)
        .filter(|&b| b + near.len() <= text.len())
    else {
        return near.contains('“');
    };
    near.match_indices('“').any(|(at, _)| {
        let before = text[..base + at].trim_end_matches([' ', '\u{3000}']);
        !before.ends_with([':', '：'])
    })
}

/// The normalized text within `chars` chars on either side of a hit.
pub fn window(text: &str, start: usize, end: usize, chars: usize) -> &str {
    let from = text[..start]
        .char_indices()
        .rev()
        .take(chars)
        .last()
        .map_or(start, |(i, _)| i);
    let to = text[end..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| end + i);
    &text[from..to]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_and_line_scopes_stop_where_they_should() {
        let text = "第一句。本数据暂不对外，请注意\n下一行";
        let at = text.find("暂不对外").unwrap();
        let (s, e) = scope_bounds(text, at, at + "暂不对外".len(), Scope::Sentence);
        assert_eq!(&text[s..e], "本数据暂不对外，请注意\n");
        let (s, e) = scope_bounds(text, at, at + "暂不对外".len(), Scope::Line);
        assert_eq!(&text[s..e], "第一句。本数据暂不对外，请注意\n");
    }

    #[test]
    fn an_official_is_a_post_and_a_name_then_a_break_or_a_verb_about_them() {
        for text in [
            "副局长钱某某涉嫌",
            "拟提任就业科科长骆清扬为副局长",
            "办公室主任王某于3月12日",
            "所长李明多次收受",
            "镇长周建华，",
        ] {
            assert!(find_official(text).is_some(), "{text}");
        }
        for text in ["局长办公会议", "主任委员会", "科长们", "镇长热线"] {
            assert_eq!(find_official(text), None, "{text}");
        }
    }

    #[test]
    fn names_jieba_splits_or_glues_to_an_agency_are_found() {
        let jieba = crate::engine::boundary::shared_jieba();
        for (text, name) in [
            ("县交通运输局滕小军年度考核确定为不称职", "滕小军"),
            ("就业科科长骆清扬为副局长人选", "骆清扬"),
            ("张立新同志考核为基本称职", "张立新"),
            ("举报人孙志强于5月3日实名举报", "孙志强"),
            ("李红梅\n低保户，家住", "李红梅"),
            ("李红梅，女，1975年生", "李红梅"),
            ("县信访局将举报人王秀英的电话告知被举报单位", "王秀英"),
            ("经查，张德福于2024年3月多次", "张德福"),
            ("罗秀英，68岁，乳腺癌术后正在化疗", "罗秀英"),
        ] {
            assert_eq!(find_name(text, &jieba).as_deref(), Some(name), "{text}");
        }
        for text in [
            "坚持高标准为引领，全体同志参加",
            "各位同志：现将有关事项通知如下",
            "局长办公会议研究",
            "王某某等3人",
        ] {
            assert_eq!(find_name(text, &jieba), None, "{text}");
        }
    }

    #[test]
    fn a_name_after_a_role_word_may_be_followed_by_what_the_person_did() {
        assert_eq!(name_after_role("刘金花反映，").as_deref(), Some("刘金花"));
        assert_eq!(name_after_role("王长福一家").as_deref(), Some("王长福"));
        assert_eq!(name_after_role("李明同志").as_deref(), Some("李明"));
        assert_eq!(name_after_role("张三。").as_deref(), Some("张三"));
        assert_eq!(name_after_role("张贴通知"), None);
        assert_eq!(name_after_role("高度评价"), None);
        assert_eq!(name_after_role("代表大会"), None);
        assert_eq!(name_after_role("刘某某反映"), None);
    }

    #[test]
    fn classes_find_what_they_name_and_not_their_look_alikes() {
        let cell = OnceLock::from(crate::engine::boundary::shared_jieba());
        let find = |c: WordClass, t: &str| c.find(t, Segmenter::new(&cell));
        assert_eq!(
            find(WordClass::Amount, "标底为1,236.58万元").as_deref(),
            Some("1,236.58万元")
        );
        assert!(find(WordClass::Amount, "肆佰叁拾陆万贰仟零伍拾元整").is_some());
        assert!(find(WordClass::Amount, "共3个标段").is_none());
        assert!(find(WordClass::Percent, "增长5.8%").is_some());
        assert!(find(WordClass::Mobile, "电话15581181255").is_some());
        assert!(find(WordClass::Mobile, "电话0580-2265510").is_none());
        assert!(find(WordClass::Quote, "作文题为“那一刻，我读懂了”").is_some());
        assert!(find(WordClass::Quote, "简称“双减”").is_none());
        for named in [
            "经考察，韩志刚同志",
            "初步人选马立新，经核查",
            "其子李宏伟曾因诈骗",
        ] {
            assert!(find(WordClass::Name, named).is_some(), "{named}");
        }
        assert!(find(WordClass::Official, "原党组成员、副局长钱某某涉嫌").is_some());
        assert!(find(WordClass::Official, "二级主任科员郑某某涉嫌违规").is_some());
        assert!(find(WordClass::Official, "局长办公会议研究").is_none());
        assert!(find(WordClass::House, "住锦绣花园5栋1单元602室").is_some());
        assert!(find(WordClass::Masked, "经初步核实，郑某某涉嫌").is_some());
        assert!(find(WordClass::Masked, "某某公司").is_none());
        assert!(find(WordClass::House, "共5栋楼").is_none());
        for masked in ["村民张某某反映", "王*强，男", "柳溪镇高新区高度重视"] {
            assert_eq!(find(WordClass::Name, masked), None, "{masked}");
        }
        assert_eq!(WordClass::parse("@nope"), Err("@nope".to_string()));
        assert_eq!(WordClass::parse("标底"), Ok(None));
    }

    #[test]
    fn a_quote_after_a_colon_is_speech_not_a_name() {
        let speech = "领导批示：“此事暂不对外通报。”";
        let at = speech.find("此事").unwrap();
        assert!(!naming_quote(speech, window(speech, at, at + 6, 3)));
        let named = "标注“暂不对外”字样";
        let at = named.find("暂不").unwrap();
        assert!(naming_quote(named, window(named, at, at + 6, 3)));
        assert!(
            naming_quote("x", "“暂不对外”"),
            "not a slice of the text: any quote names"
        );
    }

    #[test]
    fn window_counts_chars_not_bytes() {
        let text = "一二三四五机密六七八九十";
        let start = text.find("机密").unwrap();
        assert_eq!(window(text, start, start + 6, 2), "四五机密六七");
        assert_eq!(window(text, start, start + 6, 50), text);
    }
}
