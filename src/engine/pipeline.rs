//! The pipeline: [`EngineBuilder`] compiles a lexicon once; [`Engine::scan`]
//! runs one document through every stage. See the module docs of
//! [`crate::engine`] for the contract.

use super::boundary::{BoundaryChecker, Segmenter};
use super::bulk::{raise_to_bulk, BulkScope, Counted};
use super::candidates::{AutomatonError, CandidateFinder};
use super::cap::{cap, Listed, MAX_FINDINGS};
use super::context::window;
use super::decide::{decide, DocumentView, Hit};
use super::document::{Cancel, Document, Format, ScanOptions};
use super::html::{extract_html, extract_text};
use super::lexicon::{Entry, Lexicon, LexiconError, Matcher, Placement};
use super::normalize::normalize;
use super::offsets::{LineIndex, OffsetConverter};
use super::placement::{line_companions, Companions};
use super::verdict::{Category, Explanation, Finding, Severity, Verdict};
use jieba_rs::Jieba;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub use super::verdict::ENGINE_VERSION;

/// Why a stopped scan is incomplete.
const STOPPED: &str = "the scan was stopped before the end (time budget); a person must review it";

/// A hit with its entry, as the cap sees it.
struct RuledHit<'e> {
    entry: &'e Entry,
    hit: Hit,
}

impl Listed for RuledHit<'_> {
    fn rule(&self) -> &str {
        &self.entry.id
    }
    fn category(&self) -> Category {
        self.entry.category
    }
    fn severity(&self) -> Severity {
        self.hit.severity
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    #[error(transparent)]
    Automaton(#[from] AutomatonError),
}

/// Builds an [`Engine`].
#[derive(Default)]
pub struct EngineBuilder {
    jieba: Option<Arc<Jieba>>,
}

impl EngineBuilder {
    pub fn new() -> Self {
        EngineBuilder::default()
    }

    /// Uses this segmenter instead of the process-wide one (loaded lazily on
    /// the first candidate that needs a word boundary).
    pub fn segmenter(mut self, jieba: Arc<Jieba>) -> Self {
        self.jieba = Some(jieba);
        self
    }

    /// Takes the lexicon: a register of 200,000 entries is not kept twice.
    pub fn build(self, lexicon: Lexicon) -> Result<Engine, BuildError> {
        let finder = CandidateFinder::new(&lexicon.entries)?;
        Ok(self.assemble(lexicon, finder))
    }

    /// An engine from a lexicon and the finder built from it earlier (by
    /// [`super::lexicon_cache`], which checked that they belong together).
    pub(crate) fn assemble(self, lexicon: Lexicon, finder: CandidateFinder) -> Engine {
        let companions = Companions::new(&line_companions(
            lexicon
                .entries
                .iter()
                .filter(|e| matches!(e.placement, Placement::Applied | Placement::Marking))
                .filter_map(|e| match &e.matcher {
                    Matcher::Term(t) => Some(t.clone()),
                    _ => None,
                }),
        ));
        let jieba = OnceLock::new();
        if let Some(j) = self.jieba {
            let _ = jieba.set(j);
        }
        let rule_index = lexicon
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Engine {
            lexicon,
            finder,
            companions,
            rule_index,
            jieba,
        }
    }
}

/// A compiled lexicon, ready to scan.
pub struct Engine {
    lexicon: Lexicon,
    finder: CandidateFinder,
    /// The words that may share a line with an applied label.
    companions: Companions,
    /// Rule id → entry index (findings carry the id).
    rule_index: HashMap<String, usize>,
    jieba: OnceLock<Arc<Jieba>>,
}

impl Engine {
    /// The bundled lexicons, ready to go.
    pub fn embedded() -> Result<Engine, BuildError> {
        EngineBuilder::new().build(Lexicon::embedded()?)
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The candidate search, for the compiled lexicon cache.
    pub(crate) fn finder(&self) -> &CandidateFinder {
        &self.finder
    }

    pub fn lexicon_version(&self) -> &str {
        &self.lexicon.version
    }

    /// Scans one document with default options.
    pub fn scan(&self, doc: &Document<'_>) -> Verdict {
        self.scan_with(doc, &ScanOptions::default())
    }

    /// Scans one document.
    pub fn scan_with(&self, doc: &Document<'_>, options: &ScanOptions) -> Verdict {
        self.scan_until(doc, options, &Cancel::new())
    }

    /// Scans one document unless `cancel` is set first (then the verdict is
    /// incomplete: `review`, never `pass`).
    pub fn scan_until(
        &self,
        doc: &Document<'_>,
        options: &ScanOptions,
        cancel: &Cancel,
    ) -> Verdict {
        let stopped = || Verdict::incomplete(STOPPED, &self.lexicon.version);
        let extracted = match doc.format {
            Format::Text => extract_text(doc.content),
            Format::Html => extract_html(doc.content),
        };
        if cancel.is_cancelled() {
            return stopped();
        }
        let normalized = normalize(&extracted.text);
        if cancel.is_cancelled() {
            return stopped();
        }
        let candidates = self.finder.find(&normalized.text);
        if cancel.is_cancelled() {
            return stopped();
        }
        let to_extracted = |r: std::ops::Range<usize>| normalized.map.source_range(r);
        let to_normalized = |at: usize| normalized.map.derived_at_or_after(at, &normalized.text);
        let view = DocumentView {
            normalized: &normalized.text,
            extracted: &extracted.text,
            to_extracted: &to_extracted,
            to_normalized: &to_normalized,
            top_start: extracted.body_start,
        };
        let hits = if candidates.is_empty() {
            Vec::new()
        } else {
            let mut boundaries =
                BoundaryChecker::new(Segmenter::new(&self.jieba), &normalized.text);
            match decide(
                &self.lexicon.entries,
                &self.companions,
                &view,
                &candidates,
                &mut boundaries,
                cancel,
            ) {
                Some(hits) => hits,
                None => return stopped(),
            }
        };
        // At most so many findings are listed; the rest are counted.
        let (hits, omitted) = cap(
            hits.into_iter()
                .map(|hit| RuledHit {
                    entry: &self.lexicon.entries[hit.entry],
                    hit,
                })
                .collect(),
            MAX_FINDINGS,
        );
        let hits: Vec<Hit> = hits.into_iter().map(|h| h.hit).collect();

        // Map every hit back to the original input.
        let spans: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = hits
            .iter()
            .map(|h| {
                let ex = normalized.map.source_range(h.start..h.end);
                (ex.clone(), extracted.source_range(ex))
            })
            .collect();
        let offsets: Vec<usize> = spans
            .iter()
            .flat_map(|(_, orig)| [orig.start, orig.end])
            .collect();
        let converted = OffsetConverter::new(doc.content).convert(&offsets);
        let lines = (!spans.is_empty()).then(|| LineIndex::new(doc.content));
        let mut findings: Vec<Finding> = hits
            .into_iter()
            .zip(spans)
            .enumerate()
            .map(|(i, (hit, (ex, orig)))| {
                let entry = &self.lexicon.entries[hit.entry];
                let (start, start16) = converted[2 * i];
                let (end, end16) = converted[2 * i + 1];
                Finding {
                    rule: entry.id.clone(),
                    category: entry.category,
                    severity: hit.severity,
                    text: doc.content[orig.clone()].to_string(),
                    normalized: normalized.text[hit.start..hit.end].to_string(),
                    start,
                    end,
                    start_utf16: options.utf16_offsets.then_some(start16),
                    end_utf16: options.utf16_offsets.then_some(end16),
                    line: lines.as_ref().map_or(1, |l| l.line_of(orig.start)),
                    excerpt: excerpt(&extracted.text, ex),
                    location: None,
                    explanation: Explanation {
                        reason: entry.reason.clone(),
                        stages: hit.stages,
                        context_word: hit.context_word,
                        also: hit.also,
                        legal_basis: entry.basis().to_string(),
                    },
                    byte_start: orig.start,
                    byte_end: orig.end,
                }
            })
            .collect();
        findings.sort_by(|a, b| (a.start, a.end, &a.rule).cmp(&(b.start, b.end, &b.rule)));
        Verdict {
            decision: Verdict::decide_with(&findings, &omitted),
            findings,
            incomplete: None,
            omitted,
            lexicon_version: self.lexicon.version.clone(),
            engine_version: ENGINE_VERSION.to_string(),
        }
    }
}

impl Engine {
    /// Raises findings of rules with `bulk` thresholds when their distinct
    /// hits over *all* the given findings reach one: the findings of every
    /// part of one attachment together (three ID numbers in three files of
    /// a zip are a list too). Each part alone was already counted.
    pub fn raise_to_bulk_across_parts(&self, findings: &mut [Finding]) {
        struct Located<'f> {
            entry: Option<usize>,
            finding: &'f mut Finding,
        }
        impl Counted for Located<'_> {
            fn entry_index(&self) -> Option<usize> {
                self.entry
            }
            fn key(&self) -> &str {
                &self.finding.normalized
            }
            fn severity(&self) -> Severity {
                self.finding.severity
            }
            fn raise(&mut self, to: Severity, note: String) {
                self.finding.severity = to;
                self.finding.explanation.stages.push(note);
            }
        }
        let mut located: Vec<Located> = findings
            .iter_mut()
            .map(|f| Located {
                entry: self.rule_index.get(&f.rule).copied(),
                finding: f,
            })
            .collect();
        raise_to_bulk(&self.lexicon.entries, &mut located, BulkScope::Attachment);
    }
}

/// Up to 20 chars of published text on either side of the hit, on one line.
fn excerpt(extracted: &str, hit: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    let mut last_space = false;
    for c in window(extracted, hit.start, hit.end, 20).chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::verdict::{Decision, Severity};

    /// `n` lines, each a resident and a mobile; `label` before each number.
    fn contact_list(n: usize, label: &str) -> String {
        (0..n)
            .map(|i| format!("{}. 居民甲{i}，{label}1381234{i:04}\n", i + 1))
            .collect()
    }

    fn mobile_severities(engine: &Engine, text: &str) -> (Decision, Vec<Severity>) {
        let verdict = engine.scan(&Document::text(text));
        let severities = verdict
            .findings
            .iter()
            .filter(|f| f.rule == "pd-0003")
            .map(|f| f.severity)
            .collect();
        (verdict.decision, severities)
    }

    #[test]
    fn mobiles_a_lower_word_drops_still_count_as_a_list() {
        let engine = Engine::embedded().unwrap();
        // One public contact number is nothing to report.
        let (decision, found) = mobile_severities(&engine, &contact_list(1, "联系电话"));
        assert_eq!((decision, found.len()), (Decision::Pass, 0));
        // Five are a list: each counts, one step below the threshold's
        // review because of the label, so they are shown but pass.
        let (decision, found) = mobile_severities(&engine, &contact_list(6, "联系电话"));
        assert_eq!(decision, Decision::Pass);
        assert_eq!(found, vec![Severity::Info; 6]);
        // Twenty labelled ones are a review; twenty bare ones a block.
        let (decision, found) = mobile_severities(&engine, &contact_list(20, "联系电话"));
        assert_eq!(decision, Decision::Review);
        assert_eq!(found, vec![Severity::Review; 20]);
        let (decision, found) = mobile_severities(&engine, &contact_list(20, "手机"));
        assert_eq!(decision, Decision::Block);
        assert_eq!(found, vec![Severity::Block; 20]);
    }

    #[test]
    fn the_segmenter_loads_only_for_a_document_that_needs_it() {
        let entry = |id: &str, text: &str, boundary: &str| {
            format!(
                "[[entry]]\nid = \"{id}\"\ncategory = \"internal\"\nseverity = \"review\"\n\
                 text = \"{text}\"\nboundary = \"{boundary}\"\nreason = \"test\"\n\
                 examples.hit = [\"{text}\"]\nexamples.miss = [\"天气晴朗\"]\n"
            )
        };
        let source = crate::engine::lexicon::LexiconSource {
            name: "lazy.toml".into(),
            text: entry("t-1", "内部资料", "none") + &entry("t-2", "机密", "word"),
        };
        let lexicon = Lexicon::from_sources(&[source]).unwrap();
        let engine = EngineBuilder::new().build(lexicon).unwrap();
        let found = engine.scan(&Document::text("本单位的内部资料要妥善保管"));
        assert_eq!(found.decision, Decision::Review);
        assert!(
            engine.jieba.get().is_none(),
            "no candidate asked for a word"
        );
        // 开机密码 holds 机密 inside a word: jieba is asked, and drops it.
        let dropped = engine.scan(&Document::text("都设置了开机密码"));
        assert_eq!(dropped.decision, Decision::Pass);
        assert!(engine.jieba.get().is_some());
    }

    #[test]
    fn a_cancelled_scan_is_a_review_never_a_pass() {
        let engine = Engine::embedded().unwrap();
        let cancel = Cancel::new();
        cancel.cancel();
        for text in ["普通新闻", "机密★1年\n关于某项工作的通知"] {
            let v = engine.scan_until(&Document::text(text), &ScanOptions::default(), &cancel);
            assert_eq!(
                v.decision,
                crate::engine::verdict::Decision::Review,
                "{text}"
            );
            assert!(v.incomplete.is_some() && v.findings.is_empty());
        }
        // Uncancelled, the same engine decides as ever.
        let v = engine.scan_until(
            &Document::text("机密★1年\n关于某项工作的通知"),
            &ScanOptions::default(),
            &Cancel::new(),
        );
        assert_eq!(v.decision, crate::engine::verdict::Decision::Block);
    }

    #[test]
    fn a_flag_set_while_deciding_stops_the_decisions() {
        let engine = Engine::embedded().unwrap();
        let text = "内部资料。".repeat(2_000);
        let normalized = normalize(&text);
        let candidates = engine.finder.find(&normalized.text);
        assert!(candidates.len() > 256);
        let to_extracted = |r: std::ops::Range<usize>| normalized.map.source_range(r);
        let to_normalized = |at: usize| normalized.map.derived_at_or_after(at, &normalized.text);
        let view = DocumentView {
            normalized: &normalized.text,
            extracted: &text,
            to_extracted: &to_extracted,
            to_normalized: &to_normalized,
            top_start: 0,
        };
        let mut boundaries = BoundaryChecker::new(Segmenter::new(&engine.jieba), &normalized.text);
        let cancel = Cancel::new();
        cancel.cancel();
        let entries = &engine.lexicon.entries;
        assert!(decide(
            entries,
            &engine.companions,
            &view,
            &candidates,
            &mut boundaries,
            &cancel
        )
        .is_none());
        let hits = decide(
            entries,
            &engine.companions,
            &view,
            &candidates,
            &mut boundaries,
            &Cancel::new(),
        );
        assert!(hits.is_some_and(|h| !h.is_empty()));
    }

    #[test]
    fn the_verdict_lists_a_bounded_number_and_counts_the_rest() {
        let engine = Engine::embedded().unwrap();
        let text: String = (0..3_000).map(|i| format!("电话1380013{i:04} ")).collect();
        let v = engine.scan(&Document::text(&text));
        let listed = v.findings.iter().filter(|f| f.rule == "pd-0003").count();
        assert_eq!(listed, crate::engine::cap::MAX_PER_RULE);
        let omitted: usize = v.omitted.iter().map(|o| o.count).sum();
        assert_eq!(listed + omitted, 3_000);
        assert_eq!(
            v.decision,
            crate::engine::verdict::Decision::Block,
            "20 mobiles or more"
        );
    }
}
