//! The 网站巡检 figures of a period, for the 保密自查报告 ("逐项检查…"):
//! runs, pages and attachments inspected, problems by category, what was
//! rectified (and confirmed by a later run), false positives, what went to
//! the 三审 queue, and what is still open.
//!
//! Contract: [`inspection_figures`] is a pure function of the period's runs,
//! their records and the actions taken in the period. Counts are of
//! distinct URLs (a page inspected in three runs is one page). The whole
//! period report is `period_report::period_report`.

use super::inspect::model::{Action, ActionKind, Record, RecordKind};
use super::store::RunRow;
use crate::engine::verdict::{Category, Decision, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct InspectionFigures {
    /// Runs started in the period.
    pub runs: usize,
    /// Pages inspected (distinct URLs).
    pub pages: usize,
    /// Attachments inspected (distinct URLs).
    pub attachments: usize,
    /// URLs found with a review or block finding.
    pub problems: usize,
    /// Of those, by category (a URL counts once per category).
    pub by_category: BTreeMap<String, usize>,
    /// URLs that could not be read wholly (and had no finding).
    pub unreadable: usize,
    /// URLs marked 已整改 in the period.
    pub rectified: usize,
    /// … of which a later run found gone or clean.
    pub rectified_verified: usize,
    /// … of which a later run found unchanged or still flagged.
    pub rectified_failed: usize,
    /// URLs marked 误报.
    pub false_positives: usize,
    /// URLs sent to the 三审 queue (转入审查).
    pub in_review: usize,
    /// URLs whose latest record still has a review/block finding that no
    /// action covers (unreadable URLs are counted in `unreadable`).
    pub still_open: usize,
}

/// See the module docs.
pub fn inspection_figures(
    runs: &[RunRow],
    records: &[Record],
    actions: &[Action],
) -> InspectionFigures {
    let mut f = InspectionFigures {
        runs: runs.len(),
        ..InspectionFigures::default()
    };
    let mut pages = BTreeSet::new();
    let mut attachments = BTreeSet::new();
    let mut problems = BTreeSet::new();
    let mut unreadable = BTreeSet::new();
    let mut by_category: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut latest: HashMap<&str, &Record> = HashMap::new();
    for r in records {
        // Inspected: read (a URL that could not be fetched was not).
        match (r.kind, &r.content_hash) {
            (RecordKind::Page, Some(_)) => {
                pages.insert(r.url.as_str());
            }
            (RecordKind::Attachment, Some(_)) => {
                attachments.insert(r.url.as_str());
            }
            _ => {}
        }
        let flagged: Vec<Category> = r
            .findings
            .iter()
            .filter(|x| x.severity > Severity::Info)
            .map(|x| x.category)
            .collect();
        if !flagged.is_empty() {
            problems.insert(r.url.as_str());
            for c in flagged {
                by_category
                    .entry(c.as_str())
                    .or_default()
                    .insert(r.url.as_str());
            }
        } else if r.error.is_some() && r.decision != Decision::Pass {
            unreadable.insert(r.url.as_str());
        }
        let newer = latest
            .get(r.url.as_str())
            .is_none_or(|l| l.fetched_at <= r.fetched_at);
        if newer {
            latest.insert(r.url.as_str(), r);
        }
    }
    unreadable.retain(|u| !problems.contains(u));
    f.pages = pages.len();
    f.attachments = attachments.len();
    f.problems = problems.len();
    f.unreadable = unreadable.len();
    f.by_category = by_category
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.len()))
        .collect();
    let of = |kind: ActionKind| -> BTreeSet<&str> {
        actions
            .iter()
            .filter(|a| a.action == kind)
            .map(|a| a.url.as_str())
            .collect()
    };
    f.rectified = of(ActionKind::Rectified).len();
    f.false_positives = of(ActionKind::FalsePositive).len();
    f.in_review = of(ActionKind::ToReview).len();
    let checked = |ok: bool| -> usize {
        actions
            .iter()
            .filter(|a| a.action == ActionKind::Rectified)
            .filter(|a| a.check.as_ref().is_some_and(|c| c.result.verified() == ok))
            .map(|a| a.url.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    };
    f.rectified_verified = checked(true);
    f.rectified_failed = checked(false);
    f.still_open = latest
        .values()
        .filter(|r| r.is_open() && r.findings.iter().any(|x| x.severity > Severity::Info))
        .filter(|r| {
            // An action taken after the record was fetched covers it: 误报 and
            // 转入审查 for the same content, 已整改 until a run checks it.
            !actions.iter().any(|a| {
                a.url == r.url
                    && a.created_at >= r.fetched_at
                    && (a.action == ActionKind::Rectified || a.content_hash == r.content_hash)
            })
        })
        .count();
    f
}

/// The rows of the 网站巡检 table, in the report's order: (label, key, value).
pub fn inspection_rows(f: &InspectionFigures) -> [(&'static str, &'static str, usize); 12] {
    [
        ("巡检次数", "runs", f.runs),
        ("检查页面数", "pages", f.pages),
        ("检查附件数", "attachments", f.attachments),
        ("发现问题网址数", "problems", f.problems),
        ("无法读取的网址数", "unreadable", f.unreadable),
        ("已整改", "rectified", f.rectified),
        ("其中经复查确认", "rectified_verified", f.rectified_verified),
        ("其中复查仍有问题", "rectified_failed", f.rectified_failed),
        ("误报", "false_positives", f.false_positives),
        ("转入审查", "in_review", f.in_review),
        ("尚未处理", "still_open", f.still_open),
        ("问题类别数", "categories", f.by_category.len()),
    ]
}

/// The 网站巡检 section of the Markdown report.
pub fn inspection_markdown(f: &InspectionFigures, out: &mut String) {
    let _ = writeln!(out, "\n## 网站巡检\n\n| 项目 | 数量 |\n|---|---|");
    for (label, _, v) in inspection_rows(f).iter().take(11) {
        let _ = writeln!(out, "| {label} | {v} |");
    }
    if !f.by_category.is_empty() {
        let _ = writeln!(out, "\n| 问题类别 | 网址数 |\n|---|---|");
        for (k, v) in &f.by_category {
            let _ = writeln!(out, "| {}（{k}） | {v} |", category_label(k));
        }
    }
}

/// The 网站巡检 rows of the CSV report (`inspection,KEY,VALUE`).
pub fn inspection_csv(f: &InspectionFigures, out: &mut String) {
    for (_, key, v) in inspection_rows(f).iter().take(11) {
        let _ = writeln!(out, "inspection,{key},{v}");
    }
    for (k, v) in &f.by_category {
        let _ = writeln!(out, "inspection_by_category,{k},{v}");
    }
}

/// 中文 name of a category key.
pub fn category_label(key: &str) -> &'static str {
    for c in [
        Category::Marking,
        Category::Register,
        Category::Internal,
        Category::Draft,
        Category::Personal,
        Category::Credential,
        Category::Sensitive,
    ] {
        if c.as_str() == key {
            return c.label_zh();
        }
    }
    "其他"
}
