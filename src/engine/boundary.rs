//! Boundary confirmation: does a candidate stand as a word of its clause?
//!
//! Contract: [`BoundaryChecker::confirm_boundaries`] segments (with jieba) only
//! the clause around a candidate, at most [`CLAUSE_LIMIT`] chars on either
//! side and never past a clause delimiter, and keeps the candidate when both
//! its start and its end fall on token boundaries. Segmentation only confirms
//! or drops: a term that jieba splits into several tokens (`内部`/`资料`) is
//! still confirmed, because only its outer edges are checked. Each clause is
//! segmented at most once per document.

use jieba_rs::Jieba;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// How far (in chars) a clause reaches on either side of a candidate.
pub const CLAUSE_LIMIT: usize = 24;

/// The jieba segmenter with its bundled dictionary, loaded once per process
/// (about 100 ms) and shared by every engine built after it, so a lexicon
/// reload does not pay for it again.
pub fn shared_jieba() -> Arc<Jieba> {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA.get_or_init(|| Arc::new(Jieba::new())).clone()
}

/// [`shared_jieba`], then one part-of-speech tagging, which makes jieba
/// parse its tagger's model (another ~25 ms, paid on the first `@name`).
/// For a background thread at a process's start: the scan that needs
/// either then finds it ready instead of loading it on its own path.
pub fn warm_jieba() {
    let jieba = shared_jieba();
    std::hint::black_box(jieba.tag("王明同志", true));
}

/// jieba for one engine, loaded when a document first needs it: most
/// documents have no candidate that asks for a word boundary or a name,
/// and they should not wait for the dictionary at a process's start (in
/// `baomi scan DIR` every worker waited for it on its first file).
#[derive(Clone, Copy)]
pub struct Segmenter<'a> {
    cell: &'a OnceLock<Arc<Jieba>>,
}

impl<'a> Segmenter<'a> {
    pub fn new(cell: &'a OnceLock<Arc<Jieba>>) -> Self {
        Segmenter { cell }
    }

    /// The segmenter, loaded (or waited for) on first use.
    pub fn get(self) -> &'a Jieba {
        self.cell.get_or_init(shared_jieba)
    }
}

fn is_clause_delimiter(c: char) -> bool {
    matches!(
        c,
        '\n' | '。'
            | '，'
            | ','
            | '；'
            | ';'
            | '！'
            | '!'
            | '？'
            | '?'
            | '、'
            | ':'
            | '“'
            | '”'
            | '"'
            | '('
            | ')'
            | '《'
            | '》'
            | ' '
            | '…'
    )
}

/// Per-document boundary checks with a cache of segmented clauses.
pub struct BoundaryChecker<'a> {
    jieba: Segmenter<'a>,
    text: &'a str,
    /// Clause start → token boundaries (byte offsets in the text).
    cache: HashMap<(usize, usize), Vec<usize>>,
}

impl<'a> BoundaryChecker<'a> {
    pub fn new(jieba: Segmenter<'a>, text: &'a str) -> Self {
        BoundaryChecker {
            jieba,
            text,
            cache: HashMap::new(),
        }
    }

    /// The segmenter, for context classes that need it (`@name`).
    pub fn jieba(&self) -> Segmenter<'a> {
        self.jieba
    }

    /// Whether `start..end` of the text begins and ends on word boundaries.
    pub fn confirm_boundaries(&mut self, start: usize, end: usize) -> bool {
        let clause = self.clause_around(start, end);
        let jieba = self.jieba;
        let text = self.text;
        // Only a clause not segmented yet loads the segmenter.
        let boundaries = self
            .cache
            .entry((clause.start, clause.end))
            .or_insert_with(|| {
                let mut cuts = vec![clause.start];
                for token in jieba.get().cut(&text[clause.clone()], true) {
                    cuts.push(clause.start + token.byte_end);
                }
                cuts
            });
        boundaries.binary_search(&start).is_ok() && boundaries.binary_search(&end).is_ok()
    }

    fn clause_around(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let before = &self.text[..start];
        let mut clause_start = start;
        for (taken, (i, c)) in before.char_indices().rev().enumerate() {
            if taken >= CLAUSE_LIMIT || is_clause_delimiter(c) {
                break;
            }
            clause_start = i;
        }
        let mut clause_end = end;
        for (taken, (i, c)) in self.text[end..].char_indices().enumerate() {
            if taken >= CLAUSE_LIMIT || is_clause_delimiter(c) {
                break;
            }
            clause_end = end + i + c.len_utf8();
        }
        clause_start..clause_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirms_words_and_drops_parts_of_words() {
        let jieba = shared_jieba();
        let cell = OnceLock::from(jieba.clone());
        for (text, term, want) in [
            ("结婚的和尚未结婚的", "和尚", false),
            ("都设置了开机密码", "机密", false),
            ("此文件为机密，不得复印", "机密", true),
            ("本单位的内部资料要妥善保管", "内部资料", true),
        ] {
            let start = text.find(term).unwrap();
            let mut checker = BoundaryChecker::new(Segmenter::new(&cell), text);
            assert_eq!(
                checker.confirm_boundaries(start, start + term.len()),
                want,
                "{term} in {text}: {:?}",
                jieba
                    .cut(text, true)
                    .iter()
                    .map(|t| t.word)
                    .collect::<Vec<_>>()
            );
        }
    }
}
