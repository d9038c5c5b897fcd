//! Reading a fetched body: a page through the engine (as HTML, its address
//! as the published field `网址`), a file through the attachment readers
//! exactly as `baomi scan` and the publish hook read them; each within a
//! time budget, and never `pass` when it did not finish.

use super::model::Record;
use crate::attach::{
    scan_attachment_until, scan_item, sniff, AttachmentVerdict, ItemField, Kind, Limits,
};
use crate::engine::html::looks_like_html;
use crate::engine::verdict::{Decision, Verdict};
use crate::engine::{Cancel, Document, Engine, ScanOptions};
use crate::service::publish::ATTACHMENT_BUDGET;
use std::sync::Arc;
use std::time::Duration;

/// How long the engine may take on one page (the publish hook's budget is
/// for a CMS waiting; nobody waits on a crawl, but a page must not stall it).
pub const PAGE_BUDGET: Duration = Duration::from_secs(10);

/// The page as a document (HTML) with its address as the published field
/// `网址`, within [`PAGE_BUDGET`]; gives the text back.
pub async fn scan_page(
    engine: Arc<Engine>,
    text: String,
    address: String,
) -> (Verdict, Option<String>) {
    let lexicon = engine.lexicon_version().to_string();
    let cancel = Cancel::new();
    let stop = cancel.clone();
    let task = tokio::task::spawn_blocking(move || {
        let fields = [ItemField {
            label: "网址",
            text: &address,
        }];
        let options = ScanOptions {
            utf16_offsets: true,
        };
        let v = scan_item(
            &engine,
            &Document::html(&text),
            &fields,
            &[],
            &options,
            &Limits::default(),
            &cancel,
        );
        (v.text, text)
    });
    match tokio::time::timeout(PAGE_BUDGET, task).await {
        Ok(Ok((v, text))) => (v, Some(text)),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the engine failed on a page");
            (
                Verdict::incomplete(
                    "the engine failed on this page; a person must look",
                    &lexicon,
                ),
                None,
            )
        }
        Err(_) => {
            stop.cancel();
            let why = format!(
                "the engine did not finish within {} s; a person must look",
                PAGE_BUDGET.as_secs()
            );
            (Verdict::incomplete(&why, &lexicon), None)
        }
    }
}

/// A linked file through the attachment readers, within the publish hook's
/// attachment budget.
pub async fn scan_file(engine: Arc<Engine>, name: String, bytes: Vec<u8>) -> AttachmentVerdict {
    let lexicon = engine.lexicon_version().to_string();
    let cancel = Cancel::new();
    let stop = cancel.clone();
    let shown = name.clone();
    let task = tokio::task::spawn_blocking(move || {
        let options = ScanOptions {
            utf16_offsets: true,
        };
        scan_attachment_until(
            &engine,
            &name,
            &bytes,
            &options,
            &Limits::default(),
            &cancel,
        )
    });
    match tokio::time::timeout(ATTACHMENT_BUDGET, task).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the readers failed on an attachment");
            AttachmentVerdict::unscanned(
                &shown,
                "the readers failed on this file; a person must look",
                &lexicon,
            )
        }
        Err(_) => {
            stop.cancel();
            let why = format!(
                "not read within {} s; a person must look",
                ATTACHMENT_BUDGET.as_secs()
            );
            AttachmentVerdict::unscanned(&shown, &why, &lexicon)
        }
    }
}

/// Whether a 2xx body is an HTML page (else it is read as an attachment):
/// the content decides first (a PDF served as text/html is a PDF), then the
/// Content-Type, then, untyped, whether it looks like HTML.
pub fn is_page(content_type: Option<&str>, name: &str, body: &[u8]) -> bool {
    if matches!(
        sniff(name, body),
        Kind::Zip | Kind::Pdf | Kind::Ole | Kind::Picture | Kind::Rtf
    ) {
        return false;
    }
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => true,
        "" | "application/octet-stream" => {
            let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
            looks_like_html(&head)
        }
        _ => false,
    }
}

/// Copies what was found from an earlier record of the same content.
pub fn copy_verdict(record: &mut Record, from: &Record) {
    record.kind = from.kind;
    record.title = from.title.clone();
    record.decision = from.decision;
    record.findings = from.findings.clone();
    record.omitted = from.omitted.clone();
    record.error = from.error.clone();
    record.content = from.content.clone();
    if record.content_type.is_none() {
        record.content_type = from.content_type.clone();
    }
}

pub fn apply_verdict(record: &mut Record, v: Verdict) {
    record.decision = v.decision;
    record.findings = v.findings;
    record.omitted = v.omitted;
    if let Some(why) = v.incomplete {
        add_error(record, why);
    }
}

/// Adds a reason the record was not read wholly; it is then at least
/// `review`.
pub fn add_error(record: &mut Record, why: String) {
    record.error = Some(match record.error.take() {
        Some(e) => format!("{e}; {why}"),
        None => why,
    });
    record.decision = record.decision.max(Decision::Review);
}
