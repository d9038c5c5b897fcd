//! Normalization: turns text into the canonical form that lexicon entries are
//! compiled in, and keeps an [`OffsetMap`] back to the input.
//!
//! What it does, char by char:
//! - full-width ASCII to half-width, ASCII letters to lower case;
//! - traditional to simplified, Kangxi radicals and compatibility ideographs to
//!   unified ideographs (table in `normalize_fold.tsv`);
//! - zero-width, bidi and other control characters are dropped;
//! - ★ look-alikes (☆ ※ ✩ ✭ ⭐ …) read as `★`; `*` and `＊` read as `★` too,
//!   except between two ideographs, where they are noise (`机*密`);
//! - bracket families (`〔〕【】［］（）`) read as `(` `)`, CJK quotes as `“` `”`;
//! - noise (spaces, U+3000, line breaks, `· - _` and dashes) is dropped when it
//!   stands between two "dense" chars (ideograph, `★`, digit; but not between
//!   two digits, so separate numbers stay separate). Elsewhere a noise run is
//!   kept as one char: itself when the run repeats one char, else `\n` if it
//!   held a line break, else a space. This is what makes `机 密`, `机\n密` (one char per line
//!   after PDF extraction) and `机_密` read as `机密`;
//! - Chinese numerals right after `★` or `密` are read as digits when a
//!   period unit follows (`★一年` → `★1年`, `★十二个月` → `★12个月`).
//!
//! Invariant: every normalized char maps to a non-empty byte range of the
//! input that lies on char boundaries, and the ranges never go backwards.
//! Normalizing a string twice gives the same result as normalizing it once.

use super::offsets::OffsetMap;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Normalized text and the map back to the text it was made from.
#[derive(Debug, Clone)]
pub struct Normalized {
    pub text: String,
    pub map: OffsetMap,
}

/// Normalizes `input` (see the module docs for what that means).
pub fn normalize(input: &str) -> Normalized {
    Normalizer::new(input).run()
}

/// Normalizes a lexicon term or phrase: the same transform as [`normalize`],
/// trimmed, without the map.
pub fn normalize_term(term: &str) -> String {
    normalize(term).text.trim().to_string()
}

/// How a char takes part in noise handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Star,
    Digit,
    Other,
}

impl Class {
    fn is_dense(self) -> bool {
        matches!(self, Class::Han | Class::Star | Class::Digit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fold {
    /// Invisible: contributes nothing.
    Drop,
    /// Noise, with the char it reads as when it is kept.
    Noise(char),
    /// `*` or `＊`: noise between ideographs, `★` elsewhere.
    SoftStar,
    /// Punctuation that prose never puts between two ideographs but filler
    /// does (`机@密`, `机.密`, `机/密`): noise between ideographs, itself
    /// elsewhere (`192.168.1.1`, `a@b.cn`, `1/2`).
    SoftPunct(char),
    /// A char that is always kept.
    Keep(char, Class),
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F | 0x3007)
}

fn fold_table() -> &'static FoldTable {
    static TABLE: OnceLock<FoldTable> = OnceLock::new();
    TABLE.get_or_init(FoldTable::load)
}

/// Dense array for the BMP ideograph block (one indexed load per char on the
/// hot path), a map for the rest; a HashMap alone cost ~20 ns per char.
struct FoldTable {
    bmp: Vec<char>,
    other: HashMap<char, char>,
}

const BMP_LO: u32 = 0x2E80;
const BMP_HI: u32 = 0xFAFF;

impl FoldTable {
    fn load() -> Self {
        let mut bmp = vec!['\0'; (BMP_HI - BMP_LO + 1) as usize];
        let mut other = HashMap::new();
        for line in include_str!("normalize_fold.tsv").lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(from), Some(to)) = (parts.next(), parts.next()) else {
                continue;
            };
            let (Some(from), Some(to)) = (from.chars().next(), to.chars().next()) else {
                continue;
            };
            let code = from as u32;
            if (BMP_LO..=BMP_HI).contains(&code) {
                bmp[(code - BMP_LO) as usize] = to;
            } else {
                other.insert(from, to);
            }
        }
        FoldTable { bmp, other }
    }

    /// Whether a BMP ideograph folds to something else (the hot path of
    /// normalization: one bounds-checked load, no map).
    #[inline(always)]
    fn folds_bmp(&self, c: char) -> bool {
        self.bmp
            .get((c as u32).wrapping_sub(BMP_LO) as usize)
            .is_some_and(|&to| to != '\0')
    }

    #[inline]
    fn get(&self, c: char) -> Option<char> {
        let code = c as u32;
        if (BMP_LO..=BMP_HI).contains(&code) {
            let to = self.bmp[(code - BMP_LO) as usize];
            (to != '\0').then_some(to)
        } else if code >= 0x20000 {
            self.other.get(&c).copied()
        } else {
            None
        }
    }
}

#[inline]
fn fold(c: char) -> Fold {
    if c.is_ascii() {
        return fold_ascii(c);
    }
    let code = c as u32;
    match code {
        // Full-width ASCII variants.
        0xFF01..=0xFF5E => fold_ascii(char::from_u32(code - 0xFEE0).unwrap_or(c)),
        0x3000 | 0x00A0 | 0x2000..=0x200A | 0x202F | 0x205F => Fold::Noise(' '),
        0x2028 | 0x2029 | 0x0085 => Fold::Noise('\n'),
        0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x2069
        | 0xFEFF
        | 0x00AD
        | 0x180E
        | 0x034F
        | 0xFE00..=0xFE0F => Fold::Drop,
        0x0080..=0x009F => Fold::Drop,
        // ★ and its look-alikes.
        0x2605
        | 0x2606
        | 0x203B
        | 0x2726
        | 0x2727
        | 0x2729..=0x2730
        | 0x2B50
        | 0x22C6
        | 0x2BEA
        | 0x2BEB => Fold::Keep('★', Class::Star),
        // Asterisk look-alikes behave like `*`.
        0x2217 | 0xFE61 | 0x204E | 0x2731 | 0x2732 => Fold::SoftStar,
        // Middle dots and bullets.
        0x00B7 | 0x30FB | 0x2027 | 0x2022 | 0x2219 | 0xFF65 | 0x2024 => Fold::Noise('·'),
        // Dashes.
        0x2010..=0x2015 | 0x2212 | 0xFE58 | 0xFE63 => Fold::Noise('-'),
        0x3014 | 0x3010 | 0x3016 | 0x3018 | 0x301A | 0xFF5F => Fold::Keep('(', Class::Other),
        0x3015 | 0x3011 | 0x3017 | 0x3019 | 0x301B | 0xFF60 => Fold::Keep(')', Class::Other),
        0x300C | 0x300E | 0x2018 | 0x201C | 0x301D | 0xFE41 | 0xFE43 => {
            Fold::Keep('“', Class::Other)
        }
        0x300D | 0x300F | 0x2019 | 0x201D | 0x301E | 0x301F | 0xFE42 | 0xFE44 => {
            Fold::Keep('”', Class::Other)
        }
        _ => {
            let c = fold_table().get(c).unwrap_or(c);
            if is_han(c) {
                Fold::Keep(c, Class::Han)
            } else {
                Fold::Keep(c, Class::Other)
            }
        }
    }
}

#[inline]
fn fold_ascii(c: char) -> Fold {
    match c {
        'A'..='Z' => Fold::Keep(c.to_ascii_lowercase(), Class::Other),
        '0'..='9' => Fold::Keep(c, Class::Digit),
        ' ' | '\t' | '\r' | '\x0B' | '\x0C' => Fold::Noise(' '),
        '\n' => Fold::Noise('\n'),
        '-' | '_' => Fold::Noise(c),
        '*' => Fold::SoftStar,
        '@' | '.' | '/' | '\\' | '|' | '~' | '^' | '+' | '=' | '#' | '$' | '%' | '&' | '`'
        | '<' | '>' => Fold::SoftPunct(c),
        '[' => Fold::Keep('(', Class::Other),
        ']' => Fold::Keep(')', Class::Other),
        '\0'..='\x08' | '\x0E'..='\x1F' | '\x7F' => Fold::Drop,
        _ => Fold::Keep(c, Class::Other),
    }
}

#[inline]
fn is_soft_punct(c: char) -> bool {
    matches!(
        c,
        '@' | '.'
            | '/'
            | '\\'
            | '|'
            | '~'
            | '^'
            | '+'
            | '='
            | '#'
            | '$'
            | '%'
            | '&'
            | '`'
            | '<'
            | '>'
    )
}

/// The class of a char that normalization keeps exactly as it is, with no
/// effect on its neighbours; `None` for everything else (the slow path).
#[inline]
fn plain_class(c: char) -> Option<Class> {
    match c {
        'a'..='z' => Some(Class::Other),
        '0'..='9' => Some(Class::Digit),
        '!'..='~' if !matches!(c, '*' | '-' | '_' | '[' | ']' | 'A'..='Z') && !is_soft_punct(c) => {
            Some(Class::Other)
        }
        '\u{3001}' | '\u{3002}' | '\u{300A}' | '\u{300B}' | '\u{2026}' | '\u{201C}'
        | '\u{201D}' => Some(Class::Other),
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' if !fold_table().folds_bmp(c) => {
            Some(Class::Han)
        }
        _ => None,
    }
}

/// [`plain_class`] for every char of the Basic Multilingual Plane, one bit
/// each (8 KB): the hot loop below asks it once per char, and one indexed
/// load is cheaper than the match and the fold-table lookup behind it.
fn plain_bmp() -> &'static [u64; 1024] {
    static BITS: OnceLock<Box<[u64; 1024]>> = OnceLock::new();
    BITS.get_or_init(|| {
        let mut bits = Box::new([0u64; 1024]);
        for code in 0..0x1_0000u32 {
            if char::from_u32(code).is_some_and(|c| plain_class(c).is_some()) {
                bits[(code >> 6) as usize] |= 1 << (code & 63);
            }
        }
        bits
    })
}

/// The end of the run of plain chars starting at `start` (`start` itself if
/// there is none). The run stops after a `密`, because a numeral period may
/// follow it (`秘密一年`), which the slow path reads. This loop is where
/// normalization spends its time on real text, so it decodes the common
/// 1- and 3-byte UTF-8 forms by hand.
#[inline]
fn plain_run_end(input: &str, start: usize) -> usize {
    let bytes = input.as_bytes();
    let plain = plain_bmp();
    let mut j = start;
    while j < bytes.len() {
        let b = bytes[j];
        let (code, width) = if b < 0x80 {
            (u32::from(b), 1)
        } else if (0xE0..0xF0).contains(&b) && j + 2 < bytes.len() {
            let code = (u32::from(b & 0x0F) << 12)
                | (u32::from(bytes[j + 1] & 0x3F) << 6)
                | u32::from(bytes[j + 2] & 0x3F);
            (code, 3)
        } else {
            break;
        };
        // Surrogate codes are no chars: their bits are clear.
        if plain[(code >> 6) as usize] >> (code & 63) & 1 == 0 {
            break;
        }
        j += width;
        if code == '密' as u32 {
            break;
        }
    }
    j
}

fn numeral_value(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => 10,
        _ => return None,
    })
}

/// One char of a noise run, in order.
#[derive(Debug, Clone, Copy)]
struct NoiseChar {
    start: usize,
    end: usize,
    kind: NoiseKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoiseKind {
    /// Space, line break, dash…: reads as this char when kept.
    Plain(char),
    /// `*`: a mask or a star.
    SoftStar,
    /// `@ . /`…: filler between ideographs, itself elsewhere.
    SoftPunct(char),
}

/// A run of noise chars waiting for the next kept char to decide its fate.
#[derive(Default)]
struct PendingNoise {
    chars: Vec<NoiseChar>,
}

struct Normalizer<'a> {
    input: &'a str,
    out: String,
    map: OffsetMap,
    last_class: Option<Class>,
    last_char: char,
    pending: Option<PendingNoise>,
    /// Inside a period written in numerals after a level (`★二〇三〇年十二月
    /// 三十一日`): after its 年 or 月, another numeral run is read as digits.
    date_chain: bool,
}

impl<'a> Normalizer<'a> {
    fn new(input: &'a str) -> Self {
        Normalizer {
            input,
            out: String::with_capacity(input.len()),
            map: OffsetMap::with_capacity(64),
            last_class: None,
            last_char: '\0',
            pending: None,
            date_chain: false,
        }
    }

    fn run(mut self) -> Normalized {
        let input = self.input;
        let bytes = input.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // After ★ or 密, and inside a period, the slow path must look
            // for numerals.
            if self.pending.is_none()
                && self.last_char != '★'
                && self.last_char != '密'
                && !self.date_chain
            {
                let run_end = plain_run_end(input, i);
                if run_end > i {
                    self.map.push_verbatim(self.out.len(), i..run_end);
                    self.out.push_str(&input[i..run_end]);
                    let last = input[..run_end].chars().next_back().expect("non-empty run");
                    self.last_class = Some(plain_class(last).expect("run chars are plain"));
                    self.last_char = last;
                    i = run_end;
                    continue;
                }
            }
            let b = bytes[i];
            let (c, end) = if b < 0x80 {
                (b as char, i + 1)
            } else {
                let c = input[i..].chars().next().expect("i is on a char boundary");
                (c, i + c.len_utf8())
            };
            match fold(c) {
                Fold::Drop => {}
                Fold::Noise(as_char) => self.push_noise(i, end, NoiseKind::Plain(as_char)),
                Fold::SoftStar => self.push_noise(i, end, NoiseKind::SoftStar),
                Fold::SoftPunct(c) => self.push_noise(i, end, NoiseKind::SoftPunct(c)),
                Fold::Keep(ch, class) => {
                    if self.pending.is_some() {
                        self.flush_pending(Some(class));
                    }
                    let in_date = self.date_chain && matches!(self.last_char, '年' | '月');
                    if (self.last_char == '★' || self.last_char == '密' || in_date)
                        && numeral_value(ch).is_some()
                    {
                        if let Some(next) = self.convert_numerals(i, in_date) {
                            i = next;
                            continue;
                        }
                    }
                    // A period's digits and units continue the chain; any
                    // other char ends it.
                    self.date_chain = match ch {
                        '0'..='9' => self.date_chain || self.last_char == '★',
                        '年' | '月' | '个' | '日' => self.date_chain,
                        _ => false,
                    };
                    if ch == c {
                        self.map.push_verbatim(self.out.len(), i..end);
                        self.out.push_str(&input[i..end]);
                        self.last_class = Some(class);
                        self.last_char = ch;
                    } else {
                        self.emit(ch, class, i, end);
                    }
                }
            }
            i = end;
        }
        self.flush_pending(None);
        Normalized {
            text: self.out,
            map: self.map,
        }
    }

    #[inline]
    fn emit(&mut self, ch: char, class: Class, start: usize, end: usize) {
        self.map.push(self.out.len(), start..end);
        self.out.push(ch);
        self.last_class = Some(class);
        self.last_char = ch;
    }

    fn push_noise(&mut self, start: usize, end: usize, kind: NoiseKind) {
        self.pending
            .get_or_insert_with(PendingNoise::default)
            .chars
            .push(NoiseChar { start, end, kind });
    }

    fn flush_pending(&mut self, next: Option<Class>) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let between_han = self.last_class == Some(Class::Han) && next == Some(Class::Han);
        let chars = &pending.chars;
        if chars.iter().any(|c| c.kind == NoiseKind::SoftStar) {
            // `机*密`: a mask between ideographs is noise. Elsewhere it is a
            // star (`机密*1年`) or a mask of digits (`138****5678`), and both
            // read as ★ so that masked numbers never look like whole ones.
            if between_han {
                return;
            }
            for c in chars.iter().filter(|c| c.kind == NoiseKind::SoftStar) {
                self.emit('★', Class::Star, c.start, c.end);
            }
            self.date_chain = false;
            return;
        }
        if between_han {
            // Spaces, line breaks and filler between two ideographs: the
            // reader sees one word (`机 密`, `机\n密`, `机@密`).
            return;
        }
        // Elsewhere filler punctuation is itself, and the plain noise on
        // either side of it is judged on its own.
        let mut run_start = 0;
        for (i, c) in chars.iter().enumerate() {
            if let NoiseKind::SoftPunct(p) = c.kind {
                self.flush_plain(&chars[run_start..i], Some(Class::Other));
                self.emit(p, Class::Other, c.start, c.end);
                run_start = i + 1;
            }
        }
        self.flush_plain(&chars[run_start..], next);
    }

    /// A run of plain noise between the last kept char and `next`: dropped
    /// between two dense chars (not between two digits), else kept as one
    /// char (itself when the run repeats one char, else `\n` if it held a
    /// line break, else a space).
    fn flush_plain(&mut self, run: &[NoiseChar], next: Option<Class>) {
        if run.is_empty() {
            return;
        }
        let droppable = match (self.last_class, next) {
            (Some(Class::Digit), Some(Class::Digit)) => false,
            (Some(p), Some(n)) => p.is_dense() && n.is_dense(),
            _ => false,
        };
        if droppable {
            return;
        }
        let as_char = |c: &NoiseChar| match c.kind {
            NoiseKind::Plain(ch) => ch,
            _ => ' ',
        };
        let first = as_char(&run[0]);
        let kept = if run.iter().all(|c| as_char(c) == first) {
            // One char, or a run of the same (`-----BEGIN`): keep one.
            first
        } else if run.iter().any(|c| as_char(c) == '\n') {
            '\n'
        } else {
            ' '
        };
        self.map
            .push(self.out.len(), run[0].start..run[run.len() - 1].end);
        self.out.push(kept);
        self.last_class = Some(Class::Other);
        self.last_char = kept;
        self.date_chain = false;
    }

    /// Reads a Chinese numeral run at `start` followed by a period unit
    /// (年, 个月, 月), skipping noise inside; emits it as digits mapped to the
    /// whole run. Returns where reading goes on, or `None` if it is not one.
    fn convert_numerals(&mut self, start: usize, in_date: bool) -> Option<usize> {
        let input = self.input;
        let mut values = Vec::new();
        let mut pos = start;
        let mut run_end = start;
        let mut unit_found = false;
        while pos < input.len() {
            let c = input[pos..].chars().next()?;
            let next = pos + c.len_utf8();
            match fold(c) {
                // A `*` between numerals is noise like any `*` between
                // ideographs (`一*六个月`); reading it as the end of the run
                // made normalization not idempotent (found by proptest).
                Fold::Drop | Fold::Noise(_) | Fold::SoftStar | Fold::SoftPunct(_) => {}
                Fold::Keep(ch, _) => {
                    if let Some(v) = numeral_value(ch) {
                        values.push(v);
                        run_end = next;
                    } else {
                        unit_found = matches!(ch, '年' | '个' | '月') || (in_date && ch == '日');
                        break;
                    }
                }
            }
            pos = next;
            if values.len() > 8 {
                return None;
            }
        }
        if !unit_found || values.is_empty() {
            return None;
        }
        let digits = if let Some(ten) = values.iter().position(|&v| v == 10) {
            let tens = if ten == 0 {
                1
            } else {
                values[..ten].iter().fold(0, |acc, v| acc * 10 + v)
            };
            let units = values[ten + 1..]
                .iter()
                .filter(|&&v| v < 10)
                .fold(0, |acc, v| acc * 10 + v);
            (tens * 10 + units).to_string()
        } else {
            values.iter().map(|v| v.to_string()).collect()
        };
        for d in digits.chars() {
            self.map.push(self.out.len(), start..run_end);
            self.out.push(d);
        }
        self.last_class = Some(Class::Digit);
        self.last_char = digits.chars().last().unwrap_or('0');
        self.date_chain = true;
        Some(run_end)
    }
}

#[cfg(test)]
mod tests;
