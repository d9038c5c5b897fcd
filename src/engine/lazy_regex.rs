//! A lexicon pattern whose regex is compiled on first use.
//!
//! Contract: [`LazyRegex::get`] always returns the regex of
//! [`LazyRegex::as_str`]. A lexicon parsed from its sources compiles every
//! pattern while validating it ([`LazyRegex::compiled`]); a lexicon read
//! back from the compiled cache (see [`super::lexicon_cache`]) was validated
//! by the same engine build when the cache was written, so its patterns are
//! compiled only when a scan first needs them. Compiling all ~230 bundled
//! patterns took more time than anything else at start-up, and most of them
//! never run in a scan of a few files.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::OnceLock;

#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: String,
    compiled: OnceLock<regex::Regex>,
}

impl LazyRegex {
    /// A pattern already compiled (by validation).
    pub fn compiled(regex: regex::Regex) -> Self {
        let source = regex.as_str().to_string();
        let compiled = OnceLock::new();
        let _ = compiled.set(regex);
        LazyRegex { source, compiled }
    }

    /// A pattern validated earlier by this engine build; compiled on first
    /// use.
    pub(crate) fn validated(source: String) -> Self {
        LazyRegex {
            source,
            compiled: OnceLock::new(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn get(&self) -> &regex::Regex {
        self.compiled.get_or_init(|| {
            // The same source compiled when its lexicon was validated by
            // this very build (the cache is keyed by the build), so this
            // cannot fail unless memory is exhausted; a pattern that matches
            // nothing would be a silent pass, so fail loudly instead.
            regex::Regex::new(&self.source).expect("a validated lexicon pattern compiles")
        })
    }
}

impl Serialize for LazyRegex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.source.serialize(s)
    }
}

impl<'de> Deserialize<'de> for LazyRegex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(LazyRegex::validated(String::deserialize(d)?))
    }
}
