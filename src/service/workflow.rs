//! The review workflow (三审): who may do what to a recorded review.
//!
//! Contract: pure rules, no I/O. [`decide_resolution`] takes a pending
//! review, the acting officer and the requested action, and returns the
//! transition to record or the reason it is refused. The store applies the
//! transition atomically; the server maps refusals to 403/409.
//!
//! Rules:
//! - a `pass` verdict is approved on submission; `review` and `block` wait
//!   (`pending`) at level 1 (部门负责人);
//! - an officer acts only on items at or below their level (1 部门负责人,
//!   2 分管领导, 3 保密工作负责人);
//! - approving an item the engine judged `block` (an override) needs level 3;
//! - escalate moves the item up one level; at level 3 there is no higher
//!   level in baomi (the 保密工作小组 meets outside it), so it is refused;
//! - whoever submitted an item never resolves it (谁发布谁审核 is about
//!   accountability, not self-approval);
//! - every resolution needs a comment and a basis (依据和理由).

use crate::engine::normalize::normalize_term;
use crate::engine::verdict::Decision;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The highest officer level.
pub const TOP_LEVEL: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The CMS publish hook: submits items, reads its own.
    Cms,
    /// Editors: check drafts.
    Editor,
    /// Information officers (保密审查员) with a level: queue and resolutions.
    Officer,
    /// Tokens and lexicon reloads.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cms => "cms",
            Role::Editor => "editor",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "cms" => Role::Cms,
            "editor" => Role::Editor,
            "officer" => Role::Officer,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a recorded review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Approved,
    Pending,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Pending => "pending",
            Status::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "approved" => Status::Approved,
            "pending" => Status::Pending,
            "rejected" => Status::Rejected,
            _ => return None,
        })
    }
    /// The status a fresh verdict starts in.
    pub fn initial(decision: Decision) -> Status {
        match decision {
            Decision::Pass => Status::Approved,
            Decision::Review | Decision::Block => Status::Pending,
        }
    }
}

/// What an officer does with a pending item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Approve,
    Reject,
    Escalate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Escalate => "escalate",
        }
    }
    /// The opinion written on the 审查表 for this action.
    pub fn opinion(self) -> &'static str {
        match self {
            Action::Approve => "公开",
            Action::Reject => "不予公开",
            Action::Escalate => "需报审",
        }
    }
}

/// The officer acting, as the token says.
#[derive(Debug, Clone)]
pub struct Officer<'a> {
    pub name: &'a str,
    pub level: i64,
}

/// The review as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct PendingView<'a> {
    pub status: Status,
    pub decision: Decision,
    pub level: i64,
    pub submitter: Option<&'a str>,
}

/// What to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub status: Status,
    pub level: i64,
    /// An approval of a `block` verdict.
    pub override_block: bool,
}

/// Why a resolution is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not pending any more (409).
    NotPending(Status),
    /// The officer's level is below the item's (403).
    LevelTooLow { needed: i64, have: i64 },
    /// Approving a block needs the top level (403).
    OverrideNeedsTopLevel { have: i64 },
    /// Nowhere higher to go (409).
    AlreadyAtTop,
    /// The submitter may not resolve their own item (403).
    OwnItem,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotPending(s) => write!(f, "the review is already {}", s.as_str()),
            Refusal::LevelTooLow { needed, have } => write!(
                f,
                "the item waits at level {needed}; an officer of level {have} cannot act on it"
            ),
            Refusal::OverrideNeedsTopLevel { have } => write!(
                f,
                "approving an item the engine blocked needs level {TOP_LEVEL} (保密工作负责人); you are level {have}"
            ),
            Refusal::AlreadyAtTop => write!(
                f,
                "the item is at level {TOP_LEVEL} already; there is no higher level to escalate to"
            ),
            Refusal::OwnItem => write!(f, "the submitter of an item cannot resolve it"),
        }
    }
}

/// Whether two names written by people name the same person: compared as
/// normalized text (trimmed, width and case folded, traditional folded,
/// spaces between ideographs dropped), so `" 审查员甲"`, `"审查员甲 "` and
/// `"审查员 甲"` are all 审查员甲. Blank names name nobody.
pub fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (normalize_term(a), normalize_term(b));
    !a.is_empty() && a == b
}

/// Applies the rules of the module docs.
pub fn decide_resolution(
    review: PendingView<'_>,
    officer: &Officer<'_>,
    action: Action,
) -> Result<Transition, Refusal> {
    if review.status != Status::Pending {
        return Err(Refusal::NotPending(review.status));
    }
    if review
        .submitter
        .is_some_and(|s| same_person(s, officer.name))
    {
        return Err(Refusal::OwnItem);
    }
    if officer.level < review.level {
        return Err(Refusal::LevelTooLow {
            needed: review.level,
            have: officer.level,
        });
    }
    match action {
        Action::Approve => {
            let override_block = review.decision == Decision::Block;
            if override_block && officer.level < TOP_LEVEL {
                return Err(Refusal::OverrideNeedsTopLevel {
                    have: officer.level,
                });
            }
            Ok(Transition {
                status: Status::Approved,
                level: review.level,
                override_block,
            })
        }
        Action::Reject => Ok(Transition {
            status: Status::Rejected,
            level: review.level,
            override_block: false,
        }),
        Action::Escalate => {
            if review.level >= TOP_LEVEL {
                return Err(Refusal::AlreadyAtTop);
            }
            Ok(Transition {
                status: Status::Pending,
                level: review.level + 1,
                override_block: false,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(decision: Decision, level: i64) -> PendingView<'static> {
        PendingView {
            status: Status::Pending,
            decision,
            level,
            submitter: Some("王编辑"),
        }
    }

    #[test]
    fn three_levels_and_overrides() {
        let l1 = Officer {
            name: "甲",
            level: 1,
        };
        let l3 = Officer {
            name: "丙",
            level: 3,
        };
        for (review, officer, action, want) in [
            (
                pending(Decision::Review, 1),
                &l1,
                Action::Approve,
                Ok(Status::Approved),
            ),
            (
                pending(Decision::Block, 1),
                &l1,
                Action::Reject,
                Ok(Status::Rejected),
            ),
            (
                pending(Decision::Block, 1),
                &l1,
                Action::Approve,
                Err(Refusal::OverrideNeedsTopLevel { have: 1 }),
            ),
            (
                pending(Decision::Block, 1),
                &l3,
                Action::Approve,
                Ok(Status::Approved),
            ),
            (
                pending(Decision::Review, 2),
                &l1,
                Action::Reject,
                Err(Refusal::LevelTooLow { needed: 2, have: 1 }),
            ),
            (
                pending(Decision::Review, 3),
                &l3,
                Action::Escalate,
                Err(Refusal::AlreadyAtTop),
            ),
        ] {
            let got = decide_resolution(review, officer, action).map(|t| t.status);
            assert_eq!(
                got, want,
                "{action:?} by level {} on {review:?}",
                officer.level
            );
        }
        let up = decide_resolution(pending(Decision::Review, 1), &l1, Action::Escalate).unwrap();
        assert_eq!((up.status, up.level), (Status::Pending, 2));
    }

    #[test]
    fn the_submitter_never_resolves_and_finished_items_stay_finished() {
        let own = Officer {
            name: "王编辑",
            level: 3,
        };
        assert_eq!(
            decide_resolution(pending(Decision::Review, 1), &own, Action::Approve),
            Err(Refusal::OwnItem)
        );
        // A space, full-width letters or traditional characters do not make
        // the submitter someone else.
        for name in [" 王编辑", "王编辑 ", "王 编辑", "王編輯", "\u{3000}王编辑"] {
            let disguised = Officer { name, level: 3 };
            assert_eq!(
                decide_resolution(pending(Decision::Review, 1), &disguised, Action::Approve),
                Err(Refusal::OwnItem),
                "{name:?}"
            );
        }
        assert!(!same_person("", ""));
        assert!(same_person("ＡＬＩＣＥ", "alice"));
        assert!(!same_person("王编辑", "王编辑甲"));
        let mut done = pending(Decision::Review, 1);
        done.status = Status::Rejected;
        let l3 = Officer {
            name: "丙",
            level: 3,
        };
        assert_eq!(
            decide_resolution(done, &l3, Action::Approve),
            Err(Refusal::NotPending(Status::Rejected))
        );
    }
}
