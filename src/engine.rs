//! The engine: build once from a lexicon, then scan documents.
//!
//! Contract: [`EngineBuilder::build`] validates and compiles a [`Lexicon`]
//! or returns an error; after that [`Engine::scan`] is pure: `&self`, no I/O,
//! deterministic (the same input and lexicon always give the same verdict),
//! and safe to call from many threads at once.
//!
//! The pipeline for one document:
//! extract → normalize (with offset maps back) → candidates → boundary
//! confirmation → decide → verdict.
//!
//! [`Engine::scan_attachment`] reads an attached file into located parts
//! ([`crate::attach`]), runs each part through the same pipeline, and counts
//! bulk thresholds over the whole attachment. It does no I/O either; its only
//! non-determinism is the attachment time budget ([`crate::attach::Limits`]),
//! which when used up turns the answer into `review`, never `pass`.

use crate::attach::{extract_parts, Limits};
use crate::boundary::{shared_jieba, BoundaryChecker};
use crate::candidates::{AutomatonError, CandidateFinder};
use crate::decide::{decide, DocumentView};
use crate::extract::{extract_html, extract_text};
use crate::lexicon::{Lexicon, LexiconError, Matcher, Placement};
use crate::normalize::normalize;
use crate::offsets::{LineIndex, OffsetConverter};
use crate::verdict::{AttachmentVerdict, Decision, Explanation, Finding, Verdict};
use jieba_rs::Jieba;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// The engine's version, recorded with every verdict.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How a document's content is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Text,
    Html,
}

/// One item to review.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub content: &'a str,
    pub format: Format,
}

impl<'a> Document<'a> {
    pub fn text(content: &'a str) -> Self {
        Document {
            content,
            format: Format::Text,
        }
    }
    pub fn html(content: &'a str) -> Self {
        Document {
            content,
            format: Format::Html,
        }
    }
}

/// Options of one scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Also give UTF-16 offsets (for JavaScript clients).
    pub utf16_offsets: bool,
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

    pub fn build(self, lexicon: &Lexicon) -> Result<Engine, BuildError> {
        let finder = CandidateFinder::new(&lexicon.entries)?;
        let companions = crate::placement::line_companions(
            lexicon
                .entries
                .iter()
                .filter(|e| matches!(e.placement, Placement::Applied | Placement::Marking))
                .filter_map(|e| match &e.matcher {
                    Matcher::Term(t) => Some(t.clone()),
                    _ => None,
                }),
        );
        let jieba = OnceLock::new();
        if let Some(j) = self.jieba {
            let _ = jieba.set(j);
        }
        Ok(Engine {
            lexicon: lexicon.clone(),
            finder,
            companions,
            jieba,
        })
    }
}

/// A compiled lexicon, ready to scan.
pub struct Engine {
    lexicon: Lexicon,
    finder: CandidateFinder,
    /// Normalized words that may share a line with an applied label.
    companions: Vec<String>,
    jieba: OnceLock<Arc<Jieba>>,
}

impl Engine {
    /// The bundled lexicons, ready to go.
    pub fn embedded() -> Result<Engine, BuildError> {
        EngineBuilder::new().build(&Lexicon::embedded()?)
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    pub fn lexicon_version(&self) -> &str {
        &self.lexicon.version
    }

    fn jieba(&self) -> &Jieba {
        self.jieba.get_or_init(shared_jieba)
    }

    /// Scans one document with default options.
    pub fn scan(&self, doc: &Document<'_>) -> Verdict {
        self.scan_with(doc, &ScanOptions::default())
    }

    /// Scans one document.
    pub fn scan_with(&self, doc: &Document<'_>, options: &ScanOptions) -> Verdict {
        let extracted = match doc.format {
            Format::Text => extract_text(doc.content),
            Format::Html => extract_html(doc.content),
        };
        let normalized = normalize(&extracted.text);
        let candidates = self.finder.find(&normalized.text);
        let to_extracted = |r: std::ops::Range<usize>| normalized.map.source_range(r);
        let view = DocumentView {
            normalized: &normalized.text,
            extracted: &extracted.text,
            to_extracted: &to_extracted,
            top_start: extracted.body_start,
        };
        let hits = if candidates.is_empty() {
            Vec::new()
        } else {
            let jieba = self.jieba();
            let mut boundaries = BoundaryChecker::new(jieba, &normalized.text);
            decide(
                &self.lexicon.entries,
                &self.companions,
                &view,
                &candidates,
                &mut boundaries,
            )
        };

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
                        legal_basis: entry.basis.clone(),
                    },
                    byte_start: orig.start,
                    byte_end: orig.end,
                }
            })
            .collect();
        findings.sort_by(|a, b| (a.start, a.end, &a.rule).cmp(&(b.start, b.end, &b.rule)));
        Verdict {
            decision: Verdict::decide(&findings),
            findings,
            incomplete: None,
            lexicon_version: self.lexicon.version.clone(),
            engine_version: ENGINE_VERSION.to_string(),
        }
    }
}

impl Engine {
    /// Scans one attached file (`name` tells its type when the content does
    /// not) with the default [`Limits`].
    pub fn scan_attachment(
        &self,
        name: &str,
        bytes: &[u8],
        options: &ScanOptions,
    ) -> AttachmentVerdict {
        self.scan_attachment_with(name, bytes, options, &Limits::default())
    }

    /// Scans one attached file: each part [`extract_parts`] reads is scanned
    /// as one document, its findings located (`location`; offsets stay
    /// relative to the part's text); bulk thresholds then count distinct hits
    /// over the whole attachment (three ID numbers in three files of a zip
    /// are a list too). Anything that could not be read makes the decision at
    /// least `review`. Deterministic except for the time budget.
    pub fn scan_attachment_with(
        &self,
        name: &str,
        bytes: &[u8],
        options: &ScanOptions,
        limits: &Limits,
    ) -> AttachmentVerdict {
        let extraction = extract_parts(name, bytes, limits);
        let mut findings = Vec::new();
        for part in &extraction.parts {
            let verdict = self.scan_with(
                &Document {
                    content: &part.text,
                    format: part.format,
                },
                options,
            );
            findings.extend(verdict.findings.into_iter().map(|mut f| {
                f.location = Some(part.location_at(f.byte_start));
                f
            }));
        }
        self.apply_bulk_across_parts(&mut findings);
        let error = (!extraction.problems.is_empty()).then(|| {
            extraction
                .problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        });
        let mut decision = Verdict::decide(&findings);
        if error.is_some() {
            decision = decision.max(Decision::Review);
        }
        AttachmentVerdict {
            name: name.to_string(),
            decision,
            findings,
            error,
            lexicon_version: self.lexicon.version.clone(),
            engine_version: ENGINE_VERSION.to_string(),
        }
    }

    /// Raises findings of rules with `bulk` thresholds when the distinct hits
    /// over all parts reach one (each part alone was already counted).
    fn apply_bulk_across_parts(&self, findings: &mut [Finding]) {
        let mut distinct: HashMap<&str, HashSet<String>> = HashMap::new();
        let entries: HashMap<&str, &crate::lexicon::Entry> = self
            .lexicon
            .entries
            .iter()
            .filter(|e| !e.bulk.is_empty())
            .map(|e| (e.id.as_str(), e))
            .collect();
        for f in findings.iter() {
            if let Some(e) = entries.get(f.rule.as_str()) {
                distinct
                    .entry(e.id.as_str())
                    .or_default()
                    .insert(f.normalized.clone());
            }
        }
        for f in findings.iter_mut() {
            let Some(entry) = entries.get(f.rule.as_str()) else {
                continue;
            };
            let n = distinct.get(entry.id.as_str()).map_or(0, HashSet::len);
            if let Some(bulk) = entry.bulk.iter().rev().find(|b| n >= b.count) {
                if bulk.severity > f.severity {
                    f.severity = bulk.severity;
                    f.explanation.stages.push(format!(
                        "数量：本附件中此规则命中 {n} 处不同内容（阈值 {}），定为{}",
                        bulk.count,
                        bulk.severity.label_zh()
                    ));
                }
            }
        }
    }
}

/// Up to 20 chars of published text on either side of the hit, on one line.
fn excerpt(extracted: &str, hit: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    let mut last_space = false;
    for c in crate::decide::window(extracted, hit.start, hit.end, 20).chars() {
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
