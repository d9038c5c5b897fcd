//! baomi: a pre-publication secrecy review gate (保密审查) for government
//! portal websites.
//!
//! The engine reads one document and returns an explainable [`Verdict`]:
//! `pass`, `review` or `block`, with findings that point at the exact span of
//! the original input. Data flows one way:
//!
//! document → [`extract`] → [`normalize`] (with an [`offsets::OffsetMap`]
//! back) → [`candidates`] → [`boundary`] confirmation → [`decide`] →
//! [`verdict`].
//!
//! Attached files (.docx, .xlsx, .pdf, .zip, …) go through [`attach`] first,
//! which turns them into located parts of text; [`Engine::scan_attachment`]
//! scans each part and gives an [`AttachmentVerdict`] whose findings name
//! where they are (`名单.zip/2025/名单.xlsx › 名单!C14`).
//!
//! ```
//! use baomi::{Document, Engine, Decision};
//! let engine = Engine::embedded().unwrap();
//! let verdict = engine.scan(&Document::text("机密★1年\n关于某项工作的通知"));
//! assert_eq!(verdict.decision, Decision::Block);
//! ```
//!
//! # Glossary (names used in code for Chinese terms)
//! | code | 中文 | meaning |
//! |---|---|---|
//! | marking | 国家秘密标志 / 密级标志 | `密级★保密期限`, e.g. `机密★1年` |
//! | level | 密级 | 绝密 / 机密 / 秘密 |
//! | period | 保密期限 | `1年`, `6个月`, `长期`, `启用前` |
//! | register | 涉密文件登记 | the unit's list of classified or unreleased titles and 发文字号 |
//! | internal label | 内部资料 / 内部使用 / 工作秘密 … | internal-only, not for release |
//! | draft | 讨论稿 / 送审稿 | process information (过程性信息) |
//! | personal data | 个人信息 | 身份证号, 银行卡号, 手机号, 家庭住址 |
//! | resident ID | 居民身份证号码 (GB 11643) | 18 chars, MOD 11-2 check |
//! | credit code | 统一社会信用代码 (GB 32100) | organisations' public code |
//! | review | 保密审查 | one recorded decision on one item (一事一审) |

pub mod attach;
pub mod boundary;
pub mod candidates;
pub mod check;
pub mod decide;
pub mod engine;
pub mod extract;
pub mod lexicon;
pub mod normalize;
pub mod offsets;
pub mod output;
pub mod placement;
pub mod report;
pub mod review;
pub mod server;
pub mod store;
pub mod synthetic;
pub mod validate;
pub mod verdict;

pub use engine::{
    BuildError, Document, Engine, EngineBuilder, Format, ScanOptions, ENGINE_VERSION,
};
pub use lexicon::{Lexicon, LexiconError, LexiconSource};
pub use verdict::{AttachmentVerdict, Category, Decision, Finding, Severity, Verdict};
