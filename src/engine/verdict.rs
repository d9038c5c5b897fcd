//! Verdicts: what the engine says about one document, and why.
//!
//! Contract: a [`Verdict`]'s decision is the worst severity among its
//! findings (`info` never raises it), or `review` when the engine could not
//! read the whole document. Findings are sorted by (start, end, rule), and
//! their offsets count Unicode chars (and, on request, UTF-16 code units) of
//! the original input, HTML included.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The engine's version, recorded with every verdict.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The outcome for one item: may it be published?
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Pass,
    Review,
    Block,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Review => "review",
            Decision::Block => "block",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding weighs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown to the editor; does not hold the item back.
    Info,
    /// A person must look before it is published.
    Review,
    /// Must not be published as it is.
    Block,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Review => "review",
            Severity::Block => "block",
        }
    }

    /// 中文名, for explanations and pages.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Review => "需审查",
            Severity::Block => "拦截",
        }
    }

    /// One step up (block stays block).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Review,
            _ => Severity::Block,
        }
    }

    /// One step down; `None` below info.
    pub fn lowered(self) -> Option<Severity> {
        match self {
            Severity::Block => Some(Severity::Review),
            Severity::Review => Some(Severity::Info),
            Severity::Info => None,
        }
    }

    fn decision(self) -> Decision {
        match self {
            Severity::Info => Decision::Pass,
            Severity::Review => Decision::Review,
            Severity::Block => Decision::Block,
        }
    }
}

/// What kind of leak a finding is. Each has its legal basis.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// 国家秘密标志: 密级★保密期限 applied to the text.
    Marking,
    /// A title or 发文字号 from the unit's register of classified or
    /// unreleased documents.
    Register,
    /// 内部资料, 工作秘密, 不得外传 …: internal-only labels.
    Internal,
    /// 讨论稿, 送审稿 …: process drafts not meant for release.
    Draft,
    /// 个人信息: ID numbers, bank cards, mobiles in lists, home addresses.
    Personal,
    /// Passwords, keys, connection strings, intranet addresses.
    Credential,
    /// Exam material, embargoed data, military sites and units.
    Sensitive,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Marking => "marking",
            Category::Register => "register",
            Category::Internal => "internal",
            Category::Draft => "draft",
            Category::Personal => "personal",
            Category::Credential => "credential",
            Category::Sensitive => "sensitive",
        }
    }

    /// 中文名, for reports and pages.
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Marking => "国家秘密标志",
            Category::Register => "涉密或未公开文件",
            Category::Internal => "内部事项",
            Category::Draft => "过程性信息",
            Category::Personal => "个人信息",
            Category::Credential => "账号口令与内网信息",
            Category::Sensitive => "敏感工作信息",
        }
    }

    /// The legal basis for withholding this kind of information.
    pub fn legal_basis(self) -> &'static str {
        match self {
            Category::Marking | Category::Register => {
                "《中华人民共和国保守国家秘密法》；《政府信息公开条例》第十四条（国家秘密不予公开）"
            }
            Category::Internal => "《政府信息公开条例》第十六条第一款（内部事务信息可以不予公开）",
            Category::Draft => "《政府信息公开条例》第十六条第二款（过程性信息可以不予公开）",
            Category::Personal => {
                "《政府信息公开条例》第十五条（个人隐私）；《中华人民共和国个人信息保护法》"
            }
            Category::Credential => {
                "《中华人民共和国网络安全法》；《政府网站发展指引》（国办发〔2017〕47号）安全防护要求"
            }
            Category::Sensitive => {
                "《中华人民共和国保守国家秘密法》；《政府信息公开条例》第十四条"
            }
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which stage kept a finding, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The editor-facing reason from the lexicon entry.
    pub reason: String,
    /// What each stage decided, in order, in Chinese for editors, each
    /// prefixed by its stage (分词, 校验, 位置, 上下文, 数量), e.g.
    /// "位置：密级标志单独成行，位于文件或附件首部".
    pub stages: Vec<String>,
    /// The context word that changed the severity, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_word: Option<String>,
    pub legal_basis: String,
    /// Other rules that matched inside this finding's text and add nothing
    /// to its severity (`（讨论稿）` is also the label 讨论稿): named, not listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

/// One problem in a document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    /// The matched text as it appears in the original input.
    pub text: String,
    /// The matched text after normalization (what the rule saw).
    pub normalized: String,
    /// Offsets in Unicode chars of the original input.
    pub start: usize,
    pub end: usize,
    /// Offsets in UTF-16 code units, when asked for (JavaScript clients).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_utf16: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_utf16: Option<usize>,
    /// 1-based line of the original input where the hit starts.
    pub line: usize,
    /// The published text around the hit, on one line.
    pub excerpt: String,
    /// Where in an attachment the hit is (`名单.zip/2025/名单.xlsx › 名单!C14`,
    /// `通知.docx › 批注（张三）`, `通知.pdf › 第3页`); offsets and `line`
    /// are then relative to that part's text. `None` for a document scanned
    /// directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub explanation: Explanation,
    /// Byte offsets in the original input (engine-internal; not serialized).
    #[serde(skip)]
    pub byte_start: usize,
    #[serde(skip)]
    pub byte_end: usize,
}

/// Findings of one rule that a verdict does not list (see
/// [`crate::engine::cap`]): how many, and the worst of them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omitted {
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub count: usize,
}

/// The engine's answer for one document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub decision: Decision,
    pub findings: Vec<Finding>,
    /// Why the decision is `review` without findings (e.g. the engine ran out
    /// of its time budget). `None` when the whole document was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// Findings not listed because of the caps, counted per rule: "and N
    /// more".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
    pub lexicon_version: String,
    pub engine_version: String,
}

impl Verdict {
    /// The decision the findings call for.
    pub fn decide(findings: &[Finding]) -> Decision {
        Verdict::decide_with(findings, &[])
    }

    /// The decision the listed and the omitted findings call for together.
    pub fn decide_with(findings: &[Finding], omitted: &[Omitted]) -> Decision {
        findings
            .iter()
            .map(|f| f.severity)
            .chain(omitted.iter().map(|o| o.severity))
            .map(Severity::decision)
            .max()
            .unwrap_or(Decision::Pass)
    }

    /// The verdict on a document the engine did not finish: `review`, with
    /// the reason.
    pub fn incomplete(reason: &str, lexicon_version: &str) -> Verdict {
        Verdict {
            decision: Decision::Review,
            findings: Vec::new(),
            incomplete: Some(reason.to_string()),
            omitted: Vec::new(),
            lexicon_version: lexicon_version.to_string(),
            engine_version: ENGINE_VERSION.to_string(),
        }
    }
}
