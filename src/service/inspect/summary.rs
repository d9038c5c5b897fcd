//! The figures of one run: what was fetched, what was found, what is still
//! open, what the 已整改 checks found, and what was not fetched and why.
//!
//! Contract: a pure function of the run's records and frontier counts.

use super::model::{ActionKind, CheckResult, Record, RecordKind};
use crate::service::store::FrontierCounts;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// URLs with a record.
    pub records: u64,
    pub pages: u64,
    pub attachments: u64,
    pub redirects: u64,
    /// Records that are not `pass` and that no action keeps quiet.
    pub open: u64,
    /// Records with findings or errors kept quiet by 误报.
    pub false_positives: u64,
    /// … by 转入审查.
    pub in_review: u64,
    /// … by an 已整改 that its check confirmed.
    pub rectified: u64,
    /// URLs that could not be fetched (no answer, HTTP error, loop, too
    /// large) and no action explains.
    pub fetch_errors: u64,
    /// Findings in open records.
    pub findings: u64,
    /// Open records with a review/block finding of each category.
    pub by_category: BTreeMap<String, u64>,
    /// What this run's 已整改 checks found (`gone`, `clean`, `unchanged`,
    /// `still_flagged`).
    pub checks: BTreeMap<String, u64>,
    /// Not rescanned: unchanged since the last run.
    pub unchanged: u64,
    /// Not fetched: robots.txt, max_depth, max_pages.
    pub skipped_robots: u64,
    pub skipped_depth: u64,
    pub skipped_pages: u64,
    /// Still queued or leased (a running run).
    pub queued: u64,
    /// robots.txt rules were not obeyed in this run.
    pub ignore_robots: bool,
}

pub fn summarize(records: &[Record], counts: &FrontierCounts, ignore_robots: bool) -> Summary {
    let mut s = Summary {
        records: records.len() as u64,
        skipped_robots: counts.skipped_robots,
        skipped_depth: counts.skipped_depth,
        skipped_pages: counts.skipped_pages,
        queued: counts.queued + counts.leased,
        ignore_robots,
        ..Summary::default()
    };
    for r in records {
        match r.kind {
            RecordKind::Page => s.pages += 1,
            RecordKind::Attachment => s.attachments += 1,
            RecordKind::Redirect => s.redirects += 1,
            RecordKind::Crawl => {}
        }
        if r.unchanged {
            s.unchanged += 1;
        }
        if let Some(c) = &r.check {
            *s.checks.entry(c.result.as_str().to_string()).or_default() += 1;
        }
        match &r.quiet {
            Some(q) if r.decision != crate::engine::verdict::Decision::Pass => match q.action {
                ActionKind::FalsePositive => s.false_positives += 1,
                ActionKind::ToReview => s.in_review += 1,
                ActionKind::Rectified => s.rectified += 1,
            },
            _ => {}
        }
        if r.is_fetch_error() {
            s.fetch_errors += 1;
        }
        if r.is_open() {
            s.open += 1;
            s.findings += r.findings.len() as u64;
            let mut cats: Vec<&str> = r
                .findings
                .iter()
                .filter(|f| f.severity > crate::engine::verdict::Severity::Info)
                .map(|f| f.category.as_str())
                .collect();
            cats.sort_unstable();
            cats.dedup();
            for c in cats {
                *s.by_category.entry(c.to_string()).or_default() += 1;
            }
        }
    }
    s
}

/// The summary as lines for people (the end of `baomi inspect`'s human
/// output, and stderr for the other formats).
pub fn summary_lines(s: &Summary) -> Vec<String> {
    let mut out = vec![format!(
        "巡检完成：{} 个网址（页面 {}，附件 {}，跳转 {}），未解决问题 {} 个（{} 处），无法读取 {} 个",
        s.records, s.pages, s.attachments, s.redirects, s.open, s.findings, s.fetch_errors
    )];
    if !s.by_category.is_empty() {
        let cats: Vec<String> = s
            .by_category
            .iter()
            .map(|(k, v)| format!("{} {v}", category_label(k)))
            .collect();
        out.push(format!("按类别：{}", cats.join("，")));
    }
    if s.false_positives + s.in_review + s.rectified > 0 {
        out.push(format!(
            "已处理：误报 {}，已转入审查 {}，已整改并复查通过 {}",
            s.false_positives, s.in_review, s.rectified
        ));
    }
    if !s.checks.is_empty() {
        let checks: Vec<String> = s
            .checks
            .iter()
            .map(|(k, v)| match CheckResult::parse(k) {
                Some(c) => format!("{} {v}", c.label_zh()),
                None => format!("{k} {v}"),
            })
            .collect();
        out.push(format!("已整改复查：{}", checks.join("，")));
    }
    if s.unchanged > 0 {
        out.push(format!("未变化未重新检查：{}", s.unchanged));
    }
    out.push(format!(
        "未抓取：robots.txt 禁止 {}，超过深度 {}，超过页数上限 {}",
        s.skipped_robots, s.skipped_depth, s.skipped_pages
    ));
    if s.ignore_robots {
        out.push("本次巡检未遵守 robots.txt（--ignore-robots）".to_string());
    }
    out
}

fn category_label(key: &str) -> &'static str {
    use crate::engine::verdict::Category::*;
    for c in [
        Marking, Register, Internal, Draft, Personal, Credential, Sensitive,
    ] {
        if c.as_str() == key {
            return c.label_zh();
        }
    }
    "其他"
}
