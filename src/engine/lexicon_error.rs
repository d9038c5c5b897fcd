//! What can be wrong with a lexicon file, as data: the file, the line, the
//! entry and the problem. Split from [`super::lexicon`] so the loader reads as
//! the rules it enforces; every variant here is raised there.

use std::fmt;

/// An error in a lexicon file, naming where it is: the file, the line and
/// (when the problem is in one entry) the entry's id, as fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconError {
    pub file: String,
    pub line: usize,
    pub entry: Option<String>,
    pub problem: LexiconProblem,
}

/// What is wrong, as data (tests and tools match on it; [`fmt::Display`]
/// words it for a person).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconProblem {
    /// The file is not valid TOML or has an unknown or mistyped field.
    #[error("{0}")]
    Toml(String),
    #[error("has an empty id")]
    EmptyId,
    #[error("needs exactly one of `text`, `pattern` or `detector`")]
    MatcherCount,
    #[error("text {0:?} normalizes to nothing")]
    NormalizesToNothing(String),
    #[error(
        "pattern uses \\b: Unicode word boundaries make the regex engine ~40x slower on \
         Chinese text; use boundary = \"word\" or explicit classes"
    )]
    WordBoundaryInPattern,
    #[error("pattern does not compile: {0}")]
    PatternCompile(String),
    #[error(
        "pattern needs a non-empty `prefilter` list of literals, one of which every match contains"
    )]
    MissingPrefilter,
    #[error(
        "some match of the pattern contains none of the `prefilter` literals (a branch or an \
         optional part without one): list a literal of every branch, or matches there are never \
         searched"
    )]
    PrefilterNotInEveryMatch,
    #[error(
        "exemption {exemption:?} does not contain the term {term:?}, so it can never cover a hit"
    )]
    ExemptionWithoutTerm { exemption: String, term: String },
    #[error("context.required needs context.raise words")]
    RequiredWithoutRaise,
    #[error("context.all group {group} is empty or has an empty word: every group needs words")]
    EmptyContextGroup { group: usize },
    #[error(
        "context word {0:?} names no word class (known: @amount @figure @percent @mobile @name \
         @official @masked @house @date @quote)"
    )]
    UnknownWordClass(String),
    #[error("a `check` needs a pattern with a (?P<value>…) group to check")]
    CheckWithoutValue,
    #[error(
        "needs examples.hit and examples.miss (at least one each): every entry carries its own \
         evidence"
    )]
    MissingExamples,
    #[error("needs a `reason` that tells an editor why it matters")]
    MissingReason,
    #[error("reuses the id of the entry at {first_file}:{first_line}")]
    DuplicateId {
        first_file: String,
        first_line: usize,
    },
    #[error("normalizes to the same text as \"{other}\" ({other_file}:{other_line})")]
    DuplicateText {
        other: String,
        other_file: String,
        other_line: usize,
    },
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(id) => write!(
                f,
                "{}:{}: entry \"{id}\" {}",
                self.file, self.line, self.problem
            ),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.problem),
        }
    }
}

impl std::error::Error for LexiconError {}
