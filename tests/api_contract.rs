//! The OpenAPI document against the real server: it validates as OpenAPI
//! (`openapi-spec-validator`), and schemathesis, which generates requests
//! from it and checks every answer, finds no server error, no undocumented
//! status or content type and no body that breaks its schema, for a CMS, an
//! officer and an admin token.
//!
//! Both tools come from PyPI into `target/test-tools/venv` (`./test.sh`
//! installs them; `BAOMI_TEST_TOOLS` may point at another venv). Without
//! them this test fails, it does not skip.

mod server_support;

use baomi::service::workflow::Role;
use serde_json::json;
use server_support::{Backend, On, TestService};
use std::path::PathBuf;
use std::process::Command;

fn tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("BAOMI_TEST_TOOLS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/venv"),
        PathBuf::from,
    );
    let path = venv.join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run ./test.sh, which installs openapi-spec-validator and schemathesis \
         from PyPI into target/test-tools/venv",
        path.display()
    );
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_validates_and_the_server_keeps_to_it() {
    let svc = TestService::start(
        On {
            backend: Backend::Sqlite,
            test: "api_contract",
        },
        |_, _| {},
    )
    .await;
    let cms = svc.token(Role::Cms, None, "门户CMS").await;
    let officer = svc.token(Role::Officer, Some(3), "审查员").await;
    let admin = svc.token(Role::Admin, None, "管理员").await;
    // Some records, so that reads and the queue have something to show.
    for (i, content) in ["普通新闻", "机密★1年\n关于某事的通知", "内部资料\n会议纪要"]
        .iter()
        .enumerate()
    {
        let (code, _) = svc
            .submit(
                &cms,
                json!({"item_id": format!("seed-{i}"), "content": content, "title": "标题"}),
            )
            .await;
        assert!(code.is_success(), "{code}");
    }
    let doc_path = svc.dir.path().join("openapi.json");
    let (code, _, doc) = svc.get_text("/api/v1/openapi.json", Some(&admin)).await;
    assert!(code.is_success(), "{code}");
    std::fs::write(&doc_path, &doc).unwrap();

    let validator = tool("openapi-spec-validator");
    let out = Command::new(&validator)
        .arg(&doc_path)
        .output()
        .expect("run validator");
    assert!(
        out.status.success(),
        "the OpenAPI document does not validate:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let schemathesis = tool("schemathesis");
    for (who, token) in [("cms", &cms), ("officer", &officer), ("admin", &admin)] {
        let url = svc.url("/api/v1/openapi.json");
        let token = token.clone();
        let schemathesis = schemathesis.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new(schemathesis)
                .args(["run", &url, "--header"])
                .arg(format!("Authorization: Bearer {token}"))
                .args([
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                    "--max-examples",
                    "25",
                    "--seed",
                    "20261201",
                    "--no-color",
                ])
                .env("SCHEMATHESIS_HOOKS", "")
                .output()
                .expect("run schemathesis")
        })
        .await
        .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "schemathesis with the {who} token found answers that break the document:\n{report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(report.contains("passed"), "{who}: {report}");
    }
    svc.stop().await;
}
