//! What an officer's newest action on a URL means for a new record of it:
//! 误报 and 转入审查 keep the same content quiet (a change of content makes
//! it a new question); the first record after an 已整改 is its check:
//! gone (404/410), clean (changed, nothing found), unchanged (the same
//! content: not rectified) or still flagged (changed, still findings).
//! A rectification the check confirmed keeps the record quiet; a deleted
//! page that stays deleted stays quiet.
//!
//! Contract: [`apply_action`] is pure; it sets the record's `quiet` and
//! `check` and returns the check to record with the action, if one is due.

use super::model::{Action, ActionKind, Check, CheckResult, Quiet, Record};
use crate::engine::verdict::Decision;

/// See the module docs.
pub fn apply_action(record: &mut Record, action: &Action) -> Option<(String, CheckResult)> {
    let same_content = action.content_hash.is_some() && action.content_hash == record.content_hash;
    let gone = matches!(record.status, Some(404 | 410));
    let quiet = Quiet {
        action: action.action,
        action_id: action.id.clone(),
        review_id: action.review_id.clone(),
    };
    match action.action {
        ActionKind::FalsePositive | ActionKind::ToReview => {
            if same_content && record.decision != Decision::Pass {
                record.quiet = Some(quiet);
            }
            None
        }
        ActionKind::Rectified => match &action.check {
            None => {
                let result = if gone {
                    CheckResult::Gone
                } else if same_content {
                    CheckResult::Unchanged
                } else if record.decision == Decision::Pass {
                    CheckResult::Clean
                } else {
                    CheckResult::StillFlagged
                };
                record.check = Some(Check {
                    action_id: action.id.clone(),
                    result,
                });
                if result.verified() && record.decision != Decision::Pass {
                    record.quiet = Some(quiet);
                }
                Some((action.id.clone(), result))
            }
            Some(c) if c.result == CheckResult::Gone && gone => {
                record.quiet = Some(quiet);
                None
            }
            Some(_) => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::inspect::model::{ActionCheck, RecordKind};

    fn record(status: u16, hash: &str, decision: Decision) -> Record {
        Record {
            id: "rc_1".into(),
            run_id: "ir_2".into(),
            url: "http://x.cn/a.html".into(),
            referrer: None,
            kind: RecordKind::Page,
            status: Some(status),
            content_type: None,
            title: None,
            decision,
            findings: Vec::new(),
            omitted: Vec::new(),
            error: None,
            content_hash: Some(hash.into()),
            size: None,
            redirect_to: None,
            duplicate_of: None,
            unchanged: false,
            quiet: None,
            check: None,
            lexicon_version: "l".into(),
            worker: "wk".into(),
            fetched_at: "2026-12-01T00:00:00.000Z".into(),
            content: None,
        }
    }

    fn action(kind: ActionKind, hash: &str, check: Option<CheckResult>) -> Action {
        Action {
            id: "ia_1".into(),
            run_id: "ir_1".into(),
            record_id: "rc_0".into(),
            url: "http://x.cn/a.html".into(),
            content_hash: Some(hash.into()),
            action: kind,
            label: String::new(),
            officer: "甲".into(),
            comment: "理由".into(),
            review_id: None,
            created_at: "2026-11-30T00:00:00.000Z".into(),
            check: check.map(|result| ActionCheck {
                run_id: "ir_1".into(),
                result,
                label: String::new(),
                at: String::new(),
            }),
        }
    }

    #[test]
    fn actions_quiet_the_same_content_and_rectifications_are_checked_once() {
        use ActionKind::*;
        use CheckResult::*;
        for (name, rec, act, quiet, check) in [
            (
                "误报, same content",
                record(200, "h1", Decision::Block),
                action(FalsePositive, "h1", None),
                true,
                None,
            ),
            (
                "误报, changed content",
                record(200, "h2", Decision::Block),
                action(FalsePositive, "h1", None),
                false,
                None,
            ),
            (
                "转入审查, same content",
                record(304, "h1", Decision::Review),
                action(ToReview, "h1", None),
                true,
                None,
            ),
            (
                "已整改, deleted",
                record(404, "h9", Decision::Review),
                action(Rectified, "h1", None),
                true,
                Some(Gone),
            ),
            (
                "已整改, changed and clean",
                record(200, "h2", Decision::Pass),
                action(Rectified, "h1", None),
                false,
                Some(Clean),
            ),
            (
                "已整改, unchanged",
                record(200, "h1", Decision::Block),
                action(Rectified, "h1", None),
                false,
                Some(Unchanged),
            ),
            (
                "已整改, changed, still flagged",
                record(200, "h2", Decision::Block),
                action(Rectified, "h1", None),
                false,
                Some(StillFlagged),
            ),
            (
                "deleted and still gone",
                record(410, "h9", Decision::Review),
                action(Rectified, "h1", Some(Gone)),
                true,
                None,
            ),
            (
                "checked once only",
                record(200, "h1", Decision::Block),
                action(Rectified, "h1", Some(Unchanged)),
                false,
                None,
            ),
        ] {
            let mut r = rec;
            let due = apply_action(&mut r, &act);
            assert_eq!(r.quiet.is_some(), quiet, "{name}");
            assert_eq!(due.map(|(_, c)| c), check, "{name}");
            assert_eq!(r.check.map(|c| c.result), check, "{name}");
        }
    }
}
