//! `baomi register import FILE.xlsx|FILE.csv`: the unit's own 定密台账 /
//! 密件登记 as a register lexicon.
//!
//! Contract:
//! - The header row is the first of the first 20 rows that names at least
//!   two known columns; names are matched leniently (spaces, full-width
//!   forms and brackets ignored; 文件标题/题名 are 标题, 文号/文件编号 are 发文字号,
//!   解密时间/保密期限至 are 解密日期 …) and the mapping is printed.
//! - A row is registered when its 密级 is a level (绝密/机密/秘密, 工作秘密,
//!   内部) or, without a 密级 column, when it has a title or 文号. Its 标题 and
//!   发文字号 each become a `block` entry of category `register`. A row whose
//!   解密日期 (or 定密日期 + 保密期限 in years or months) has passed by
//!   `--today` is dropped with a line saying so; 长期 and 启用前 never expire.
//! - Messages name rows by number and never print a title or 文号: the
//!   register lists what must not be published.
//! - The output is written whole or not at all (a temporary file renamed
//!   into place), and then built and checked like any lexicon file.

use anyhow::{bail, Context, Result};
use baomi::attach::table::read_table;
use baomi::attach::Limits;
use baomi::engine::lexicon::{Fnv64, Lexicon, LexiconSource};
use baomi::engine::normalize::normalize_term;
use chrono::{Datelike, Months, NaiveDate};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum RegisterCommand {
    /// Read a 定密台账 / 密件登记 spreadsheet (.xlsx, .xls, .et or .csv) into a
    /// register lexicon: titles and 文号 of items not yet declassified block.
    Import {
        file: PathBuf,
        /// The lexicon file to write (put it in the --lexicons directory).
        #[arg(long, default_value = "register-imported.toml")]
        out: PathBuf,
        /// The day declassification dates are compared with (YYYY-MM-DD).
        #[arg(long)]
        today: Option<NaiveDate>,
    },
}

pub fn run(cmd: RegisterCommand) -> Result<ExitCode> {
    match cmd {
        RegisterCommand::Import { file, out, today } => {
            let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
            import(&file, &out, today)
        }
    }
}

/// The columns a register has, with the header names that mean each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Title,
    DocNumber,
    Level,
    Period,
    Declassify,
    Classified,
}

impl Column {
    const ALL: [Column; 6] = [
        Column::Title,
        Column::DocNumber,
        Column::Level,
        Column::Period,
        Column::Declassify,
        Column::Classified,
    ];

    fn label(self) -> &'static str {
        match self {
            Column::Title => "标题",
            Column::DocNumber => "发文字号",
            Column::Level => "密级",
            Column::Period => "保密期限",
            Column::Declassify => "解密日期",
            Column::Classified => "定密日期",
        }
    }

    /// Header names, most specific first (`保密期限至` is a date, not a period).
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::Declassify => &[
                "解密日期",
                "解密时间",
                "保密期限至",
                "到期日期",
                "解密期限",
                "截止日期",
            ],
            Column::Classified => &[
                "定密日期",
                "定密时间",
                "成文日期",
                "印发日期",
                "发文日期",
                "形成日期",
            ],
            Column::Title => &[
                "文件标题",
                "文件名称",
                "标题",
                "题名",
                "名称",
                "文件名",
                "事项名称",
                "载体名称",
            ],
            Column::DocNumber => &["发文字号", "发文文号", "文号", "文件编号", "字号", "编号"],
            Column::Level => &["密级", "秘密等级", "密级程度", "定密级别"],
            Column::Period => &["保密期限", "期限"],
        }
    }
}

/// Which column (0-based) holds what, from the header row.
fn map_header(row: &[String]) -> Vec<(Column, usize)> {
    let mut mapping: Vec<(Column, usize)> = Vec::new();
    let cells: Vec<String> = row
        .iter()
        .map(|c| {
            normalize_term(c)
                .chars()
                .filter(|c| !matches!(c, ' ' | '(' | ')' | '*' | '★' | ':' | '：'))
                .collect()
        })
        .collect();
    // Exact names first, then names a header contains (`文件标题（全称）`).
    for exact in [true, false] {
        for column in [
            Column::Declassify,
            Column::Classified,
            Column::Title,
            Column::DocNumber,
            Column::Level,
            Column::Period,
        ] {
            if mapping.iter().any(|(c, _)| *c == column) {
                continue;
            }
            let found = cells.iter().enumerate().find(|(i, cell)| {
                !mapping.iter().any(|(_, j)| j == i)
                    && column.names().iter().any(|name| {
                        if exact {
                            cell.as_str() == *name
                        } else {
                            cell.contains(name)
                        }
                    })
            });
            if let Some((i, _)) = found {
                mapping.push((column, i));
            }
        }
    }
    mapping.sort_by_key(|(_, i)| *i);
    mapping
}

/// A date as officers write it: 2026-06-30, 2026/6/30, 2026.6.30,
/// 2026年6月30日, 20260630, or an Excel serial day number (45838).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = normalize_term(text);
    if let Ok(serial) = t.parse::<u32>() {
        if (20_000..=80_000).contains(&serial) {
            return NaiveDate::from_ymd_opt(1899, 12, 30)?
                .checked_add_days(chrono::Days::new(serial as u64));
        }
        if t.len() == 8 {
            return NaiveDate::parse_from_str(&t, "%Y%m%d").ok();
        }
    }
    let parts: Vec<u32> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match parts.as_slice() {
        [y, m, d, ..] if *y > 1900 => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
        // 2026年6月 or 2026-06: the end of that month.
        [y, m] if *y > 1900 => {
            let first = NaiveDate::from_ymd_opt(*y as i32, *m, 1)?;
            first.checked_add_months(Months::new(1))?.pred_opt()
        }
        _ => None,
    }
}

/// When a row is declassified: its 解密日期, or 定密日期 plus the 保密期限.
/// `None` when it never expires by date (长期, 启用前) or nothing says.
fn declassified_on(
    declassify: Option<&str>,
    classified: Option<&str>,
    period: Option<&str>,
) -> Option<NaiveDate> {
    if let Some(date) = declassify.and_then(parse_date) {
        return Some(date);
    }
    let period = normalize_term(period?);
    if period.contains("长期") || period.contains("启用前") || period.contains("永久") {
        return None;
    }
    if let Some(date) = parse_date(&period).filter(|d| d.year() > 1900) {
        return Some(date);
    }
    let from = parse_date(classified?)?;
    let n: u32 = period
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    let months = if period.contains('月') { n } else { n * 12 };
    from.checked_add_months(Months::new(months))
}

/// What a 密级 cell says: a level to register, or not.
fn registered_level(level: &str) -> bool {
    let l = normalize_term(level);
    ["绝密", "机密", "秘密", "工作秘密", "内部"]
        .iter()
        .any(|w| l.contains(w))
        && !["非密", "公开", "无", "不涉密"].iter().any(|w| l == *w)
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A text the entry for `term` must not hit: the term cut short (a title
/// that is only begun is not the title), or a 文号 with another number.
fn miss_example(term: &str, doc_number: bool) -> String {
    if doc_number {
        if let Some(pos) = term.rfind(|c: char| c.is_ascii_digit()) {
            return format!("{}0{}", &term[..=pos], &term[pos + 1..]);
        }
    }
    let chars: Vec<char> = term.chars().collect();
    let keep = chars.len().saturating_sub(2).max(1);
    format!("（{}……）", chars[..keep].iter().collect::<String>())
}

fn entry_id(term: &str) -> String {
    let mut h = Fnv64::new();
    h.write(term.as_bytes());
    format!("rgi-{:012x}", h.finish() & 0xffff_ffff_ffff)
}

fn import(file: &Path, out: &Path, today: NaiveDate) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("台账");
    let limits = Limits::default();
    let table = read_table(name, &bytes, &limits)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let Some((header_at, mapping)) = table
        .rows
        .iter()
        .take(20)
        .enumerate()
        .map(|(i, row)| (i, map_header(row)))
        .find(|(_, m)| m.len() >= 2)
    else {
        bail!(
            "{}: no header row names two of the columns 标题, 发文字号, 密级, 保密期限, 解密日期 \
             in its first 20 rows",
            file.display()
        );
    };
    let column = |c: Column| mapping.iter().find(|(k, _)| *k == c).map(|(_, i)| *i);
    if column(Column::Title).is_none() && column(Column::DocNumber).is_none() {
        bail!(
            "{}: the header names neither 标题 nor 发文字号",
            file.display()
        );
    }
    eprintln!("{}：表头在第{}行，列映射：", table.sheet, header_at + 1);
    let header = &table.rows[header_at];
    for (c, i) in &mapping {
        eprintln!(
            "  {} ← {}列“{}”",
            c.label(),
            baomi::attach::cell_ref(0, *i as u32).trim_end_matches('1'),
            header[*i]
        );
    }
    for c in Column::ALL {
        if column(c).is_none() {
            eprintln!("  {} ← （无此列）", c.label());
        }
    }
    let cell = |row: &[String], c: Column| -> Option<String> {
        column(c)
            .and_then(|i| row.get(i))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut toml = String::new();
    let _ = writeln!(
        toml,
        "# 本单位涉密事项登记（由 baomi register import 从 {} 生成于 {today}）。\n\
         # Titles and 发文字号 of items not yet declassified: each blocks.\n\
         # Regenerate from the spreadsheet rather than editing by hand.\n",
        toml_string(name).trim_matches('"')
    );
    let (mut entries, mut rows_in, mut expired, mut not_secret) = (0, 0, 0, 0);
    let mut seen = std::collections::HashSet::new();
    for (i, row) in table.rows.iter().enumerate().skip(header_at + 1) {
        let line = i + 1;
        let title = cell(row, Column::Title);
        let number = cell(row, Column::DocNumber);
        if title.is_none() && number.is_none() {
            continue;
        }
        if let Some(level) = cell(row, Column::Level) {
            if !registered_level(&level) {
                not_secret += 1;
                continue;
            }
        }
        let until = declassified_on(
            cell(row, Column::Declassify).as_deref(),
            cell(row, Column::Classified).as_deref(),
            cell(row, Column::Period).as_deref(),
        );
        if let Some(date) = until.filter(|d| *d < today) {
            eprintln!("第{line}行：已于 {date} 解密，不再登记");
            expired += 1;
            continue;
        }
        rows_in += 1;
        for (term, is_number) in [(title, false), (number, true)] {
            let Some(term) = term else { continue };
            let normalized = normalize_term(&term);
            // Too short to name one document: it would block ordinary words.
            if normalized.chars().count() < if is_number { 4 } else { 6 } {
                eprintln!(
                    "第{line}行：{}太短，未收入",
                    if is_number { "文号" } else { "标题" }
                );
                continue;
            }
            if !seen.insert(normalized.clone()) {
                continue;
            }
            let what = if is_number { "文号" } else { "标题" };
            let _ =
                writeln!(
                toml,
                "[[entry]]\nid = {}\ncategory = \"register\"\nseverity = \"block\"\ntext = {}\n\
                 reason = {}\nexamples.hit = [{}]\nexamples.miss = [{}]\n",
                toml_string(&entry_id(&normalized)),
                toml_string(&term),
                toml_string(&format!("本单位登记在册、尚未解密的文件{what}（台账第{line}行）")),
                toml_string(&term),
                toml_string(&miss_example(&term, is_number)),
            );
            entries += 1;
        }
    }
    // Built and checked before it replaces anything: with the rest of the
    // folder when that builds (the engine then goes to the cache, so the
    // folder is parsed once), else alone.
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let source = LexiconSource {
        name: out.display().to_string(),
        text: toml,
    };
    let folder = folder_engine(&dir, &source);
    if folder.is_err() {
        Lexicon::from_sources(std::slice::from_ref(&source))
            .map_err(|e| anyhow::anyhow!("the generated lexicon: {e}"))?;
    }
    let tmp = out.with_extension("toml.tmp");
    std::fs::write(&tmp, &source.text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "登记 {rows_in} 行，生成 {entries} 条；已解密 {expired} 行、非涉密 {not_secret} 行未收入。写入 {}",
        out.display()
    );
    match folder {
        Ok(engine) => prime_cache(&dir, &engine),
        Err(e) => eprintln!("未能预编译 {} 的词库：{e}", dir.display()),
    }
    Ok(ExitCode::SUCCESS)
}

/// The engine of the lexicon folder `dir` with `source` in place of the
/// file of the same name (bundled files underneath, as `--lexicons` reads
/// them).
fn folder_engine(dir: &Path, source: &LexiconSource) -> Result<baomi::engine::Engine> {
    let mut user = match baomi::service::lexicons::read_dir(dir) {
        Ok(user) => user,
        Err(_) if !dir.exists() => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    user.retain(|s| s.file_name() != source.file_name());
    user.push(source.clone());
    user.sort_by(|a, b| Path::new(&a.name).cmp(Path::new(&b.name)));
    let sources = baomi::engine::lexicon::overlay(baomi::engine::lexicon::embedded_sources(), user);
    Ok(baomi::engine::EngineBuilder::new().build(Lexicon::from_sources(&sources)?)?)
}

/// Keeps `engine`, built from the folder `dir` as it is now written, in
/// the compiled cache, so that the first `baomi scan` or `serve` after an
/// import starts from it: a 100,000-row register takes seconds to build
/// and under one to read back. Stored only when the folder as read back
/// hashes to the engine's version (the cache would never be found else).
fn prime_cache(dir: &Path, engine: &baomi::engine::Engine) {
    let Some(cache) = baomi::service::lexicon_cache::cache_dir() else {
        return;
    };
    let written = baomi::service::lexicons::sources(Some(dir)).map(|s| Lexicon::version_of(&s));
    if written.ok().as_deref() != Some(engine.lexicon_version()) {
        eprintln!("未能预编译 {} 的词库：目录在导入期间有变动", dir.display());
        return;
    }
    baomi::service::lexicon_cache::store(&cache, engine);
    eprintln!(
        "已为 {} 预编译词库（{} 条），扫描与服务启动时直接读取",
        dir.display(),
        engine.lexicon().entries.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_leniently() {
        let row: Vec<String> = ["序号", "文件标题（全称）", "文 号", "密级", "保密期限至"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = map_header(&row);
        assert_eq!(
            m,
            vec![
                (Column::Title, 1),
                (Column::DocNumber, 2),
                (Column::Level, 3),
                (Column::Declassify, 4)
            ]
        );
    }

    #[test]
    fn dates_and_periods_say_when_an_item_is_declassified() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_date("2026年6月30日"), Some(d(2026, 6, 30)));
        assert_eq!(parse_date("2026/6/30"), Some(d(2026, 6, 30)));
        // An Excel serial: days since 1899-12-30 (Excel counts 1900-02-29).
        assert_eq!(parse_date("45838"), Some(d(2025, 6, 30)));
        assert_eq!(parse_date("2026-02"), Some(d(2026, 2, 28)));
        assert_eq!(
            declassified_on(None, Some("2020-03-01"), Some("5年")),
            Some(d(2025, 3, 1))
        );
        assert_eq!(
            declassified_on(None, Some("2025-01-10"), Some("6个月")),
            Some(d(2025, 7, 10))
        );
        assert_eq!(
            declassified_on(None, Some("2020-03-01"), Some("长期")),
            None
        );
        assert_eq!(
            declassified_on(Some("2030-12-31"), None, Some("10年")),
            Some(d(2030, 12, 31))
        );
        assert!(registered_level("机密") && registered_level("工作秘密"));
        assert!(!registered_level("公开") && !registered_level("非密"));
    }
}
