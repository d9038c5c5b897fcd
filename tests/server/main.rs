//! The HTTP service, in-process on 127.0.0.1:0, driven with reqwest: the
//! publish hook, reads, the queue, tokens, malformed requests (and that they
//! record nothing), the time budget, resolutions and officer levels,
//! callbacks, the form, the report, metrics, the OpenAPI document, lexicon
//! reloads and the audit chain.
//!
//! Every scenario runs twice, on SQLite and on a real PostgreSQL server
//! (`sqlite::name`, `postgres::name`; see `server_support`).

#[path = "../server_support/mod.rs"]
mod server_support;

mod audit;
mod holes;
mod publish;
mod records;
mod requests;
mod workflow;

use audit::*;
use holes::*;
use publish::*;
use records::*;
use requests::*;
use workflow::*;

use baomi::service::workflow::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server_support::{poll, On, TestService, WEBHOOK_SECRET};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    publish_hook_answers_pass_review_and_block,
    same_content_is_the_same_review_and_changed_content_a_new_one,
    concurrent_identical_submissions_record_one_review,
    check_records_nothing,
    reviews_items_and_the_queue,
    tokens_401_and_403_with_json_bodies_record_nothing,
    malformed_requests_are_400_naming_the_field_and_record_nothing,
    body_over_the_limit_is_413_and_records_nothing,
    time_budget_decides_review_never_pass,
    resolutions_need_comment_and_basis,
    officer_levels_overrides_and_escalation,
    the_submitter_never_resolves,
    callbacks_are_signed_retried_and_every_attempt_recorded,
    the_form_as_json_and_escaped_html,
    the_report_counts_decisions_categories_and_overrides,
    metrics_health_and_readiness,
    openapi_lists_every_route,
    lexicon_reload_swaps_and_a_broken_lexicon_keeps_the_old,
    audit_chain_verifies_and_names_tampered_rows,
    audit_chain_names_deleted_events,
    the_title_and_other_published_fields_are_scanned,
    the_content_submitted_last_decides_what_is_publishable,
    items_are_scoped_by_the_submitting_cms,
    text_cannot_pose_as_an_attachment,
    the_submitter_cannot_approve_under_a_padded_name,
    findings_are_capped_and_the_rest_counted,
    a_reload_that_empties_a_bundled_lexicon_is_refused,
    strict_json_and_messages_without_submitted_values,
    an_empty_item_is_refused_on_both_routes,
    callbacks_only_to_allowed_hosts_and_never_redirected,
    sign_out_ends_the_session_and_origin_includes_the_scheme,
);

const BLOCKED: &str = "机密★1年\n关于某项工作的通知";
const FLAGGED: &str = "内部资料 注意保存\n会议纪要";
const NEWS: &str = "市教育局组织开展中小学安全教育周活动，邀请消防、交警等部门进校园开展专题讲座。";

/// The chars `[start, end)` of `s`.
fn char_span(s: &str, start: usize, end: usize) -> String {
    s.chars().skip(start).take(end - start).collect()
}

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<no error.code>")
}

fn error_message(v: &Value) -> &str {
    v["error"]["message"]
        .as_str()
        .unwrap_or("<no error.message>")
}

async fn resolve(
    svc: &TestService,
    officer: &str,
    review_id: &str,
    action: &str,
) -> (StatusCode, Value) {
    svc.post(
        &format!("/api/v1/reviews/{review_id}/resolution"),
        officer,
        &json!({"action": action, "comment": "已核对原文", "basis": "《政府信息公开条例》第十四条"}),
    )
    .await
}
