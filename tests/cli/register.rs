//! `baomi register import`: an officer's 定密台账 as a register lexicon.

use super::*;
use office::{xlsx, Sheet};

/// Rows of a 10,000-row register: every tenth was declassified in 2020,
/// every tenth plus one is 公开, the rest are 机密 until 2030.
fn register_rows() -> Vec<Vec<String>> {
    let mut rows = vec![["序号", "文件标题（全称）", "文 号", "密级", "解密时间"]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()];
    for i in 0..10_000 {
        let (level, until) = match i % 10 {
            0 => ("机密", "2020-01-01"),
            1 => ("公开", ""),
            _ => ("机密", "2030年12月31日"),
        };
        rows.push(vec![
            (i + 1).to_string(),
            format!("青川县第{i}号地下管网隐蔽工程布局方案"),
            format!("青政密〔2025〕{i}号"),
            level.to_string(),
            until.to_string(),
        ]);
    }
    rows
}

#[test]
fn a_ten_thousand_row_register_blocks_what_is_not_yet_declassified() {
    let dir = temp_dir("register");
    let sheet = xlsx(&[Sheet::new("台账", register_rows())], &[]);
    std::fs::write(dir.join("台账.xlsx"), sheet).unwrap();
    let lexicons = dir.join("lexicons");
    std::fs::create_dir_all(&lexicons).unwrap();
    let cache = dir.join("cache");
    let out = baomi()
        .env("BAOMI_CACHE_DIR", &cache)
        .args(["register", "import"])
        .arg(dir.join("台账.xlsx"))
        .arg("--out")
        .arg(lexicons.join("register-imported.toml"))
        .args(["--today", "2026-12-01"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The mapping is printed, with the header names as written.
    for line in [
        "标题 ← B列“文件标题（全称）”",
        "发文字号 ← C列“文 号”",
        "解密日期 ← E列“解密时间”",
    ] {
        assert!(stderr.contains(line), "{line} missing from:\n{stderr}");
    }
    // Every declassified row is named by number, and no title is printed.
    assert_eq!(
        stderr.matches("已于 2020-01-01 解密，不再登记").count(),
        1_000
    );
    assert!(
        stderr.contains("第2行：已于 2020-01-01 解密"),
        "{stderr:.400}"
    );
    assert!(!stderr.contains("地下管网"), "a title was printed");
    assert!(
        stderr.contains("登记 8000 行，生成 16000 条"),
        "{stderr:.2000}"
    );

    // The import compiled the folder: the first scan reads it back.
    let cached: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let first = baomi()
        .env("BAOMI_CACHE_DIR", &cache)
        .env("BAOMI_LOG", "baomi=debug")
        .args(["scan", "--lexicons"])
        .arg(&lexicons)
        .arg(dir.join("台账.xlsx").with_extension("none"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("lexicon read from the compiled cache"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let scan = |text: &str| {
        let mut child = baomi()
            .env("BAOMI_CACHE_DIR", &cache)
            .args(["scan", "--format", "jsonl", "--lexicons"])
            .arg(&lexicons)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        jsonl(&child.wait_with_output().unwrap())
    };
    let kept = scan("会议研究了青川县第5号地下管网隐蔽工程布局方案。");
    assert_eq!(kept[0]["decision"], "block", "{}", kept[0]);
    let by_number = scan("依据青政密[2025]7号文件精神。");
    assert_eq!(by_number[0]["decision"], "block", "{}", by_number[0]);
    // Declassified (row 0) and public (row 1) items pass.
    for free in [
        "青川县第0号地下管网隐蔽工程布局方案",
        "依据青政密〔2025〕1号文件",
    ] {
        let v = scan(free);
        assert_eq!(v[0]["decision"], "pass", "{free}: {}", v[0]);
    }
    // The file checks like any lexicon file.
    let check = baomi()
        .args(["lexicon", "check"])
        .arg(&lexicons)
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sheet_without_a_register_header_is_refused_and_writes_nothing() {
    let dir = temp_dir("register-bad");
    std::fs::write(dir.join("表.csv"), "序号,备注\n1,无\n").unwrap();
    let out = baomi()
        .args(["register", "import"])
        .arg(dir.join("表.csv"))
        .arg("--out")
        .arg(dir.join("out.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no header row names two of the columns"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("out.toml").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
