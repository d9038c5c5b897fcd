//! The resolution use case: an officer approves, rejects or escalates a
//! pending review, with a comment and a basis (依据和理由).
//!
//! Contract: the 三审 rules ([`super::workflow::decide_resolution`]) decide
//! whether the officer may; the store records the resolution, its event, the
//! review's new status and (when the review is finished) the callback
//! delivery in one transaction, and only if the review is still in the state
//! the rules saw (else a conflict).

use super::app::App;
use super::error::ServiceError;
use super::store::{NewResolution, ReviewRecord, TokenInfo};
use super::workflow::{decide_resolution, Action, Officer, PendingView, Refusal, TOP_LEVEL};

/// What the officer asks for.
#[derive(Debug, Clone)]
pub struct ResolutionRequest {
    pub action: Action,
    pub comment: String,
    pub basis: String,
}

/// Resolves review `id` as `officer`; returns the review as it now stands.
pub async fn resolve(
    app: &App,
    officer: &TokenInfo,
    id: &str,
    req: ResolutionRequest,
) -> Result<ReviewRecord, ServiceError> {
    let level = officer
        .level
        .filter(|l| (1..=TOP_LEVEL).contains(l))
        .ok_or_else(|| {
            ServiceError::Forbidden(
                "this officer token has no level 1–3; create it with --level".into(),
            )
        })?;
    if req.comment.trim().is_empty() {
        return Err(ServiceError::invalid("comment", "must not be empty"));
    }
    if req.basis.trim().is_empty() {
        return Err(ServiceError::invalid(
            "basis",
            "must not be empty: give the basis and reason (依据和理由)",
        ));
    }
    let review = app
        .store
        .review(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no review {id}")))?;
    let view = PendingView {
        status: review.status,
        decision: review.decision,
        level: review.level,
        submitter: review.submitter.as_deref(),
    };
    let acting = Officer {
        name: &officer.name,
        level,
    };
    let transition =
        decide_resolution(view, &acting, req.action).map_err(|refusal| match refusal {
            Refusal::NotPending(_) | Refusal::AlreadyAtTop => {
                ServiceError::Conflict(refusal.to_string())
            }
            _ => ServiceError::Refused(refusal),
        })?;
    let callback = review
        .callback_url
        .clone()
        .or_else(|| app.config.webhook_url.clone());
    let updated = app
        .store
        .resolve(
            &review,
            NewResolution {
                action: req.action,
                officer_token: &officer.id,
                officer_name: &officer.name,
                level,
                comment: req.comment.trim(),
                basis: req.basis.trim(),
                transition,
                callback_url: callback.as_deref(),
            },
        )
        .await?;
    tracing::info!(review_id = %id, action = req.action.as_str(), status = updated.status.as_str(), "review resolved");
    Ok(updated)
}
