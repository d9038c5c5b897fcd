//! The real `baomi` binary: formats, exit codes, folders, bad files, lexicon
//! commands.

#[path = "../support/office.rs"]
mod office;

mod cache;
mod eval;
mod formats;
mod register;
mod scratch;

use scratch::temp_dir;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn baomi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_baomi"))
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = baomi()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn stdin_marking_blocks_with_exit_1_and_jsonl_fields() {
    let out = run_with_stdin(
        &["scan", "--format", "jsonl", "-"],
        "机密★1年\n关于某项工作的通知",
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["path"], "-");
    assert_eq!(rows[0]["decision"], "block");
    let f = &rows[0]["findings"][0];
    for (key, want) in [
        ("rule", "cm-0001"),
        ("category", "marking"),
        ("severity", "block"),
        ("text", "机密★1年"),
    ] {
        assert_eq!(f[key], want, "{key}");
    }
    assert_eq!((f["start"].as_u64(), f["end"].as_u64()), (Some(0), Some(5)));
}

#[test]
fn passing_text_exits_0_and_fail_on_block_ignores_reviews() {
    let out = run_with_stdin(
        &["scan", "--format", "jsonl"],
        "今天天气晴朗，市民出行注意安全。",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(jsonl(&out)[0]["decision"], "pass");
    let review_only = "内部资料 注意保存\n会议纪要";
    let out = run_with_stdin(&["scan", "--format", "jsonl", "-"], review_only);
    assert_eq!(out.status.code(), Some(1));
    let out = run_with_stdin(
        &["scan", "--format", "jsonl", "--fail-on", "block", "-"],
        review_only,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(jsonl(&out)[0]["decision"], "review");
}

#[test]
fn folders_are_walked_and_bad_files_are_named_without_stopping_the_run() {
    let dir = temp_dir("walk");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.txt"), "普通新闻稿").unwrap();
    std::fs::write(dir.join("b.html"), "<p>机<b>密</b>★1年</p><p>正文</p>").unwrap();
    std::fs::write(dir.join("sub/c.md"), "# 标题\n内容").unwrap();
    std::fs::write(dir.join("sub/d.htm"), "<p>正文</p>").unwrap();
    std::fs::write(dir.join("skip.bin"), [0u8, 1, 2]).unwrap();
    std::fs::write(dir.join("gbk.txt"), [0xBB, 0xFA, 0xC3, 0xDC]).unwrap(); // 机密 in GBK
    let out = baomi()
        .args(["scan", "--format", "jsonl"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable file makes the run exit 2"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("gbk.txt") && stderr.contains("UTF-8"),
        "{stderr}"
    );
    let rows = jsonl(&out);
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            Path::new(r["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["a.txt", "b.html", "gbk.txt", "c.md", "d.htm"]);
    let by_name = |n: &str| &rows[names.iter().position(|x| x == n).unwrap()];
    assert_eq!(by_name("b.html")["decision"], "block");
    assert_eq!(by_name("b.html")["findings"][0]["text"], "机<b>密</b>★1年");
    assert_eq!(
        by_name("gbk.txt")["decision"],
        "review",
        "unreadable input fails closed"
    );
    assert!(by_name("gbk.txt")["error"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));
    assert_eq!(by_name("a.txt")["decision"], "pass");
}

#[test]
fn missing_file_is_exit_2_naming_it() {
    let out = baomi()
        .args(["scan", "/nonexistent/baomi-nowhere.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("baomi-nowhere.txt"));
}

#[test]
fn every_output_format_renders_the_finding() {
    let text = "机密★1年\n关于某项工作的通知";
    let human = stdout(&run_with_stdin(&["scan", "-"], text));
    assert!(
        human.contains("BLOCK") && human.contains("⟦机密★1年⟧") && human.contains("cm-0001"),
        "{human}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&run_with_stdin(
        &["scan", "--format", "json", "-"],
        text,
    )))
    .unwrap();
    assert_eq!(json[0]["findings"][0]["rule"], "cm-0001");
    let csv = stdout(&run_with_stdin(&["scan", "--format", "csv", "-"], text));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("path,decision,rule,category,severity,line,start,end,text,error,location")
    );
    assert_eq!(
        lines.next(),
        Some("-,block,cm-0001,marking,block,1,0,5,机密★1年,,")
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&run_with_stdin(
        &["scan", "--format", "sarif", "-"],
        text,
    )))
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "cm-0001");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["charLength"],
        5
    );
}

#[test]
fn utf16_offsets_on_request() {
    let out = run_with_stdin(
        &["scan", "--format", "jsonl", "--utf16", "-"],
        "😀\n机密★1年",
    );
    let f = &jsonl(&out)[0]["findings"][0];
    assert_eq!(
        (f["start"].as_u64(), f["start_utf16"].as_u64()),
        (Some(2), Some(3))
    );
    let out = run_with_stdin(&["scan", "--format", "jsonl", "-"], "😀\n机密★1年");
    assert!(jsonl(&out)[0]["findings"][0].get("start_utf16").is_none());
}

#[test]
fn lexicon_check_passes_on_the_bundled_lexicons_and_names_failures() {
    let out = baomi().args(["lexicon", "check"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("0 failed"));

    let dir = temp_dir("badlex");
    std::fs::write(
        dir.join("local.toml"),
        "[[entry]]\nid = \"loc-1\"\ncategory = \"register\"\nseverity = \"block\"\ntext = \"某代号工程\"\nreason = \"r\"\nexamples.hit = [\"某代号\"]\nexamples.miss = [\"无关\"]\n",
    )
    .unwrap();
    let out = baomi()
        .args(["lexicon", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("local.toml:1: entry \"loc-1\" examples.hit does not hit"),
        "{stderr}"
    );

    std::fs::write(
        dir.join("local.toml"),
        "[[entry]]\nid = \"loc-1\"\ncategory = \"internal\"\nseverity = \"review\"\ntext = \"内部資料\"\nreason = \"r\"\nexamples.hit = [\"x\"]\nexamples.miss = [\"y\"]\n",
    )
    .unwrap();
    let out = baomi()
        .args(["lexicon", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("local.toml:1: entry \"loc-1\" normalizes to the same text as \"in-0001\""),
        "{stderr}"
    );
}

#[test]
fn user_lexicons_add_to_and_replace_bundled_files() {
    let dir = temp_dir("userlex");
    std::fs::write(
        dir.join("register.toml"),
        "[[entry]]\nid = \"reg-local-1\"\ncategory = \"register\"\nseverity = \"block\"\ntext = \"某市某工程选址报告\"\nreason = \"登记在册\"\nexamples.hit = [\"《某市某工程选址报告》\"]\nexamples.miss = [\"某市某工程\"]\n",
    )
    .unwrap();
    let lex = dir.to_str().unwrap();
    let out = run_with_stdin(
        &["scan", "--format", "jsonl", "--lexicons", lex, "-"],
        "印发《某市某工程选址报告》的通知",
    );
    assert_eq!(jsonl(&out)[0]["findings"][0]["rule"], "reg-local-1");
    // The bundled register.toml (rg-0001) was replaced by the user's file.
    let out = run_with_stdin(
        &["scan", "--format", "jsonl", "--lexicons", lex, "-"],
        "根据示例密〔2099〕1号文件精神",
    );
    assert_eq!(jsonl(&out)[0]["decision"], "pass");
    let terms = stdout(
        &baomi()
            .args(["lexicon", "export", "--terms", "--lexicons", lex])
            .output()
            .unwrap(),
    );
    assert!(
        terms.lines().any(|l| l == "某市某工程选址报告") && terms.lines().any(|l| l == "内部资料")
    );
}

#[test]
fn attachments_in_folders_are_one_record_each_with_located_findings() {
    let dir = temp_dir("attachments");
    let ids = office::resident_ids(3);
    let rows: Vec<Vec<String>> = std::iter::once(vec!["姓名".to_string(), "身份证号".into()])
        .chain(ids.iter().map(|id| vec!["王某".to_string(), id.clone()]))
        .collect();
    let sheet = office::xlsx(&[office::Sheet::new("名单", rows)], &[]);
    std::fs::write(dir.join("名单.xlsx"), &sheet).unwrap();
    std::fs::write(
        dir.join("通知.docx"),
        office::docx(
            &format!(
                "{}{}",
                office::p("机密★1年"),
                office::p("关于某项工作的通知")
            ),
            &[],
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("材料.zip"),
        office::zip(&[("2025/名单.xlsx", &sheet)]),
    )
    .unwrap();
    std::fs::write(
        dir.join("公告.pdf"),
        office::pdf(&["关于开展保密宣传月活动的通知"]),
    )
    .unwrap();
    std::fs::write(
        dir.join("联系.csv"),
        format!("姓名,身份证号\n王某,{}\n", ids[0]),
    )
    .unwrap();
    std::fs::write(
        dir.join("加密.zip"),
        office::mark_encrypted(office::zip(&[("a.txt", b"x")])),
    )
    .unwrap();
    let out = baomi()
        .args(["scan", "--format", "jsonl"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = jsonl(&out);
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            Path::new(r["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "公告.pdf",
            "加密.zip",
            "名单.xlsx",
            "材料.zip",
            "联系.csv",
            "通知.docx"
        ]
    );
    let by_name = |n: &str| &rows[names.iter().position(|x| x == n).unwrap()];
    for (name, decision, location, rule) in [
        ("名单.xlsx", "block", "名单.xlsx › 名单!B4", "pd-0001"),
        (
            "材料.zip",
            "block",
            "材料.zip/2025/名单.xlsx › 名单!B2",
            "pd-0001",
        ),
        ("通知.docx", "block", "通知.docx › 正文", "cm-0001"),
        ("联系.csv", "review", "联系.csv!B2", "pd-0001"),
    ] {
        let row = by_name(name);
        assert_eq!(row["decision"], decision, "{name}: {row}");
        assert!(
            row["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["location"] == location && f["rule"] == rule),
            "{name}: want {rule} at {location}: {row}"
        );
    }
    assert_eq!(
        by_name("公告.pdf")["decision"],
        "pass",
        "{}",
        by_name("公告.pdf")
    );
    let encrypted = by_name("加密.zip");
    assert_eq!(encrypted["decision"], "review");
    assert!(
        encrypted["error"].as_str().unwrap().contains("encrypted"),
        "{encrypted}"
    );
    // Human output names the location too.
    let human = baomi()
        .args(["scan"])
        .arg(dir.join("通知.docx"))
        .output()
        .unwrap();
    let human = stdout(&human);
    assert!(human.contains("通知.docx › 正文, line 1"), "{human}");
}

#[test]
fn a_misnamed_zip_is_read_for_what_it_is() {
    let dir = temp_dir("misnamed");
    let file = dir.join("附件.dat");
    std::fs::write(
        &file,
        office::zip(&[("通知.txt", "机密★1年\n正文".as_bytes())]),
    )
    .unwrap();
    let out = baomi()
        .args(["scan", "--format", "jsonl"])
        .arg(&file)
        .output()
        .unwrap();
    let rows = jsonl(&out);
    assert_eq!(rows[0]["decision"], "block", "{}", rows[0]);
    assert_eq!(rows[0]["findings"][0]["location"], "附件.dat/通知.txt");
    // Text given directly keeps its old shape: no location key.
    let out = run_with_stdin(&["scan", "--format", "jsonl"], "机密★1年\n正文");
    assert!(jsonl(&out)[0]["findings"][0].get("location").is_none());
}

/// A FIFO named `*.txt` in a folder used to block the run forever: only
/// regular files are read, and what was skipped is said.
#[test]
fn a_fifo_in_a_folder_is_skipped_and_named() {
    let dir = temp_dir("fifo");
    std::fs::write(dir.join("a.txt"), "普通新闻稿").unwrap();
    let status = Command::new("mkfifo")
        .arg(dir.join("pipe.txt"))
        .status()
        .expect("mkfifo (coreutils)");
    assert!(status.success());
    let mut child = baomi()
        .args(["scan", "--format", "jsonl"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: a hang fails the test instead of blocking the suite.
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("baomi scan blocked on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pipe.txt") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    let records = jsonl(&out);
    assert_eq!(records.len(), 1, "only a.txt: {records:?}");
}

/// `baomi audit anchor` signs the head; cutting the end of the chain off
/// (the last event and its review) is then found by `baomi audit verify`.
#[test]
fn an_anchor_finds_a_chain_cut_at_its_end() {
    let dir = temp_dir("anchor");
    let db = format!("sqlite://{}/a.sqlite", dir.display());
    let in_dir = |args: &[&str]| baomi().args(args).current_dir(&dir).output().unwrap();
    // Two reviews through the real service code, recorded by the store.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let last_id = rt.block_on(async {
        use baomi::service::store::{ContentRetention, NewReview, Store};
        let store = Store::connect(&db, ContentRetention::Flagged)
            .await
            .unwrap();
        let mut last = String::new();
        for (item, content) in [("x-1", "第一篇"), ("x-2", "第二篇")] {
            let (r, _) = store
                .record_review(NewReview {
                    item_id: item.into(),
                    content: content.into(),
                    format: "text".into(),
                    content_hash: baomi::service::store::sha256_hex(content.as_bytes()),
                    title: None,
                    submitter: None,
                    department: None,
                    channel: None,
                    url: None,
                    callback_url: None,
                    token_id: "tk_cli".into(),
                    decision: baomi::Decision::Pass,
                    findings: Vec::new(),
                    attachments: Vec::new(),
                    incomplete: None,
                    omitted: Vec::new(),
                    lexicon_version: "lex".into(),
                    engine_version: "0".into(),
                })
                .await
                .unwrap();
            last = r.review_id;
        }
        store.close().await;
        last
    });
    let anchored = in_dir(&["audit", "anchor", "--database-url", &db]);
    assert!(
        anchored.status.success(),
        "{}",
        String::from_utf8_lossy(&anchored.stderr)
    );
    let line = stdout(&anchored);
    assert!(line.starts_with("baomi-anchor v1 seq=2 "), "{line}");
    assert!(dir.join("baomi-audit.key").exists() && dir.join("baomi-anchors.txt").exists());
    let ok = in_dir(&["audit", "verify", "--database-url", &db]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("anchors hold"), "{}", stdout(&ok));
    rt.block_on(async {
        use baomi::service::store::{ContentRetention, Store};
        let store = Store::connect(&db, ContentRetention::Flagged)
            .await
            .unwrap();
        store
            .execute_raw("DELETE FROM events WHERE seq = 2")
            .await
            .unwrap();
        store
            .execute_raw(&format!("DELETE FROM reviews WHERE id = '{last_id}'"))
            .await
            .unwrap();
        store
            .execute_raw("DELETE FROM items WHERE item_id = 'x-2'")
            .await
            .unwrap();
        // Whoever cut the chain also dropped the database's anchors.
        store.execute_raw("DELETE FROM anchors").await.unwrap();
        store.close().await;
    });
    let broken = in_dir(&["audit", "verify", "--database-url", &db]);
    assert_eq!(broken.status.code(), Some(1), "{}", stdout(&broken));
    assert!(
        stdout(&broken).contains("deleted from its end"),
        "{}",
        stdout(&broken)
    );
}

#[test]
fn integration_wordpress_prints_the_plugin_with_the_settings_filled_in() {
    let dir = temp_dir("integration");
    let db = format!("sqlite://{}/b.sqlite", dir.display());
    let token = |role: &[&str]| {
        let out = baomi()
            .args([
                "token",
                "create",
                "--name",
                "门户WordPress",
                "--database-url",
                &db,
            ])
            .args(role)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out).trim().to_string()
    };
    let cms = token(&["--role", "cms"]);
    let print = |extra: &[&str]| {
        baomi()
            .args([
                "integration",
                "wordpress",
                "--hook-url",
                "http://10.1.2.3:8080/",
            ])
            .args(extra)
            .env_remove("BAOMI_WEBHOOK_SECRET")
            .output()
            .unwrap()
    };
    let setting = |php: &str, name: &str| {
        let start = format!("define( '{name}', '");
        let rest = &php[php.find(&start).unwrap_or_else(|| panic!("no {name}")) + start.len()..];
        rest[..rest.find("' );").unwrap()].to_string()
    };

    // The secret from the database, as `baomi serve` finds (or first makes) it.
    let out = print(&["--token", &cms, "--database-url", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let php = stdout(&out);
    assert!(php.starts_with("<?php\n"), "{php:.200}");
    assert_eq!(setting(&php, "BAOMI_HOOK_URL"), "http://10.1.2.3:8080");
    assert_eq!(setting(&php, "BAOMI_TOKEN"), cms);
    let secret = setting(&php, "BAOMI_WEBHOOK_SECRET");
    assert!(secret.starts_with("whs_"), "{secret}");
    let again = stdout(&print(&["--token", &cms, "--database-url", &db]));
    assert_eq!(
        setting(&again, "BAOMI_WEBHOOK_SECRET"),
        secret,
        "one secret per database"
    );
    assert!(!php.contains("/*baomi:"), "a marker is left unfilled");

    // Given, or from the config file: the database is not needed.
    let php = stdout(&print(&["--token", &cms, "--webhook-secret", "it's\\mine"]));
    assert_eq!(setting(&php, "BAOMI_WEBHOOK_SECRET"), r"it\'s\\mine");
    let config = dir.join("baomi.toml");
    std::fs::write(&config, "webhook_secret = \"from-the-config\"\n").unwrap();
    let php = stdout(&print(&[
        "--token",
        &cms,
        "--config",
        config.to_str().unwrap(),
    ]));
    assert_eq!(setting(&php, "BAOMI_WEBHOOK_SECRET"), "from-the-config");

    // What would not work is refused, naming why (exit 2, nothing printed).
    let officer = token(&["--role", "officer", "--level", "1"]);
    for (args, why) in [
        (
            vec!["--token", "bm_nope", "--database-url", &db],
            "not a live token",
        ),
        (
            vec!["--token", &officer, "--database-url", &db],
            "needs a cms token",
        ),
        (
            vec!["--token", " ", "--webhook-secret", "s"],
            "--token must not be empty",
        ),
    ] {
        let out = print(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(why),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = baomi()
        .args([
            "integration",
            "wordpress",
            "--hook-url",
            "10.1.2.3:8080",
            "--token",
            &cms,
        ])
        .args(["--webhook-secret", "s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hook-url must be an http://"));
    let _ = std::fs::remove_dir_all(&dir);
}
