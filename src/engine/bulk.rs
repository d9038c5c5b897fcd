//! Bulk thresholds: one ID number is a review, a list of them is a block.
//!
//! Contract: [`raise_to_bulk`] counts, per entry with `bulk` thresholds, the
//! *distinct* normalized texts among the given hits, and raises every hit of
//! that entry to the severity of the highest threshold reached (never
//! lowers), noting the count in the hit's stages. A hit that a `lower` word
//! lowered counts too, at one step below the threshold's severity; one
//! lowered below info (latent) counts and becomes a finding only if a
//! threshold is reached. The same rule serves one
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
    /// Whether a `lower` word near it applied: the bulk severity is one
    /// step lower for it too (twenty mobiles labelled 联系电话 are a review,
    /// not a block).
    fn lowered(&self) -> bool {
        false
    }
    /// Lowered below info: not a finding on its own, but still one of the
    /// list. It becomes one only if a threshold raises it.
    fn latent(&self) -> bool {
        false
    }
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
        let Some(bulk) = entry.bulk.iter().rev().find(|b| n >= b.count) else {
            continue;
        };
        let target = if hit.lowered() {
            bulk.severity.lowered()
        } else {
            Some(bulk.severity)
        };
        let Some(target) = target else {
            continue;
        };
        if hit.latent() || target > hit.severity() {
            let step_down = if hit.lowered() {
                "；因附近的说明降一级"
            } else {
                ""
            };
            let note = format!(
                "数量：{}此规则命中 {n} 处不同内容（阈值 {}{step_down}），定为{}",
                scope.label_zh(),
                bulk.count,
                target.label_zh()
            );
            hit.raise(target, note);
        }
    }
}
