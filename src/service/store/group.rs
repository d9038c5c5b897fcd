//! The group-commit queue: reviews waiting for the chain lock, and how many
//! transactions wrote them. `reviews::commit_in_group` is its one user.

use super::error::StoreError;
use super::records::NewReview;
use crate::service::workflow::Status;

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A review ready to be written, waiting for its group's transaction.
pub(super) struct PendingReview {
    pub(super) id: String,
    pub(super) new: NewReview,
    pub(super) status: Status,
    pub(super) findings_json: String,
    pub(super) attachments_json: Option<String>,
    pub(super) omitted_json: Option<String>,
    /// Whether the row keeps the text (see `ContentRetention`).
    pub(super) stored: bool,
    pub(super) payload: String,
    pub(super) actor: String,
    pub(super) at: String,
}

/// Where the group's writer sends one review's outcome.
pub(super) type GroupReply = tokio::sync::oneshot::Sender<Result<(NewReview, Result<()>)>>;

/// The reviews waiting and the count of transactions that wrote reviews.
#[derive(Default)]
pub(super) struct GroupQueue {
    pub(super) waiting: std::sync::Mutex<Vec<(PendingReview, GroupReply)>>,
    pub(super) transactions: std::sync::atomic::AtomicU64,
}
