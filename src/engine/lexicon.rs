//! Lexicons: the TOML files that say what to look for, how sure a hit must be,
//! and what it means.
//!
//! Contract: [`Lexicon::from_sources`] either returns a lexicon in which every
//! entry is well formed (one of `text`/`pattern`/`detector`, a pattern that
//! compiles without `\b`, exemptions that contain their term, examples on both
//! sides, no two entries normalizing to the same text, unique ids), or a
//! [`LexiconError`] naming the file, line and entry id. Whether the examples
//! really hit and miss needs the whole engine: see [`super::lexicon_check`].
//!
//! The bundled lexicons (`lexicons/*.toml`) are embedded in the binary; a
//! user's files go on top of them (see [`overlay`]).

pub use super::context::Context;
use super::context::WordClass;
use super::lazy_regex::LazyRegex;
pub use super::lexicon_error::{LexiconError, LexiconProblem};
use super::normalize::normalize_term;
use super::offsets::LineIndex;
use super::pattern_proof::{search_plan, SearchPlan};
use super::verdict::{Category, Severity};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One lexicon file: its name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct LexiconSource {
    pub name: String,
    pub text: String,
}

/// The lexicon files compiled into the binary: every `lexicons/*.toml`
/// (the list is made by `build.rs`).
pub fn embedded_sources() -> Vec<LexiconSource> {
    const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/lexicons.rs"));
    FILES
        .iter()
        .map(|(name, text)| LexiconSource {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// The bundled sources with `user` files on top: a user file named like a
/// bundled one (by its file name, whatever its folder) replaces it, any other
/// is added. Pure; reading a directory is the caller's job.
pub fn overlay(mut bundled: Vec<LexiconSource>, user: Vec<LexiconSource>) -> Vec<LexiconSource> {
    for source in user {
        let file_name = source.file_name().to_string();
        match bundled.iter().position(|s| s.file_name() == file_name) {
            Some(i) => bundled[i] = source,
            None => bundled.push(source),
        }
    }
    bundled
}

impl LexiconSource {
    /// The last path segment of its name (`lexicons/markings.toml` →
    /// `markings.toml`).
    pub fn file_name(&self) -> &str {
        self.name.rsplit(['/', '\\']).next().unwrap_or(&self.name)
    }
}

/// How a hit must sit among the words around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Boundary {
    /// Anywhere, even inside a longer word.
    #[default]
    None,
    /// Start and end must fall on jieba word boundaries of the clause.
    Word,
}

/// Where a hit must stand to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Anywhere.
    #[default]
    Any,
    /// Applied as a label: alone on its line (with other labels), in
    /// brackets of its own, or at the very start of the document. Inside a
    /// sentence it is only named, and dropped.
    Applied,
    /// A classification marking: applied at the top of the document or of an
    /// attachment is a block; applied elsewhere, or a full marking left
    /// unquoted in a sentence, a review; quoted or bare in a sentence, nothing.
    Marking,
}

/// A check of what a pattern matched, beyond what a regex can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueCheck {
    /// A real secret, not a placeholder or a default that everyone knows:
    /// see [`super::validate::is_secret`].
    Secret,
}

/// Built-in detectors for structured numbers that need validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Detector {
    /// GB 11643 resident ID: area code, real birth date, MOD 11-2 check.
    ResidentId,
    /// Bank card: 16–19 digits, Luhn, a UnionPay prefix or a card word near.
    BankCard,
    /// Mainland mobile: 11 digits starting 13–19.
    Mobile,
}

impl Detector {
    pub fn name(self) -> &'static str {
        match self {
            Detector::ResidentId => "resident-id",
            Detector::BankCard => "bank-card",
            Detector::Mobile => "mobile",
        }
    }
}

/// A threshold: from `count` distinct hits of the entry in one document on,
/// each of them has at least `severity`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bulk {
    pub count: usize,
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default)]
    pub hit: Vec<String>,
    #[serde(default)]
    pub miss: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    entry: Vec<toml::Spanned<RawEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    category: Category,
    severity: Severity,
    text: Option<String>,
    pattern: Option<String>,
    detector: Option<Detector>,
    /// A check the pattern's `value` group must pass (`"secret"`).
    check: Option<ValueCheck>,
    #[serde(default)]
    prefilter: Vec<String>,
    #[serde(default)]
    boundary: Boundary,
    #[serde(default)]
    placement: Placement,
    #[serde(default)]
    exempt: Vec<String>,
    #[serde(default)]
    context: Context,
    #[serde(default)]
    bulk: Vec<Bulk>,
    reason: String,
    /// The legal basis of this entry, when it is narrower than its
    /// category's (e.g. 《国家教育考试违规处理办法》 for exam papers).
    basis: Option<String>,
    #[serde(default)]
    examples: Examples,
}

/// What an entry matches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Matcher {
    /// A literal term, normalized.
    Term(String),
    /// A regex over normalized text, run only when one of the (normalized)
    /// prefilter literals occurs.
    /// Boxed: most entries of a big lexicon (a register) are terms, and
    /// an enum is as wide as its widest variant.
    Pattern(Box<PatternMatcher>),
    Detector(Detector),
}

/// A [`Matcher::Pattern`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatternMatcher {
    pub regex: LazyRegex,
    pub prefilter: Vec<String>,
    /// Where to search for it (see [`search_plan`]), worked out once when
    /// the entry is validated.
    pub plan: Option<SearchPlan>,
}

/// A validated lexicon entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    pub matcher: Matcher,
    pub boundary: Boundary,
    pub placement: Placement,
    /// Normalized exemption phrases.
    pub exempt: Vec<String>,
    /// Context with normalized words; `None` when the entry has none (the
    /// default context, [`Entry::context`]), which saves a register of
    /// 200,000 entries 34 MB.
    pub context: Option<Box<Context>>,
    /// Sorted by count.
    pub bulk: Vec<Bulk>,
    /// A check the pattern's `(?P<value>…)` group must pass.
    pub check: Option<ValueCheck>,
    pub reason: String,
    /// The legal basis shown with every finding of this entry, when it is
    /// not its category's ([`Entry::basis`]).
    pub basis: Option<String>,
    pub examples: Examples,
    /// Where the entry is defined, for messages.
    pub file: String,
    pub line: usize,
}

impl Entry {
    /// The entry's context words and where they are looked for.
    pub fn context(&self) -> &Context {
        self.context
            .as_deref()
            .unwrap_or(&super::context::NO_CONTEXT)
    }

    /// The legal basis shown with every finding of this entry.
    pub fn basis(&self) -> &str {
        self.basis
            .as_deref()
            .unwrap_or_else(|| self.category.legal_basis())
    }
}

/// A validated set of entries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lexicon {
    pub entries: Vec<Entry>,
    /// A hash of all source texts: the same files give the same version.
    pub version: String,
}

impl Lexicon {
    /// The bundled lexicons alone.
    pub fn embedded() -> Result<Lexicon, LexiconError> {
        Lexicon::from_sources(&embedded_sources())
    }

    /// Parses and validates every source; see the module docs.
    pub fn from_sources(sources: &[LexiconSource]) -> Result<Lexicon, LexiconError> {
        let mut entries = Vec::new();
        for source in sources {
            let raw: RawFile = toml::from_str(&source.text).map_err(|e| LexiconError {
                file: source.name.clone(),
                line: e.span().map_or(1, |span| line_of(&source.text, span.start)),
                entry: None,
                problem: LexiconProblem::Toml(e.message().trim().to_string()),
            })?;
            let lines = LineIndex::new(&source.text);
            for spanned in raw.entry {
                let line = lines.line_of(spanned.span().start);
                entries.push(compile_entry(spanned.into_inner(), &source.name, line)?);
            }
        }
        check_unique(&entries)?;
        Ok(Lexicon {
            entries,
            version: Lexicon::version_of(sources),
        })
    }

    /// The version [`Lexicon::from_sources`] gives these sources, without
    /// parsing them: a hash of every file name and text.
    pub fn version_of(sources: &[LexiconSource]) -> String {
        let mut hash = Fnv64::new();
        for source in sources {
            hash.write(source.name.rsplit('/').next().unwrap_or("").as_bytes());
            hash.write(source.text.as_bytes());
        }
        format!("lex-{:016x}", hash.finish())
    }

    /// Every literal term (normalized), for benchmarks and `lexicon export`.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|e| match &e.matcher {
            Matcher::Term(t) => Some(t.as_str()),
            _ => None,
        })
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

fn compile_entry(raw: RawEntry, file: &str, line: usize) -> Result<Entry, LexiconError> {
    let err = |problem: LexiconProblem| LexiconError {
        file: file.to_string(),
        line,
        entry: Some(raw.id.clone()),
        problem,
    };
    if raw.id.trim().is_empty() {
        return Err(err(LexiconProblem::EmptyId));
    }
    let matcher = match (&raw.text, &raw.pattern, raw.detector) {
        (Some(text), None, None) => {
            let term = normalize_term(text);
            if term.is_empty() {
                return Err(err(LexiconProblem::NormalizesToNothing(text.clone())));
            }
            Matcher::Term(term)
        }
        (None, Some(pattern), None) => {
            if pattern.contains("\\b") || pattern.contains("\\B") {
                return Err(err(LexiconProblem::WordBoundaryInPattern));
            }
            let regex = regex::Regex::new(pattern)
                .map_err(|e| err(LexiconProblem::PatternCompile(e.to_string())))?;
            let prefilter: Vec<String> = raw.prefilter.iter().map(|p| normalize_term(p)).collect();
            if prefilter.is_empty() || prefilter.iter().any(|p| p.is_empty()) {
                return Err(err(LexiconProblem::MissingPrefilter));
            }
            if !super::pattern_proof::every_match_contains(regex.as_str(), &prefilter) {
                return Err(err(LexiconProblem::PrefilterNotInEveryMatch));
            }
            if raw.check.is_some() && regex.capture_names().all(|n| n != Some("value")) {
                return Err(err(LexiconProblem::CheckWithoutValue));
            }
            let plan = search_plan(regex.as_str(), &prefilter);
            Matcher::Pattern(Box::new(PatternMatcher {
                regex: LazyRegex::compiled(regex),
                prefilter,
                plan,
            }))
        }
        (None, None, Some(detector)) => Matcher::Detector(detector),
        _ => return Err(err(LexiconProblem::MatcherCount)),
    };
    let exempt: Vec<String> = raw.exempt.iter().map(|p| normalize_term(p)).collect();
    if let Matcher::Term(term) = &matcher {
        if let Some(bad) = exempt.iter().find(|p| !p.contains(term.as_str())) {
            return Err(err(LexiconProblem::ExemptionWithoutTerm {
                exemption: bad.clone(),
                term: term.clone(),
            }));
        }
    }
    let mut context = raw.context;
    context.raise = context.raise.iter().map(|w| normalize_term(w)).collect();
    context.lower = context.lower.iter().map(|w| normalize_term(w)).collect();
    context.exclude = context.exclude.iter().map(|w| normalize_term(w)).collect();
    context.exclude_document = context
        .exclude_document
        .iter()
        .map(|w| normalize_term(w))
        .collect();
    context.exclude_sentence = context
        .exclude_sentence
        .iter()
        .map(|w| normalize_term(w))
        .collect();
    context.all = context
        .all
        .iter()
        .map(|group| group.iter().map(|w| normalize_term(w)).collect())
        .collect();
    if context.required && context.raise.is_empty() {
        return Err(err(LexiconProblem::RequiredWithoutRaise));
    }
    if let Some(i) = context
        .all
        .iter()
        .position(|g: &Vec<String>| g.is_empty() || g.iter().any(String::is_empty))
    {
        return Err(err(LexiconProblem::EmptyContextGroup { group: i + 1 }));
    }
    let words = context
        .raise
        .iter()
        .chain(&context.lower)
        .chain(&context.exclude);
    let words = words
        .chain(&context.exclude_document)
        .chain(&context.exclude_sentence);
    for word in words.chain(context.all.iter().flatten()) {
        WordClass::parse(word).map_err(|w| err(LexiconProblem::UnknownWordClass(w)))?;
    }
    if raw.examples.hit.is_empty() || raw.examples.miss.is_empty() {
        return Err(err(LexiconProblem::MissingExamples));
    }
    if raw.reason.trim().is_empty() {
        return Err(err(LexiconProblem::MissingReason));
    }
    let mut bulk = raw.bulk;
    bulk.sort_by_key(|b| b.count);
    Ok(Entry {
        id: raw.id.clone(),
        category: raw.category,
        severity: raw.severity,
        matcher,
        boundary: raw.boundary,
        placement: raw.placement,
        exempt,
        context: (!context.is_default()).then(|| Box::new(context)),
        bulk,
        check: raw.check,
        reason: raw.reason,
        basis: raw
            .basis
            .filter(|b| !b.trim().is_empty() && b != raw.category.legal_basis()),
        examples: raw.examples,
        file: file.to_string(),
        line,
    })
}

fn check_unique(entries: &[Entry]) -> Result<(), LexiconError> {
    let mut ids: HashMap<&str, &Entry> = HashMap::new();
    let mut texts: HashMap<String, &Entry> = HashMap::new();
    for entry in entries {
        if let Some(first) = ids.insert(&entry.id, entry) {
            return Err(LexiconError {
                file: entry.file.clone(),
                line: entry.line,
                entry: Some(entry.id.clone()),
                problem: LexiconProblem::DuplicateId {
                    first_file: first.file.clone(),
                    first_line: first.line,
                },
            });
        }
        let key = match &entry.matcher {
            Matcher::Term(t) => format!("text:{t}"),
            Matcher::Pattern(p) => format!("pattern:{}", p.regex.as_str()),
            Matcher::Detector(d) => format!("detector:{}", d.name()),
        };
        if let Some(first) = texts.insert(key, entry) {
            return Err(LexiconError {
                file: entry.file.clone(),
                line: entry.line,
                entry: Some(entry.id.clone()),
                problem: LexiconProblem::DuplicateText {
                    other: first.id.clone(),
                    other_file: first.file.clone(),
                    other_line: first.line,
                },
            });
        }
    }
    Ok(())
}

/// FNV-1a, 64 bit: a stable hash for versions (std's hasher may change
/// between releases, and versions are recorded with every review).
pub struct Fnv64(u64);

impl Fnv64 {
    pub fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv64 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Vec<LexiconSource> {
        vec![LexiconSource {
            name: "t.toml".into(),
            text: text.into(),
        }]
    }

    const OK: &str = r#"
[[entry]]
id = "a-1"
category = "internal"
severity = "review"
text = "內部資料"
reason = "r"
examples.hit = ["内部资料"]
examples.miss = ["资料"]
"#;

    #[test]
    fn duplicate_normalized_text_names_both_entries() {
        let text = format!(
            "{OK}\n{}",
            OK.replace("a-1", "a-2").replace("內部資料", "内部资料")
        );
        let err = Lexicon::from_sources(&source(&text)).unwrap_err();
        assert_eq!(
            (err.file.as_str(), err.line, err.entry.as_deref()),
            ("t.toml", 12, Some("a-2"))
        );
        assert_eq!(
            err.problem,
            LexiconProblem::DuplicateText {
                other: "a-1".into(),
                other_file: "t.toml".into(),
                other_line: 2,
            }
        );
        assert!(
            err.to_string().starts_with("t.toml:12: entry \"a-2\""),
            "{err}"
        );
    }

    #[test]
    fn rejects_malformed_entries_with_their_line() {
        let toml_error = |e: &LexiconProblem, word: &str| matches!(e, LexiconProblem::Toml(m) if m.contains(word));
        for (broken, want) in [
            (
                OK.replace(
                    "text = \"內部資料\"",
                    "pattern = '\\b机密'\nprefilter=[\"机密\"]",
                ),
                LexiconProblem::WordBoundaryInPattern,
            ),
            (
                OK.replace("text = \"內部資料\"", "pattern = '机密'"),
                LexiconProblem::MissingPrefilter,
            ),
            (
                OK.replace(
                    "text = \"內部資料\"",
                    "pattern = '(机密文件|绝密)'\nprefilter = [\"机密\"]",
                ),
                LexiconProblem::PrefilterNotInEveryMatch,
            ),
            (
                OK.replace("examples.miss = [\"资料\"]", ""),
                LexiconProblem::MissingExamples,
            ),
            (
                OK.replace("reason = \"r\"", "reason = \"r\"\nexempt = [\"资料室\"]"),
                LexiconProblem::ExemptionWithoutTerm {
                    exemption: "资料室".into(),
                    term: "内部资料".into(),
                },
            ),
            (
                OK.replace(
                    "reason = \"r\"",
                    "reason = \"r\"\ncontext.all = [[\"开标前\"], []]",
                ),
                LexiconProblem::EmptyContextGroup { group: 2 },
            ),
            (
                OK.replace("reason = \"r\"", "reason = \" \""),
                LexiconProblem::MissingReason,
            ),
            (
                OK.replace(
                    "text = \"內部資料\"",
                    "text = \"內部資料\"\ndetector = \"mobile\"",
                ),
                LexiconProblem::MatcherCount,
            ),
        ] {
            let err = Lexicon::from_sources(&source(&broken)).unwrap_err();
            assert_eq!(err.problem, want, "{err}");
            assert_eq!((err.line, err.entry.as_deref()), (2, Some("a-1")), "{err}");
        }
        let bad_regex = OK.replace(
            "text = \"內部資料\"",
            "pattern = '机密('\nprefilter=[\"机密\"]",
        );
        let err = Lexicon::from_sources(&source(&bad_regex)).unwrap_err();
        assert!(
            matches!(err.problem, LexiconProblem::PatternCompile(_)),
            "{err}"
        );
        for (broken, word) in [
            (
                OK.replace("reason = \"r\"", "reason = \"r\"\ncolour = 1"),
                "colour",
            ),
            (
                OK.replace("severity = \"review\"", "severity = \"panic\""),
                "panic",
            ),
        ] {
            let err = Lexicon::from_sources(&source(&broken)).unwrap_err();
            assert!(toml_error(&err.problem, word), "{err}");
            assert!(err.line >= 2, "{err}");
        }
    }

    #[test]
    fn basis_defaults_to_the_category_and_may_be_narrower() {
        let lexicon = Lexicon::from_sources(&source(OK)).unwrap();
        assert_eq!(lexicon.entries[0].basis(), Category::Internal.legal_basis());
        let narrower = OK.replace(
            "reason = \"r\"",
            "reason = \"r\"\nbasis = \"《某办法》第三条\"",
        );
        let lexicon = Lexicon::from_sources(&source(&narrower)).unwrap();
        assert_eq!(lexicon.entries[0].basis(), "《某办法》第三条");
    }

    #[test]
    fn version_depends_on_content() {
        let a = Lexicon::from_sources(&source(OK)).unwrap();
        let b = Lexicon::from_sources(&source(&OK.replace("reason = \"r\"", "reason = \"s\"")))
            .unwrap();
        assert_ne!(a.version, b.version);
        assert_eq!(
            a.version,
            Lexicon::from_sources(&source(OK)).unwrap().version
        );
    }
}
