//! Bulk thresholds: one ID number is a review, a list of them is a block.
//!
//! Contract: [`raise_to_bulk`] counts, per entry with `bulk` thresholds, the
//! *distinct* normalized texts among the given hits, and raises every hit of
//! that entry to the severity of the highest threshold reached (never
//! lowers), noting the count in the hit's stages. The same rule serves one
//! document (the decide stage) and a whole attachment (every part of a zip
//! counted together), so the two can never disagree.

use super::lexicon::Entry;
use super::verdict::Severity;
use std::collections::{HashMap, HashSet};

/// What was counted over: it names the scope in the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkScope {
    /// One document: `本文中`.
    Document,
    /// Every part of one attached file: `本附件中`.
    Attachment,
}

impl BulkScope {
    fn label_zh(self) -> &'static str {
        match self {
            BulkScope::Document => "本文中",
            BulkScope::Attachment => "本附件中",
        }
    }
}

/// A hit that bulk thresholds may raise.
pub trait Counted {
    /// The index of its entry in the lexicon, if it has one.
    fn entry_index(&self) -> Option<usize>;
    /// What makes two hits the same (the normalized matched text).
    fn key(&self) -> &str;
    fn severity(&self) -> Severity;
    /// Raises the severity and says why.
    fn raise(&mut self, to: Severity, note: String);
}

/// See the module docs.
pub fn raise_to_bulk<T: Counted>(entries: &[Entry], hits: &mut [T], scope: BulkScope) {
    let mut distinct: HashMap<usize, HashSet<&str>> = HashMap::new();
    for hit in hits.iter() {
        if let Some(i) = hit.entry_index().filter(|&i| !entries[i].bulk.is_empty()) {
            distinct.entry(i).or_default().insert(hit.key());
        }
    }
    let counts: HashMap<usize, usize> = distinct.into_iter().map(|(i, s)| (i, s.len())).collect();
    for hit in hits.iter_mut() {
        let Some((entry, &n)) = hit
            .entry_index()
            .and_then(|i| counts.get(&i).map(|n| (&entries[i], n)))
        else {
            continue;
        };
        if let Some(bulk) = entry.bulk.iter().rev().find(|b| n >= b.count) {
            if bulk.severity > hit.severity() {
                let note = format!(
                    "数量：{}此规则命中 {n} 处不同内容（阈值 {}），定为{}",
                    scope.label_zh(),
                    bulk.count,
                    bulk.severity.label_zh()
                );
                hit.raise(bulk.severity, note);
            }
        }
    }
}
