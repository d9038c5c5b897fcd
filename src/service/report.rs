//! Figures for the annual 保密自查报告 and the 信息发布保密审查表 of one item.
//!
//! Contract: pure functions over recorded reviews and resolutions; the same
//! records give the same bytes in every format.

use super::error::ServiceError;
use super::store::{ResolutionRecord, ReviewRecord};
use super::workflow::{Action, Status};
use crate::engine::verdict::{Category, Decision};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// `[from, to]` as whole days → `[from, to + 1 day)` in RFC 3339 text.
pub fn report_period(from: &str, to: &str) -> Result<(String, String), ServiceError> {
    let parse = |name: &str, s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            ServiceError::BadRequest(format!(
                "`{name}` must be a date like 2026-01-31, not {s:?}"
            ))
        })
    };
    let (f, t) = (parse("from", from)?, parse("to", to)?);
    if t < f {
        return Err(ServiceError::BadRequest("`to` is before `from`".into()));
    }
    let end = t
        .succ_opt()
        .ok_or_else(|| ServiceError::BadRequest("`to` is out of range".into()))?;
    // Days are China Standard Time (UTC+8, no daylight saving): a review at
    // 07:00 Beijing time on 1 January belongs to the new year.
    let utc = |d: chrono::NaiveDate| {
        (d.and_hms_opt(0, 0, 0).expect("midnight exists")
            - chrono::Duration::hours(UTC_OFFSET_HOURS))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
    };
    Ok((utc(f), utc(end)))
}

/// The period's figures.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub reviewed: usize,
    pub passed: usize,
    pub flagged: usize,
    pub blocked: usize,
    /// Reviews with at least one review/block finding of each category.
    pub by_category: BTreeMap<String, usize>,
    /// Flagged reviews by month (YYYY-MM) and category.
    pub by_month: BTreeMap<String, BTreeMap<String, usize>>,
    pub resolutions: BTreeMap<String, usize>,
    /// Finished (approved/rejected) flagged items and how long they took.
    pub resolved: usize,
    pub still_pending: usize,
    pub median_hours_to_resolution: Option<f64>,
    pub mean_hours_to_resolution: Option<f64>,
    /// Approvals of items the engine blocked.
    pub overrides: usize,
    /// 网站巡检 in the period (see `report_inspect`).
    pub inspection: super::report_inspect::InspectionFigures,
}

/// Report periods and months are China Standard Time (UTC+8, no DST);
/// timestamps are stored in UTC.
pub const UTC_OFFSET_HOURS: i64 = 8;

/// `YYYY-MM` of a stored UTC timestamp, in China Standard Time.
fn local_month(utc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(utc)
        .map(|t| {
            (t + chrono::Duration::hours(UTC_OFFSET_HOURS))
                .format("%Y-%m")
                .to_string()
        })
        .unwrap_or_else(|_| utc.get(..7).unwrap_or("").to_string())
}

fn hours_between(a: &str, b: &str) -> Option<f64> {
    let a = chrono::DateTime::parse_from_rfc3339(a).ok()?;
    let b = chrono::DateTime::parse_from_rfc3339(b).ok()?;
    Some((b - a).num_milliseconds() as f64 / 3_600_000.0)
}

/// Figures for reviews created in the period and the resolutions of them.
pub fn figures(
    from: &str,
    to: &str,
    reviews: &[ReviewRecord],
    resolutions: &[ResolutionRecord],
) -> Report {
    let mut report = Report {
        from: from.to_string(),
        to: to.to_string(),
        reviewed: reviews.len(),
        passed: 0,
        flagged: 0,
        blocked: 0,
        by_category: BTreeMap::new(),
        by_month: BTreeMap::new(),
        resolutions: BTreeMap::new(),
        resolved: 0,
        still_pending: 0,
        median_hours_to_resolution: None,
        mean_hours_to_resolution: None,
        overrides: 0,
        inspection: Default::default(),
    };
    let mut by_review: HashMap<&str, Vec<&ResolutionRecord>> = HashMap::new();
    for r in resolutions {
        by_review.entry(&r.review_id).or_default().push(r);
        *report
            .resolutions
            .entry(r.action.as_str().to_string())
            .or_default() += 1;
        if r.override_block {
            report.overrides += 1;
        }
    }
    let mut durations = Vec::new();
    for review in reviews {
        match review.decision {
            Decision::Pass => report.passed += 1,
            Decision::Review => report.flagged += 1,
            Decision::Block => {
                report.flagged += 1;
                report.blocked += 1;
            }
        }
        let mut categories: Vec<Category> = review
            .findings
            .iter()
            .chain(review.attachments.iter().flat_map(|a| a.findings.iter()))
            .filter(|f| f.severity > crate::engine::verdict::Severity::Info)
            .map(|f| f.category)
            .collect();
        categories.sort();
        categories.dedup();
        let month = local_month(&review.created_at);
        for c in &categories {
            *report
                .by_category
                .entry(c.as_str().to_string())
                .or_default() += 1;
            *report
                .by_month
                .entry(month.clone())
                .or_default()
                .entry(c.as_str().to_string())
                .or_default() += 1;
        }
        if review.decision != Decision::Pass {
            match review.status {
                Status::Pending => report.still_pending += 1,
                Status::Approved | Status::Rejected => {
                    report.resolved += 1;
                    let last = by_review
                        .get(review.review_id.as_str())
                        .and_then(|rs| rs.iter().rev().find(|r| r.action != Action::Escalate));
                    if let Some(h) =
                        last.and_then(|r| hours_between(&review.created_at, &r.created_at))
                    {
                        durations.push(h);
                    }
                }
            }
        }
    }
    if !durations.is_empty() {
        durations.sort_by(|a, b| a.total_cmp(b));
        let mid = durations.len() / 2;
        let median = if durations.len() % 2 == 0 {
            (durations[mid - 1] + durations[mid]) / 2.0
        } else {
            durations[mid]
        };
        report.median_hours_to_resolution = Some((median * 100.0).round() / 100.0);
        let mean = durations.iter().sum::<f64>() / durations.len() as f64;
        report.mean_hours_to_resolution = Some((mean * 100.0).round() / 100.0);
    }
    report
}

use super::report_inspect::category_label;

fn opt_hours(h: Option<f64>) -> String {
    h.map_or("—".to_string(), |h| format!("{h:.2}"))
}

pub fn render_markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# 信息发布保密审查情况（{} 至 {}）\n", r.from, r.to);
    let _ = writeln!(out, "## 信息发布保密审查\n");
    let _ = writeln!(out, "| 项目 | 数量 |\n|---|---|");
    for (k, v) in [
        ("审查信息总数", r.reviewed),
        ("直接通过", r.passed),
        ("需人工审查", r.flagged),
        ("其中拦截", r.blocked),
        ("已办结", r.resolved),
        ("待处理", r.still_pending),
        ("改判公开（拦截后批准）", r.overrides),
    ] {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    let _ = writeln!(out, "\n## 按问题类别\n\n| 类别 | 信息条数 |\n|---|---|");
    for (k, v) in &r.by_category {
        let _ = writeln!(out, "| {}（{k}） | {v} |", category_label(k));
    }
    let _ = writeln!(out, "\n## 处理情况\n\n| 处理方式 | 次数 |\n|---|---|");
    for (k, v) in &r.resolutions {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    let _ = writeln!(
        out,
        "\n办结用时（小时）：中位数 {}，平均 {}。",
        opt_hours(r.median_hours_to_resolution),
        opt_hours(r.mean_hours_to_resolution)
    );
    super::report_inspect::inspection_markdown(&r.inspection, &mut out);
    out
}

pub fn render_csv(r: &Report) -> String {
    let mut out = String::from("metric,key,value\n");
    for (k, v) in [
        ("reviewed", r.reviewed),
        ("passed", r.passed),
        ("flagged", r.flagged),
        ("blocked", r.blocked),
        ("resolved", r.resolved),
        ("still_pending", r.still_pending),
        ("overrides", r.overrides),
    ] {
        let _ = writeln!(out, "{k},,{v}");
    }
    for (k, v) in &r.by_category {
        let _ = writeln!(out, "by_category,{k},{v}");
    }
    for (month, cats) in &r.by_month {
        for (k, v) in cats {
            let _ = writeln!(out, "by_month,{month}/{k},{v}");
        }
    }
    for (k, v) in &r.resolutions {
        let _ = writeln!(out, "resolutions,{k},{v}");
    }
    let _ = writeln!(
        out,
        "median_hours_to_resolution,,{}",
        opt_hours(r.median_hours_to_resolution)
    );
    let _ = writeln!(
        out,
        "mean_hours_to_resolution,,{}",
        opt_hours(r.mean_hours_to_resolution)
    );
    super::report_inspect::inspection_csv(&r.inspection, &mut out);
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The 信息发布保密审查表 of one review, as JSON (keys as on the paper form).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewForm {
    #[serde(rename = "单位")]
    pub department: Option<String>,
    #[serde(rename = "信息标题")]
    pub title: Option<String>,
    #[serde(rename = "载体形式")]
    pub carrier: String,
    #[serde(rename = "拟公开方式")]
    pub channel: String,
    #[serde(rename = "承办人")]
    pub submitter: Option<String>,
    #[serde(rename = "提交时间")]
    pub submitted_at: String,
    #[serde(rename = "是否涉密")]
    pub classified: bool,
    #[serde(rename = "附件")]
    pub attachments: Vec<FormAttachment>,
    #[serde(rename = "检查结果")]
    pub decision: Decision,
    #[serde(rename = "状态")]
    pub status: Status,
    pub review_id: String,
    pub item_id: String,
    pub content_hash: String,
    pub lexicon_version: String,
    pub findings: Vec<FormFinding>,
    #[serde(rename = "审查意见")]
    pub opinions: Vec<FormOpinion>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormAttachment {
    pub name: String,
    pub content_type: Option<String>,
    pub size: u64,
    pub sha256: String,
    pub decision: Decision,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormFinding {
    pub rule: String,
    pub category: Category,
    #[serde(rename = "类别")]
    pub category_zh: String,
    pub severity: crate::engine::verdict::Severity,
    pub text: String,
    pub reason: String,
    #[serde(rename = "依据")]
    pub basis: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormOpinion {
    pub level: i64,
    #[serde(rename = "审查人")]
    pub officer: String,
    #[serde(rename = "意见")]
    pub opinion: String,
    pub action: Action,
    #[serde(rename = "依据和理由")]
    pub basis: String,
    #[serde(rename = "说明")]
    pub comment: String,
    #[serde(rename = "时间")]
    pub at: String,
}

/// The 信息发布保密审查表 as JSON.
pub fn form_json(review: &ReviewRecord, resolutions: &[ResolutionRecord]) -> ReviewForm {
    ReviewForm {
        department: review.department.clone(),
        title: review.title.clone(),
        carrier: if review.format == "html" {
            "网页"
        } else {
            "文本"
        }
        .into(),
        channel: review.channel.clone().unwrap_or_else(|| "网站".into()),
        submitter: review.submitter.clone(),
        submitted_at: review.created_at.clone(),
        classified: review
            .findings
            .iter()
            .chain(review.attachments.iter().flat_map(|a| a.findings.iter()))
            .any(|f| matches!(f.category, Category::Marking | Category::Register)),
        attachments: review
            .attachments
            .iter()
            .map(|a| FormAttachment {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                sha256: a.sha256.clone(),
                decision: a.decision,
                error: a.error.clone(),
            })
            .collect(),
        decision: review.decision,
        status: review.status,
        review_id: review.review_id.clone(),
        item_id: review.item_id.clone(),
        content_hash: review.content_hash.clone(),
        lexicon_version: review.lexicon_version.clone(),
        findings: review
            .findings
            .iter()
            .map(|f| FormFinding {
                rule: f.rule.clone(),
                category: f.category,
                category_zh: f.category.label_zh().into(),
                severity: f.severity,
                text: f.text.clone(),
                reason: f.explanation.reason.clone(),
                basis: f.explanation.legal_basis.clone(),
            })
            .collect(),
        opinions: resolutions
            .iter()
            .map(|r| FormOpinion {
                level: r.level,
                officer: r.officer.clone(),
                opinion: r.opinion.clone(),
                action: r.action,
                basis: r.basis.clone(),
                comment: r.comment.clone(),
                at: r.created_at.clone(),
            })
            .collect(),
    }
}

/// A stored UTC time as people read it: China Standard Time, to the
/// minute (`2026-12-01 15:27`); text that is not a time stays as it is.
pub fn cst_minute(utc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(utc)
        .map(|t| {
            (t.naive_utc() + chrono::Duration::hours(UTC_OFFSET_HOURS))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| utc.to_string())
}

/// 检查结果 on the form: what the engine decided, in the form's words.
pub fn decision_zh(d: Decision) -> &'static str {
    match d {
        Decision::Pass => "通过",
        Decision::Review => "需人工审查",
        Decision::Block => "拦截",
    }
}

/// 状态 on the form.
pub fn status_zh(s: Status) -> &'static str {
    match s {
        Status::Approved => "已批准公开",
        Status::Pending => "待审查",
        Status::Rejected => "不予公开",
    }
}

/// The 信息发布保密审查表 as a printable HTML page (no external assets),
/// in Chinese throughout, times in China Standard Time.
pub fn form_html(review: &ReviewRecord, resolutions: &[ResolutionRecord]) -> String {
    let e = |s: &Option<String>| html_escape(s.as_deref().unwrap_or(""));
    let mut rows = String::new();
    let all = review.findings.iter().map(|f| (None, f)).chain(
        review
            .attachments
            .iter()
            .flat_map(|a| a.findings.iter().map(|f| (f.location.as_deref(), f))),
    );
    for (location, f) in all {
        let where_ = location.map_or(String::new(), |l| {
            format!("<br><small>{}</small>", html_escape(l))
        });
        let _ = write!(
            rows,
            "<tr><td>{}{where_}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_escape(&f.rule),
            f.category.label_zh(),
            f.severity.label_zh(),
            html_escape(&f.explanation.reason),
            html_escape(&f.explanation.legal_basis)
        );
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=5>未发现问题</td></tr>");
    }
    let level_names = [
        "",
        "所在部门（部门负责人）",
        "业务主管部门（分管领导）",
        "保密部门（保密工作负责人）",
    ];
    let mut opinions = String::new();
    for r in resolutions {
        let _ = write!(
            opinions,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}；{}</td><td>{}</td></tr>",
            level_names.get(r.level as usize).copied().unwrap_or(""),
            html_escape(&r.officer),
            r.opinion,
            html_escape(&r.basis),
            html_escape(&r.comment),
            cst_minute(&r.created_at)
        );
    }
    if opinions.is_empty() {
        opinions.push_str("<tr><td colspan=5>尚无审查意见</td></tr>");
    }
    format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>信息发布保密审查表</title>
<style>body{{font-family:serif;max-width:800px;margin:2em auto}}table{{border-collapse:collapse;width:100%;margin:1em 0}}td,th{{border:1px solid #000;padding:4px 6px;text-align:left;vertical-align:top}}@media print{{body{{margin:0}}}}</style></head>
<body><h1 style="text-align:center">信息发布保密审查表</h1>
<table><tr><th>单位</th><td>{dept}</td><th>审查编号</th><td>{id}</td></tr>
<tr><th>信息标题</th><td colspan=3>{title}</td></tr>
<tr><th>载体形式</th><td>{format}</td><th>拟公开方式</th><td>{channel}</td></tr>
<tr><th>承办人</th><td>{submitter}</td><th>提交时间（北京时间）</th><td>{created}</td></tr>
<tr><th>检查结果</th><td>{decision}</td><th>状态</th><td>{status}</td></tr>
<tr><th>内容摘要值</th><td colspan=3><code>{hash}</code>（词库 {lexicon}）</td></tr></table>
<h2>检查发现</h2><table><tr><th>规则</th><th>类别</th><th>程度</th><th>说明</th><th>依据</th></tr>{rows}</table>
<h2>审查意见</h2><table><tr><th>审查层级</th><th>审查人</th><th>意见</th><th>依据和理由</th><th>时间（北京时间）</th></tr>{opinions}</table>
</body></html>"#,
        dept = e(&review.department),
        id = html_escape(&review.review_id),
        title = e(&review.title),
        format = if review.format == "html" {
            "网页"
        } else {
            "文本"
        },
        channel = html_escape(review.channel.as_deref().unwrap_or("网站")),
        submitter = e(&review.submitter),
        created = html_escape(&cst_minute(&review.created_at)),
        decision = decision_zh(review.decision),
        status = status_zh(review.status),
        hash = html_escape(&review.content_hash),
        lexicon = html_escape(&review.lexicon_version),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_times_are_china_standard_time_to_the_minute() {
        assert_eq!(cst_minute("2026-12-01T07:27:56.835Z"), "2026-12-01 15:27");
        assert_eq!(cst_minute("2025-12-31T16:30:00.000Z"), "2026-01-01 00:30");
        assert_eq!(cst_minute("not a time"), "not a time");
    }

    #[test]
    fn months_are_china_standard_time() {
        assert_eq!(local_month("2025-12-31T16:30:00.000Z"), "2026-01");
        assert_eq!(local_month("2025-12-31T15:59:59.999Z"), "2025-12");
    }

    #[test]
    fn report_days_are_china_standard_time() {
        assert_eq!(
            report_period("2026-01-01", "2026-12-31").unwrap(),
            (
                "2025-12-31T16:00:00.000Z".to_string(),
                "2026-12-31T16:00:00.000Z".to_string()
            )
        );
        assert!(report_period("2026-02-01", "2026-01-01").is_err());
        assert!(report_period("2026-13-01", "2026-12-31").is_err());
    }
}
