//! Candidates: every place in the normalized text where an entry *might* hit.
//!
//! Contract: [`CandidateFinder::find`] is one pass of a char-wise
//! multi-pattern automaton (daachorse) over the normalized text (all literal
//! terms plus the search literals of regex entries: see
//! [`super::pattern_proof::search_plan`]), then each regex whose literals
//! fired, in windows around the hits, then one
//! scan for digit runs if a detector entry exists. It reports every match,
//! overlapping ones included; later stages drop what does not hold. Offsets
//! are byte offsets of the normalized text.

use super::lazy_regex::LazyRegex;
use super::lexicon::{Detector, Entry, Matcher, PatternMatcher};
use daachorse::CharwiseDoubleArrayAhoCorasick;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A possible hit of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Index of the entry in the lexicon.
    pub entry: usize,
    pub start: usize,
    pub end: usize,
}

/// What a pattern of the automaton stands for. `u32` indices: a hit
/// dispatches to its targets hundreds of thousands of times on a big
/// document, and 12-byte targets laid out flat keep that walk in cache.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum Target {
    Term(u32),
    /// Prefilter literal of the regex entry with this index.
    Prefilter(u32),
    /// A string of that pattern's k-th other required piece.
    Also(u32, u32),
}

/// A pattern entry, compiled for the search.
#[derive(Serialize, Deserialize)]
struct PatternSearch {
    entry: usize,
    /// Compiled on the first window that needs it.
    regex: LazyRegex,
    /// Where its matches can be, when their length is bounded and the
    /// pattern looks at nothing after a position (start anchors only, no
    /// `$` or word boundaries): windows `lead` before and
    /// `trail` after each hit of the plan's literals (every match contains
    /// one), which give exactly the matches a run over the whole text gives.
    /// Without a plan: the whole text, once a prefilter literal fired.
    window: Option<(usize, usize)>,
    /// How many other required pieces a window must hold (see
    /// [`super::pattern_proof::SearchPlan::also`]).
    also: usize,
}

/// Compiled candidate search for one lexicon.
pub struct CandidateFinder {
    /// Value of each pattern: its slot, whose targets are
    /// `targets[slot_start[slot]..slot_start[slot + 1]]` (a literal may be
    /// both a term and a prefilter, or the prefilter of several patterns).
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    slot_start: Vec<u32>,
    targets: Vec<Target>,
    patterns: Vec<PatternSearch>,
    /// Entry index per detector kind.
    detectors: Vec<(Detector, usize)>,
}

#[derive(Debug, thiserror::Error)]
#[error("the term automaton could not be built: {0}")]
pub struct AutomatonError(String);

impl CandidateFinder {
    pub fn new(entries: &[Entry]) -> Result<Self, AutomatonError> {
        // Literal text → slot in `targets`; the automaton needs each pattern
        // once, a literal may serve several entries.
        let mut slots: HashMap<String, u32> = HashMap::new();
        let mut literals: Vec<(String, u32)> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut add_owned = |literal: String, target: Target| {
            let slot = *slots.entry(literal.clone()).or_insert_with(|| {
                targets.push(Vec::new());
                let slot = (targets.len() - 1) as u32;
                literals.push((literal, slot));
                slot
            });
            targets[slot as usize].push(target);
        };
        let mut patterns = Vec::new();
        let mut detectors = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            match &entry.matcher {
                Matcher::Term(term) => add_owned(term.clone(), Target::Term(index as u32)),
                Matcher::Pattern(pattern) => {
                    let PatternMatcher {
                        regex,
                        prefilter,
                        plan,
                    } = &**pattern;
                    let slot = patterns.len();
                    patterns.push(PatternSearch {
                        entry: index,
                        regex: regex.clone(),
                        window: plan.as_ref().map(|p| (p.lead, p.trail)),
                        also: plan.as_ref().map_or(0, |p| p.also.len()),
                    });
                    match plan {
                        Some(plan) => {
                            for literal in &plan.literals {
                                add_owned(literal.clone(), Target::Prefilter(slot as u32));
                            }
                            for (k, piece) in plan.also.iter().enumerate() {
                                for literal in piece {
                                    add_owned(literal.clone(), Target::Also(slot as u32, k as u32));
                                }
                            }
                        }
                        None => {
                            for literal in prefilter {
                                add_owned(literal.clone(), Target::Prefilter(slot as u32));
                            }
                        }
                    }
                }
                Matcher::Detector(d) => detectors.push((*d, index)),
            }
        }
        // Overlapping search (daachorse's default, standard semantics): the
        // boundary stage may drop the longest candidate, and a shorter one
        // must still be seen. Char-wise because lexicon terms are CJK: one
        // transition per char instead of three per UTF-8 byte.
        let automaton = if literals.is_empty() {
            None
        } else {
            Some(
                CharwiseDoubleArrayAhoCorasick::with_values(literals)
                    .map_err(|e| AutomatonError(e.to_string()))?,
            )
        };
        let mut slot_start = Vec::with_capacity(targets.len() + 1);
        slot_start.push(0);
        for slot in &targets {
            slot_start.push(slot_start.last().copied().unwrap_or(0) + slot.len() as u32);
        }
        Ok(CandidateFinder {
            automaton,
            slot_start,
            targets: targets.into_iter().flatten().collect(),
            patterns,
            detectors,
        })
    }

    /// The finder as bytes for the compiled lexicon cache: everything but
    /// the automaton in postcard, then the automaton in daachorse's own
    /// format (building it is most of an engine's build time).
    pub fn to_bytes(&self) -> Vec<u8> {
        let parts = (
            &self.slot_start,
            &self.targets,
            &self.patterns,
            &self.detectors,
        );
        // Plain data into a Vec: cannot fail.
        let head = postcard::to_stdvec(&parts).unwrap_or_default();
        let mut out = Vec::with_capacity(head.len() + 16);
        out.extend_from_slice(&(head.len() as u64).to_le_bytes());
        out.extend_from_slice(&head);
        match &self.automaton {
            Some(automaton) => {
                out.push(1);
                out.extend_from_slice(&automaton.serialize());
            }
            None => out.push(0),
        }
        out
    }

    /// The finder [`CandidateFinder::to_bytes`] wrote, if `bytes` are that
    /// and nothing else. Only for bytes whose integrity the caller checked
    /// (daachorse checks bounds, not that an automaton is sound).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let len = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?) as usize;
        let head = bytes.get(8..8usize.checked_add(len)?)?;
        type Parts = (
            Vec<u32>,
            Vec<Target>,
            Vec<PatternSearch>,
            Vec<(Detector, usize)>,
        );
        let (slot_start, targets, patterns, detectors): Parts = postcard::from_bytes(head).ok()?;
        // Checksummed bytes of this build, but a slot must still lie
        // inside the targets: `find` indexes them and would panic.
        let sound = slot_start.first() == Some(&0)
            && slot_start.windows(2).all(|w| w[0] <= w[1])
            && slot_start.last().map(|&l| l as usize) == Some(targets.len())
            && targets.iter().all(|t| match *t {
                Target::Term(_) => true,
                Target::Prefilter(p) => (p as usize) < patterns.len(),
                Target::Also(p, k) => patterns
                    .get(p as usize)
                    .is_some_and(|s| (k as usize) < s.also),
            });
        if !sound {
            return None;
        }
        let rest = &bytes[8 + len..];
        let automaton = match rest.split_first()? {
            (0, []) => None,
            (1, tail) => {
                let (automaton, left) = CharwiseDoubleArrayAhoCorasick::deserialize(tail).ok()?;
                if !left.is_empty() {
                    return None;
                }
                Some(automaton)
            }
            _ => return None,
        };
        Some(CandidateFinder {
            automaton,
            slot_start,
            targets,
            patterns,
            detectors,
        })
    }

    /// All candidates in `text`, sorted by (start, end, entry).
    pub fn find(&self, text: &str) -> Vec<Candidate> {
        let mut out = Vec::new();
        // Per pattern: where its prefilter literals occur.
        let mut fired: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.patterns.len()];
        // Per pattern, per other required piece: where its strings start.
        let mut also: Vec<Vec<Vec<usize>>> = self
            .patterns
            .iter()
            .map(|p| vec![Vec::new(); p.also])
            .collect();
        if let Some(automaton) = &self.automaton {
            for m in automaton.find_overlapping_iter(text) {
                let slot = m.value() as usize;
                let (from, to) = (self.slot_start[slot], self.slot_start[slot + 1]);
                for target in &self.targets[from as usize..to as usize] {
                    match *target {
                        Target::Term(entry) => out.push(Candidate {
                            entry: entry as usize,
                            start: m.start(),
                            end: m.end(),
                        }),
                        Target::Prefilter(p) => fired[p as usize].push((m.start(), m.end())),
                        Target::Also(p, k) => also[p as usize][k as usize].push(m.start()),
                    }
                }
            }
        }
        for ((search, hits), also) in self.patterns.iter().zip(&mut fired).zip(&mut also) {
            if hits.is_empty() || also.iter().any(Vec::is_empty) {
                continue;
            }
            for starts in also.iter_mut() {
                starts.sort_unstable();
            }
            let mut keep = |m: regex::Match<'_>| {
                if !m.is_empty() && !glued_to_digits(text, m.start(), m.end()) {
                    out.push(Candidate {
                        entry: search.entry,
                        start: m.start(),
                        end: m.end(),
                    });
                }
            };
            match search.window {
                None => search.regex.get().find_iter(text).for_each(&mut keep),
                Some((lead, trail)) => {
                    hits.sort_unstable();
                    for window in windows(text, hits, lead, trail) {
                        // A window without every other required piece
                        // cannot hold a match.
                        let holds = |starts: &Vec<usize>| {
                            let first = starts.partition_point(|&s| s < window.start);
                            starts.get(first).is_some_and(|&s| s < window.end)
                        };
                        if !also.iter().all(holds) {
                            continue;
                        }
                        find_in_window(search.regex.get(), text, window, &mut keep);
                    }
                }
            }
        }
        if !self.detectors.is_empty() {
            for run in digit_runs(text, 11) {
                let digits = text[run.clone()]
                    .bytes()
                    .filter(u8::is_ascii_alphanumeric)
                    .count();
                for &(detector, entry) in &self.detectors {
                    let (start, plausible) = match detector {
                        Detector::ResidentId => (run.start, digits == 18),
                        Detector::BankCard => (run.start, (16..=19).contains(&digits)),
                        // `8613812345678`: the country code glued to a mobile.
                        Detector::Mobile if digits == 13 && text[run.clone()].starts_with("86") => {
                            (run.start + 2, true)
                        }
                        Detector::Mobile => (run.start, digits == 11),
                    };
                    if plausible {
                        out.push(Candidate {
                            entry,
                            start,
                            end: run.end,
                        });
                    } else if detector == Detector::ResidentId
                        && (19..=20).contains(&digits)
                        && run.len() == digits
                    {
                        // A certificate number made of an ID and one or two
                        // more digits (残疾证号 = ID + 2): the ID is its
                        // start. Decide asks for a certificate word near.
                        out.push(Candidate {
                            entry,
                            start,
                            end: run.start + 18,
                        });
                    }
                }
            }
        }
        out.sort_by_key(|c| (c.start, c.end, c.entry));
        out
    }
}

/// The merged windows `[hit.start - lead, hit.end + trail]` around the
/// sorted hits, on char boundaries.
fn windows(
    text: &str,
    hits: &[(usize, usize)],
    lead: usize,
    trail: usize,
) -> Vec<std::ops::Range<usize>> {
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |mut i: usize| {
        while i < text.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for &(s, e) in hits {
        let from = floor(s.saturating_sub(lead));
        let to = ceil((e + trail).min(text.len()));
        match out.last_mut() {
            Some(last) if from <= last.end => last.end = last.end.max(to),
            _ => out.push(from..to),
        }
    }
    out
}

/// The leftmost-first, non-overlapping matches of `regex` that lie in
/// `window`, as a run over the whole text finds them there: every match
/// holds a hit at most `lead` after its start and `trail` before its end,
/// so none crosses a window's edge or starts between windows.
fn find_in_window(
    regex: &regex::Regex,
    text: &str,
    window: std::ops::Range<usize>,
    keep: &mut impl FnMut(regex::Match<'_>),
) {
    // The haystack ends at the window: the patterns windowed have no end
    // anchors or word boundaries, so nothing in them can see that the text
    // was cut; a start anchor sees the whole text before `at`.
    let haystack = &text[..window.end];
    let mut at = window.start;
    while at <= window.end {
        let Some(m) = regex.find_at(haystack, at) else {
            break;
        };
        keep(m);
        at = if m.end() > m.start() {
            m.end()
        } else {
            m.end() + haystack[m.end()..].chars().next().map_or(1, char::len_utf8)
        };
    }
}

/// A pattern match that starts or ends with a digit glued to another digit
/// (or a `.` before it) is part of a longer number: `110.192.168.1.1` holds
/// no private address. This replaces `\b`, which is slow on CJK text.
fn glued_to_digits(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let starts_digit = b[start].is_ascii_digit();
    let ends_digit = b[end - 1].is_ascii_digit();
    (starts_digit && start > 0 && (b[start - 1].is_ascii_digit() || b[start - 1] == b'.'))
        || (ends_digit && end < b.len() && b[end].is_ascii_digit())
}

/// Runs of ASCII digits that may be one number: a maximal run of at least
/// `min_len` digits (an 18th-place `x` included), or digit groups joined by
/// single spaces or hyphens (`138-1234-5678`, `6217 0000 1000 2345 679`,
/// `410725 19850930 4524`) when every group has 3–8 digits and the total is
/// a length some detector takes (11, 16–19). A run glued to ASCII letters or
/// to a longer number (`a1381234…`, `0.1381234…`) is not a number of its own.
pub fn digit_runs(text: &str, min_len: usize) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let mut runs = Vec::new();
    // Groups of the current run: (start, end); reused, no allocation per run.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match next_digit(b, i) {
            Some(p) => i = p,
            None => break,
        }
        let start = i;
        let glued_before =
            start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'.');
        groups.clear();
        let mut digits = 0;
        loop {
            let g = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            digits += i - g;
            // An ID's check char `x` ends a group of 17 digits
            // (`王某5 11010119500106105x` is a 1-digit group and an 18-char
            // one) or a grouped run of 17 (`110105 19491231 002x`).
            if (i - g == 17 || digits == 17) && i < b.len() && b[i] == b'x' {
                i += 1;
                digits += 1;
            }
            groups.push((g, i));
            let joined =
                i + 1 < b.len() && (b[i] == b' ' || b[i] == b'-') && b[i + 1].is_ascii_digit();
            if !joined {
                break;
            }
            i += 1;
        }
        let end = i;
        let glued_after = end < b.len() && b[end].is_ascii_alphanumeric();
        // A run glued to letters or a longer number at one end loses that
        // end's group, not the whole run: `201.60 6217 0000 1000 2345 679`
        // in an aligned table still holds a card number.
        let first = usize::from(glued_before);
        let last = groups.len() - usize::from(glued_after && groups.len() > first);
        // Groups `a..z` as one grouped number: two groups or more of 3–8
        // digits each, as many digits in all as some detector takes.
        let grouped = |a: usize, z: usize| {
            let parts = &groups[a..z];
            let digits: usize = parts.iter().map(|(s, e)| e - s).sum();
            parts.len() > 1
                && parts.iter().all(|(s, e)| (3..=8).contains(&(e - s)))
                && (digits == 11 || (16..=19).contains(&digits))
        };
        // From the left, the longest grouped number at each group, else the
        // group alone when it is long enough: a column before the number
        // (an age of 80 in a space-aligned table, where normalization left
        // one space) no longer hides `320923 19450218 0424` after it.
        let mut a = first;
        while a < last {
            match (a + 2..=last).rev().find(|&z| grouped(a, z)) {
                Some(z) => {
                    runs.push(groups[a].0..groups[z - 1].1);
                    a = z;
                }
                None => {
                    let (s, e) = groups[a];
                    if e - s >= min_len {
                        runs.push(s..e);
                    }
                    a += 1;
                }
            }
        }
    }
    runs
}

/// The index of the first ASCII digit at or after `from`. Portal text is
/// mostly CJK, with a digit every few hundred bytes: this looks at eight
/// bytes at a time (a byte `b` is a digit when `b ^ 0x30 < 10` with its high
/// bit clear; the classic "has a byte less than n" test flags it, and the
/// lowest flagged byte is exact, borrows only reach the bytes above it).
fn next_digit(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * 0x30);
        let flagged = x.wrapping_sub(ONES * 10) & !x & HIGH;
        if flagged != 0 {
            return Some(i + (flagged.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(u8::is_ascii_digit)
        .map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_digit_finds_what_a_byte_loop_finds() {
        // Every byte value at every offset of a chunk, among CJK and
        // digit-neighbouring bytes (`/` and `:` sit either side of 0-9).
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for value in 0..=255u8 {
            for at in 0..17 {
                let mut t = "保密审查工作/:".repeat(2).into_bytes();
                t.truncate(24);
                if at < t.len() {
                    t[at] = value;
                }
                texts.push(t);
            }
        }
        texts.push("公开12345，第3条".as_bytes().to_vec());
        texts.push(Vec::new());
        for t in &texts {
            for from in 0..=t.len() {
                let want = t[from..]
                    .iter()
                    .position(u8::is_ascii_digit)
                    .map(|p| from + p);
                assert_eq!(next_digit(t, from), want, "{t:?} from {from}");
            }
        }
    }

    #[test]
    fn digit_runs_are_maximal_and_not_glued() {
        let text =
            "身份证11010519491231002x，电话13812345678，key a13812345678 和 0.13812345678 及 \
                    138123456789，138-1234-5678，6217 0000 1000 2345 679，0371 12345678，\
                    王某5 11010119500106105x 300，110105 19491231 002x，\
                    80 320923 19450218 0424，201.60 6217 0000 1000 2345 679，v2 13812345678";
        let runs: Vec<&str> = digit_runs(text, 11).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            runs,
            vec![
                "11010519491231002x",
                "13812345678",
                "138123456789",
                "138-1234-5678",
                "6217 0000 1000 2345 679",
                "11010119500106105x",
                "110105 19491231 002x",
                "320923 19450218 0424",
                "6217 0000 1000 2345 679",
                "13812345678",
            ]
        );
    }
}

#[cfg(test)]
mod windowed {
    use super::*;
    use crate::engine::html::{extract_html, looks_like_html};
    use crate::engine::lexicon::Lexicon;
    use crate::engine::normalize::normalize;

    /// The search before windows: every fired pattern over the whole text.
    fn reference(finder: &CandidateFinder, text: &str) -> Vec<Candidate> {
        let mut with = finder.find(text);
        with.retain(|c| !finder.patterns.iter().any(|p| p.entry == c.entry));
        for search in &finder.patterns {
            with.extend(
                search
                    .regex
                    .get()
                    .find_iter(text)
                    .filter(|m| !m.is_empty() && !glued_to_digits(text, m.start(), m.end()))
                    .map(|m| Candidate {
                        entry: search.entry,
                        start: m.start(),
                        end: m.end(),
                    }),
            );
        }
        with.sort_by_key(|c| (c.start, c.end, c.entry));
        with
    }

    /// A pattern without a plan runs over the whole text whenever one of
    /// its prefilter literals occurs; on a one-char literal (`题`) that is
    /// every page, 18 ms per 8 MB. Such a pattern must be bounded (no `$`,
    /// word boundary or unbounded repeat) so it gets windows, or name a
    /// longer literal.
    #[test]
    fn no_bundled_pattern_runs_over_the_whole_text_on_a_one_char_literal() {
        let lexicon = Lexicon::embedded().unwrap();
        let unplanned: Vec<&str> = lexicon
            .entries
            .iter()
            .filter(|e| match &e.matcher {
                Matcher::Pattern(p) => {
                    p.plan.is_none() && p.prefilter.iter().any(|l| l.chars().count() < 2)
                }
                _ => false,
            })
            .map(|e| e.id.as_str())
            .collect();
        assert!(unplanned.is_empty(), "{unplanned:?}");
    }

    /// The windowed search finds exactly what a whole-text run finds, on
    /// every text of the corpus and on texts made of pattern pieces packed
    /// close together (matches at window edges, overlapping windows).
    #[test]
    fn windows_find_what_the_whole_text_finds() {
        let lexicon = Lexicon::embedded().unwrap();
        let finder = CandidateFinder::new(&lexicon.entries).unwrap();
        assert!(
            finder
                .patterns
                .iter()
                .filter(|p| p.window.is_some())
                .count()
                > 100
        );
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
        let mut texts = Vec::new();
        for dir in ["public", "public2", "leaks", "twins", "leaks-c", "twins-c"] {
            let Ok(files) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for file in files {
                let raw = std::fs::read_to_string(file.unwrap().path()).unwrap_or_default();
                let extracted = if looks_like_html(&raw) {
                    extract_html(&raw).text
                } else {
                    raw
                };
                texts.push(normalize(&extracted).text);
            }
        }
        assert!(texts.len() > 500, "{}", texts.len());
        // Packed pieces: every example of every pattern entry, back to back.
        let examples: Vec<String> = lexicon
            .entries
            .iter()
            .filter(|e| matches!(e.matcher, Matcher::Pattern { .. }))
            .flat_map(|e| e.examples.hit.iter().chain(&e.examples.miss))
            .map(|t| normalize(t).text)
            .collect();
        for join in ["", "。", "\n", "不"] {
            texts.push(examples.join(join));
        }
        for text in &texts {
            let mut got = finder.find(text);
            got.sort_by_key(|c| (c.start, c.end, c.entry));
            let want = reference(&finder, text);
            let differ: Vec<String> = got
                .iter()
                .filter(|c| !want.contains(c))
                .chain(want.iter().filter(|c| !got.contains(c)))
                .map(|c| {
                    format!(
                        "{} {:?}",
                        lexicon.entries[c.entry].id,
                        &text[c.start..c.end]
                    )
                })
                .collect();
            assert!(differ.is_empty(), "differ: {differ:?}");
        }
    }
}
