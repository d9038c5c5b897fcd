//! Bounds on what one verdict lists: at most [`MAX_PER_RULE`] findings of
//! one rule and [`MAX_FINDINGS`] in all. A page of 100,000 mobile numbers
//! once gave a 53 MB answer; now it gives 50 findings and a count of the rest.
//!
//! Contract: [`cap`] keeps the most severe items first (then the earliest),
//! returns them in their original order, and counts every item it leaves out
//! in an [`Omitted`] line per rule, with the worst severity left out, so the
//! decision (which [`super::verdict::Verdict::decide_with`] takes over both)
//! is the same as if nothing had been left out.

use super::verdict::{Category, Finding, Omitted, Severity};
use std::collections::BTreeMap;

/// Findings of one rule listed in one verdict.
pub const MAX_PER_RULE: usize = 50;
/// Findings listed in one verdict.
pub const MAX_FINDINGS: usize = 500;

/// What the cap needs to know of an item.
pub trait Listed {
    fn rule(&self) -> &str;
    fn category(&self) -> Category;
    fn severity(&self) -> Severity;
}

impl Listed for Finding {
    fn rule(&self) -> &str {
        &self.rule
    }
    fn category(&self) -> Category {
        self.category
    }
    fn severity(&self) -> Severity {
        self.severity
    }
}

/// See the module docs. `max_total` is usually [`MAX_FINDINGS`].
pub fn cap<T: Listed>(items: Vec<T>, max_total: usize) -> (Vec<T>, Vec<Omitted>) {
    if items.len() <= MAX_PER_RULE.min(max_total) {
        return (items, Vec::new());
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Most severe first; among equals, in document order.
    order.sort_by_key(|&i| (std::cmp::Reverse(items[i].severity()), i));
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut keep = vec![false; items.len()];
    let mut kept = 0;
    let mut omitted: BTreeMap<String, Omitted> = BTreeMap::new();
    for i in order {
        let item = &items[i];
        let n = per_rule.entry(item.rule()).or_default();
        if *n < MAX_PER_RULE && kept < max_total {
            *n += 1;
            kept += 1;
            keep[i] = true;
        } else {
            let o = omitted
                .entry(item.rule().to_string())
                .or_insert_with(|| Omitted {
                    rule: item.rule().to_string(),
                    category: item.category(),
                    severity: item.severity(),
                    count: 0,
                });
            o.count += 1;
            o.severity = o.severity.max(item.severity());
        }
    }
    let listed = items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, k)| k.then_some(item))
        .collect();
    (listed, omitted.into_values().collect())
}

/// Adds the omissions of `more` to `into` (one line per rule).
pub fn merge_omitted(into: &mut Vec<Omitted>, more: Vec<Omitted>) {
    for o in more {
        match into.iter_mut().find(|x| x.rule == o.rule) {
            Some(x) => {
                x.count += o.count;
                x.severity = x.severity.max(o.severity);
            }
            None => into.push(o),
        }
    }
    into.sort_by(|a, b| a.rule.cmp(&b.rule));
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item(&'static str, Severity);
    impl Listed for Item {
        fn rule(&self) -> &str {
            self.0
        }
        fn category(&self) -> Category {
            Category::Personal
        }
        fn severity(&self) -> Severity {
            self.1
        }
    }

    #[test]
    fn keeps_the_worst_per_rule_in_order_and_counts_the_rest() {
        let mut items: Vec<Item> = (0..120)
            .map(|_| Item("pe-mobile", Severity::Info))
            .collect();
        items.insert(100, Item("pe-mobile", Severity::Review));
        items.push(Item("cm-0001", Severity::Block));
        let (listed, omitted) = cap(items, MAX_FINDINGS);
        assert_eq!(listed.len(), MAX_PER_RULE + 1);
        assert_eq!(listed.last().unwrap().0, "cm-0001", "order kept");
        assert!(
            listed.iter().any(|i| i.1 == Severity::Review),
            "the worst is kept"
        );
        assert_eq!(omitted.len(), 1);
        assert_eq!(
            (omitted[0].count, omitted[0].severity),
            (71, Severity::Info)
        );
        let few: Vec<Item> = (0..3).map(|_| Item("a", Severity::Block)).collect();
        assert_eq!(cap(few, MAX_FINDINGS).0.len(), 3);
    }

    #[test]
    fn the_total_is_bounded_and_the_decision_survives() {
        let items: Vec<Item> = (0..900)
            .map(|i| {
                Item(
                    [
                        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
                        "p", "q", "r",
                    ][i % 18],
                    Severity::Review,
                )
            })
            .chain(std::iter::once(Item("z", Severity::Block)))
            .collect();
        let (listed, omitted) = cap(items, 100);
        assert_eq!(listed.len(), 100);
        assert!(listed.iter().any(|i| i.1 == Severity::Block));
        assert_eq!(omitted.iter().map(|o| o.count).sum::<usize>(), 801);
    }
}
