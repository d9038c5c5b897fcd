//! baomi: a pre-publication secrecy review gate (保密审查) for government
//! portal websites.
//!
//! Four layers, each importing only the layers below it; the Cargo features
//! make the compiler check it (`cargo check --lib --no-default-features`
//! builds the engine alone):
//!
//! | layer | feature | holds |
//! |---|---|---|
//! | [`engine`] | always | pure: a document → a [`Verdict`]; no I/O, no async, no file formats |
//! | [`attach`] | `attach` | file formats → located parts of text → the engine; the item decision |
//! | [`service`] | `service` | publish and check use cases, 三审, the store, callbacks, HTTP (`service::server`) |
//! | `cli` (the `baomi` binary) | `cli` | one file per command, output formats |
//!
//! The engine reads one document and returns an explainable [`Verdict`]:
//! `pass`, `review` or `block`, with findings that point at the exact span of
//! the original input. Data flows one way: document → extract → normalize
//! (with an offset map back) → candidates → boundary confirmation → decide →
//! verdict → (service) recorded review.
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
//! | 三审 | 三审三校 | up to three officer levels: 部门负责人 → 分管领导 → 保密工作负责人 |

pub mod engine;

#[cfg(feature = "attach")]
pub mod attach;

#[cfg(feature = "service")]
pub mod service;

pub use engine::lexicon::{Lexicon, LexiconError, LexiconProblem, LexiconSource};
pub use engine::verdict::{Category, Decision, Finding, Severity, Verdict};
pub use engine::{
    BuildError, Document, Engine, EngineBuilder, Format, ScanOptions, ENGINE_VERSION,
};

#[cfg(feature = "attach")]
pub use attach::AttachmentVerdict;
