//! Attachments through the publish hook and the draft check: base64 in JSON
//! and file parts of multipart/form-data, on SQLite and PostgreSQL. The
//! item's decision is the worst of its text and its files; the record keeps
//! each file's name, type, size, hash and located findings.

#[path = "support/office.rs"]
mod office;
mod server_support;

use baomi::service::workflow::Role;
use base64::Engine as _;
use office::{docx, p, resident_ids, xlsx, Sheet};
use reqwest::StatusCode;
use serde_json::json;
use server_support::{answer, On, TestService};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn sha256(bytes: &[u8]) -> String {
    baomi::service::store::sha256_hex(bytes)
}

/// A roster sheet with `n` valid resident IDs in column C.
fn roster(n: usize) -> Vec<u8> {
    let mut rows = vec![vec!["序号".to_string(), "姓名".into(), "身份证号".into()]];
    for (i, id) in resident_ids(n).into_iter().enumerate() {
        rows.push(vec![(i + 1).to_string(), format!("王某{i}"), id]);
    }
    xlsx(&[Sheet::new("名单", rows)], &[])
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn json_attachments_are_scanned_and_recorded(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "门户CMS").await;
    let officer = svc.token(Role::Officer, Some(1), "审查员甲").await;
    let sheet = roster(3);
    let body = json!({
        "item_id": "subsidy-1", "content": "关于发放2025年临时救助资金的公示", "title": "救助资金公示",
        "attachments": [{"name": "名单.xlsx", "content_type": XLSX, "data": b64(&sheet)}],
    });
    let (code, r) = svc.submit(&cms, body.clone()).await;
    assert_eq!(code, StatusCode::CREATED, "{r}");
    // The text passes; the list of three ID numbers blocks the item.
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(r["decision"], "block", "{r}");
    assert_eq!(r["status"], "pending", "{r}");
    let a = &r["attachments"][0];
    assert_eq!(a["name"], "名单.xlsx");
    assert_eq!(a["content_type"], XLSX);
    assert_eq!(a["size"], sheet.len());
    assert_eq!(a["sha256"], sha256(&sheet));
    assert_eq!(a["decision"], "block");
    let locations: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"].as_str().unwrap())
        .collect();
    assert_eq!(
        locations,
        [
            "名单.xlsx › 名单!C2",
            "名单.xlsx › 名单!C3",
            "名单.xlsx › 名单!C4"
        ]
    );
    // Recorded: the officer sees the same attachment record.
    let id = r["review_id"].as_str().unwrap().to_string();
    let (code, got) = svc.get(&format!("/api/v1/reviews/{id}"), &officer).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(got["attachments"], r["attachments"]);
    // The same item with the same file is the same review; another file is a new one.
    let (code, again) = svc.submit(&cms, body).await;
    assert_eq!(
        (code, &again["review_id"]),
        (StatusCode::OK, &r["review_id"])
    );
    let other = roster(1);
    let (code, changed) = svc
        .submit(
            &cms,
            json!({"item_id": "subsidy-1", "content": "关于发放2025年临时救助资金的公示",
                   "attachments": [{"name": "名单.xlsx", "data": b64(&other)}]}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{changed}");
    assert_eq!(
        changed["decision"], "review",
        "one ID is a review: {changed}"
    );
    // The chain covers the attachment records too.
    let report = svc.state.store.verify_chain().await.unwrap();
    assert_eq!(report.problem, None);
    svc.state
        .store
        .execute_raw(&format!(
            "UPDATE reviews SET attachments = '[]' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    let report = svc.state.store.verify_chain().await.unwrap();
    assert!(
        report.problem.as_deref().is_some_and(|p| p.contains(&id)),
        "{report:?}"
    );
    svc.stop().await;
}

/// A multipart/form-data body: text fields, then files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "baomi-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{name}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn multipart_uploads_work_for_reviews_and_checks(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "门户CMS").await;
    let editor = svc.token(Role::Editor, None, "编辑甲").await;
    let notice = docx(
        &format!("{}{}", p("机密★1年"), p("关于某项工作的通知")),
        &[],
    );
    let docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    let (content_type, body) = multipart(
        &[
            ("item_id", "notice-9"),
            ("content", "附件：通知"),
            ("title", "通知"),
        ],
        &[("通知.docx", docx_type, &notice)],
    );
    let resp = svc
        .http
        .post(svc.url("/api/v1/reviews"))
        .bearer_auth(&cms)
        .header("content-type", &content_type)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (code, r) = answer(resp).await;
    assert_eq!(code, StatusCode::CREATED, "{r}");
    assert_eq!(r["decision"], "block", "{r}");
    assert_eq!(r["title"], "通知");
    let a = &r["attachments"][0];
    assert_eq!(
        (a["name"].as_str(), a["size"].as_u64()),
        (Some("通知.docx"), Some(notice.len() as u64))
    );
    assert_eq!(a["findings"][0]["rule"], "cm-0001", "{r}");
    assert!(
        a["findings"][0]["location"]
            .as_str()
            .unwrap()
            .starts_with("通知.docx"),
        "{r}"
    );

    // The draft check takes the same body and records nothing.
    let before = svc.recorded().await;
    let (content_type, body) = multipart(&[], &[("通知.docx", docx_type, &notice)]);
    let resp = svc
        .http
        .post(svc.url("/api/v1/check"))
        .bearer_auth(&editor)
        .header("content-type", &content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let (code, v) = answer(resp).await;
    assert_eq!(code, StatusCode::OK, "{v}");
    assert_eq!(v["decision"], "block", "{v}");
    assert_eq!(v["attachments"][0]["decision"], "block", "{v}");
    assert_eq!(svc.recorded().await.reviews, before.reviews);

    // Unknown fields are refused by name, as in JSON.
    let (content_type, body) = multipart(
        &[("item_id", "x"), ("content", "y"), ("colour", "red")],
        &[],
    );
    let resp = svc
        .http
        .post(svc.url("/api/v1/reviews"))
        .bearer_auth(&cms)
        .header("content-type", &content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let (code, e) = answer(resp).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("colour"),
        "{e}"
    );
    svc.stop().await;
}

async fn unreadable_or_bad_attachments_fail_closed(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let cms = svc.token(Role::Cms, None, "门户CMS").await;
    let before = svc.recorded().await;
    // Not base64: 400 naming the field, nothing recorded.
    let (code, e) = svc
        .submit(
            &cms,
            json!({"item_id": "a", "content": "正文", "attachments": [{"name": "x.xlsx", "data": "***"}]}),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("attachments[0].data"),
        "{e}"
    );
    assert_eq!(svc.recorded().await.reviews, before.reviews);
    // A program file cannot be read: the item is review, with the reason.
    let (code, r) = svc
        .submit(
            &cms,
            json!({"item_id": "b", "content": "今天天气晴朗。",
                   "attachments": [{"name": "setup.exe", "data": b64(b"MZ\x90\x00\x03\x00\x00\x00")}]}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{r}");
    assert_eq!(r["decision"], "review", "{r}");
    assert_eq!(r["attachments"][0]["decision"], "review", "{r}");
    assert!(
        r["attachments"][0]["error"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{r}"
    );
    svc.stop().await;
}

/// The formats read since issue 10 go through the draft check like any
/// other: a Word 97 file, an OFD-less zip of an Excel 97 file, a clean .doc.
async fn legacy_files_are_read_by_the_check(on: On) {
    let svc = TestService::start(on, |_, _| {}).await;
    let editor = svc.token(Role::Editor, None, "编辑甲").await;
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/fixtures/attachments/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let check = |body: serde_json::Value| {
        let svc = &svc;
        let editor = editor.clone();
        async move {
            let resp = svc
                .http
                .post(svc.url("/api/v1/check"))
                .bearer_auth(&editor)
                .json(&body)
                .send()
                .await
                .unwrap();
            answer(resp).await
        }
    };
    let (code, v) = check(json!({"content": "关于某项工作的通知", "attachments": [
        {"name": "通知.doc", "data": b64(&fixture("notice-leak.doc"))},
        {"name": "材料.zip", "data": b64(&office::zip(&[("名单.xls", &fixture("roster-leak.xls"))]))},
    ]}))
    .await;
    assert_eq!(code, StatusCode::OK, "{v}");
    assert_eq!(v["decision"], "block", "{v}");
    let locations: Vec<String> = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["findings"].as_array().unwrap().iter())
        .map(|f| f["location"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "通知.doc › 正文",
        "通知.doc › 批注（张三）",
        "材料.zip/名单.xls › 隐藏工作表 备份!A2",
    ] {
        assert!(
            locations.iter().any(|l| l == want),
            "{want} in {locations:?}"
        );
    }
    let (code, v) = check(json!({"content": "关于做好防汛工作的通知", "attachments": [
        {"name": "通知.doc", "data": b64(&fixture("notice-clean.doc"))},
    ]}))
    .await;
    assert_eq!(code, StatusCode::OK, "{v}");
    assert_eq!(v["decision"], "pass", "{v}");
    svc.stop().await;
}

on_both_backends!(
    legacy_files_are_read_by_the_check,
    json_attachments_are_scanned_and_recorded,
    multipart_uploads_work_for_reviews_and_checks,
    unreadable_or_bad_attachments_fail_closed,
);
